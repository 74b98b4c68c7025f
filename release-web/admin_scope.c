/*
 * admin_scope.c - the admin API's scope decisions. See admin_scope.h.
 */
#include "config.h"

#include <string.h>

#include "release-web/admin_scope.h"

/* strcmp order of the lower-cased (buf, len) against a stored (lower case) name. */
static int
cmp_lower(const char *buf, size_t len, const char *name)
{
	size_t i;

	for (i = 0; i < len && name[i] != '\0'; i++) {
		unsigned char a = (unsigned char)buf[i], b = (unsigned char)name[i];

		if (a >= 'A' && a <= 'Z')
			a = (unsigned char)(a - 'A' + 'a');
		if (a != b)
			return a < b ? -1 : 1;
	}
	if (i < len)
		return 1;
	return name[i] == '\0' ? 0 : -1;
}

int
admin_scope_domain(const struct admin_scope *s, const char *buf, size_t len)
{
	size_t lo = 0, hi = s->n, mid;
	int c;

	if (s->all)
		return 1;
	if (len > 0 && buf[len - 1] == '.')
		len--;
	if (len == 0 || memchr(buf, '\0', len) != NULL)
		return 0;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((c = cmp_lower(buf, len, s->domains[mid])) == 0)
			return 1;
		if (c > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

int
admin_scope_rcpt(const struct admin_scope *s, const char *buf, size_t len)
{
	const char *at = memrchr(buf, '@', len);

	if (at == NULL)
		return 0;
	return admin_scope_domain(s, at + 1, len - (size_t)(at + 1 - buf));
}

enum admin_reach
admin_scope_held(const struct admin_scope *s, const char *const *rcpts, size_t n)
{
	size_t i, in = 0;

	for (i = 0; i < n; i++)
		in += (size_t)admin_scope_rcpt(s, rcpts[i], strlen(rcpts[i]));
	return in == 0 ? ADMIN_REACH_NONE : in == n ? ADMIN_REACH_ALL : ADMIN_REACH_PART;
}

int
admin_scope_wl(const struct admin_scope *s, enum store_wl_scope scope,
    const char *target)
{
	if (s->all)
		return 1;
	switch (scope) {
	case STORE_WL_GLOBAL:
		return 0;
	case STORE_WL_DOMAIN:
		return strchr(target, '@') == NULL &&
		    admin_scope_domain(s, target, strlen(target));
	case STORE_WL_RECIPIENT:
		return admin_scope_rcpt(s, target, strlen(target));
	}
	return 0;
}
