/*
 * template.c - parser and renderer of the one template engine. See template.h.
 *
 * A template is compiled once into a flat array of nodes (literal text, variable,
 * if, else, end) with jump indexes, so rendering is one forward walk with no
 * recursion. For HTML the parser runs a small incremental tokenizer over the literal
 * text (a subset of the HTML5 tokenizer states: data, tags, attributes, comments,
 * raw text and RCDATA elements) to know the context of each substitution, and refuses
 * the contexts where no escaping is safe. It does not validate HTML beyond that.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/template.h"
#include "common/xmalloc.h"

/* Templates per set: two languages times a few dozen pages and mails. */
#define TMPL_SET_MAX		512
/* Longest tag or attribute name the tokenizer remembers; longer names are none of
 * the special ones, which is all it needs to know. */
#define HTML_NAME_MAX		16

enum op { OP_TEXT, OP_VAR, OP_IF, OP_ELSE, OP_END };
enum esc { ESC_TEXT, ESC_HTML, ESC_URL };

struct node {
	enum op		 op;
	enum esc	 esc;
	int		 raw;
	size_t		 off, len;	/* OP_TEXT: bytes of t->text */
	char		 name[TMPL_NAME_MAX + 1];
	size_t		 jump;		/* OP_IF: false branch; OP_ELSE: past the end */
};

struct tmpl {
	enum tmpl_kind	 kind;
	char		*text;
	struct node	*nodes;
	size_t		 nnodes, cap;
};

/* HTML tokenizer state, carried across literal chunks. */
enum hstate {
	H_DATA, H_TAG_OPEN, H_END_TAG_OPEN, H_TAG_NAME, H_BEFORE_ATTR, H_ATTR_NAME,
	H_AFTER_ATTR_NAME, H_BEFORE_VALUE, H_VALUE_DQ, H_VALUE_SQ, H_VALUE_UNQ,
	H_MARKUP, H_COMMENT, H_BOGUS, H_RAWTEXT, H_RCDATA,
};

enum attr_kind { A_PLAIN, A_URL, A_FORBIDDEN };

struct hctx {
	enum hstate	 st;
	int		 end_tag;	/* the tag being read is an end tag */
	char		 tag[HTML_NAME_MAX + 1];
	size_t		 taglen;	/* may exceed HTML_NAME_MAX: then no match */
	char		 attr[HTML_NAME_MAX + 1];
	size_t		 attrlen;
	size_t		 vallen;	/* literal bytes so far in the attribute value */
	int		 dashes;	/* comment: '-' just seen; markup: "<!-" seen */
	size_t		 endmatch;	/* raw text: bytes of "</tag" matched */
	char		 rawtag[HTML_NAME_MAX + 1];
};

static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static void
name_add(char *name, size_t *len, int c)
{
	if (*len < HTML_NAME_MAX)
		name[*len] = (char)lower(c);
	(*len)++;
	if (*len <= HTML_NAME_MAX)
		name[*len] = '\0';
}

static int
name_is(const char *name, size_t len, const char *want)
{
	return len <= HTML_NAME_MAX && strcmp(name, want) == 0;
}

/* After '>' of a start tag: elements whose content is not markup. */
static enum hstate
content_state(struct hctx *h)
{
	static const char *const raw[] = { "script", "style", "xmp", "iframe", "noembed",
	    "noframes", "noscript", "plaintext" };
	size_t i;

	if (h->end_tag)
		return H_DATA;
	for (i = 0; i < sizeof(raw) / sizeof(raw[0]); i++)
		if (name_is(h->tag, h->taglen, raw[i]))
			goto rawtext;
	if (name_is(h->tag, h->taglen, "title") || name_is(h->tag, h->taglen, "textarea"))
		goto rawtext;
	return H_DATA;
rawtext:
	memcpy(h->rawtag, h->tag, sizeof(h->rawtag));
	h->endmatch = 0;
	return name_is(h->tag, h->taglen, "title") ||
	    name_is(h->tag, h->taglen, "textarea") ? H_RCDATA : H_RAWTEXT;
}

static void
tag_begin(struct hctx *h, int end_tag)
{
	h->end_tag = end_tag;
	h->taglen = 0;
	h->tag[0] = '\0';
}

static void
attr_begin(struct hctx *h, int c)
{
	h->attrlen = 0;
	h->attr[0] = '\0';
	h->vallen = 0;
	name_add(h->attr, &h->attrlen, c);
}

/* One byte of literal HTML. */
static void
html_step(struct hctx *h, int c)
{
	switch (h->st) {
	case H_DATA:
		if (c == '<')
			h->st = H_TAG_OPEN;
		break;
	case H_TAG_OPEN:
		if (is_alpha(c)) {
			tag_begin(h, 0);
			name_add(h->tag, &h->taglen, c);
			h->st = H_TAG_NAME;
		} else if (c == '/')
			h->st = H_END_TAG_OPEN;
		else if (c == '!') {
			h->dashes = 0;
			h->st = H_MARKUP;
		} else if (c == '?')
			h->st = H_BOGUS;
		else
			h->st = c == '<' ? H_TAG_OPEN : H_DATA;
		break;
	case H_END_TAG_OPEN:
		if (is_alpha(c)) {
			tag_begin(h, 1);
			name_add(h->tag, &h->taglen, c);
			h->st = H_TAG_NAME;
		} else
			h->st = c == '>' ? H_DATA : H_BOGUS;
		break;
	case H_TAG_NAME:
		if (is_space(c) || c == '/')
			h->st = H_BEFORE_ATTR;
		else if (c == '>')
			h->st = content_state(h);
		else
			name_add(h->tag, &h->taglen, c);
		break;
	case H_BEFORE_ATTR:
		if (c == '>')
			h->st = content_state(h);
		else if (!is_space(c) && c != '/') {
			attr_begin(h, c);
			h->st = H_ATTR_NAME;
		}
		break;
	case H_ATTR_NAME:
		if (is_space(c))
			h->st = H_AFTER_ATTR_NAME;
		else if (c == '/')
			h->st = H_BEFORE_ATTR;
		else if (c == '=')
			h->st = H_BEFORE_VALUE;
		else if (c == '>')
			h->st = content_state(h);
		else
			name_add(h->attr, &h->attrlen, c);
		break;
	case H_AFTER_ATTR_NAME:
		if (c == '=')
			h->st = H_BEFORE_VALUE;
		else if (c == '>')
			h->st = content_state(h);
		else if (c == '/')
			h->st = H_BEFORE_ATTR;
		else if (!is_space(c)) {
			attr_begin(h, c);
			h->st = H_ATTR_NAME;
		}
		break;
	case H_BEFORE_VALUE:
		h->vallen = 0;
		if (c == '"')
			h->st = H_VALUE_DQ;
		else if (c == '\'')
			h->st = H_VALUE_SQ;
		else if (c == '>')
			h->st = content_state(h);
		else if (!is_space(c)) {
			h->vallen = 1;
			h->st = H_VALUE_UNQ;
		}
		break;
	case H_VALUE_DQ:
	case H_VALUE_SQ:
		if (c == (h->st == H_VALUE_DQ ? '"' : '\''))
			h->st = H_BEFORE_ATTR;
		else
			h->vallen++;
		break;
	case H_VALUE_UNQ:
		if (is_space(c))
			h->st = H_BEFORE_ATTR;
		else if (c == '>')
			h->st = content_state(h);
		else
			h->vallen++;
		break;
	case H_MARKUP:
		if (c == '-' && h->dashes == 0)
			h->dashes = 1;
		else if (c == '-' && h->dashes == 1) {
			h->dashes = 0;
			h->st = H_COMMENT;
		} else
			h->st = c == '>' ? H_DATA : H_BOGUS;
		break;
	case H_COMMENT:
		if (c == '-')
			h->dashes++;
		else if (c == '>' && h->dashes >= 2)
			h->st = H_DATA;
		else
			h->dashes = 0;
		break;
	case H_BOGUS:
		if (c == '>')
			h->st = H_DATA;
		break;
	case H_RAWTEXT:
	case H_RCDATA: {
		size_t tlen = strlen(h->rawtag);

		if (h->endmatch == tlen + 2) {
			/* "</tag" seen: a real end tag only if the name ends here */
			if (is_space(c) || c == '/' || c == '>') {
				tag_begin(h, 1);
				h->st = c == '>' ? H_DATA : H_BEFORE_ATTR;
				h->endmatch = 0;
				break;
			}
			h->endmatch = 0;
		}
		if (h->endmatch == 0)
			h->endmatch = c == '<' ? 1 : 0;
		else if (h->endmatch == 1)
			h->endmatch = c == '/' ? 2 : (c == '<' ? 1 : 0);
		else if (lower(c) == h->rawtag[h->endmatch - 2])
			h->endmatch++;
		else
			h->endmatch = c == '<' ? 1 : 0;
		break;
	}
	}
}

static enum attr_kind
attr_kind(const struct hctx *h)
{
	static const char *const url[] = { "href", "src", "action", "formaction", "cite",
	    "poster", "background", "longdesc", "manifest", "ping", "data", "codebase",
	    "xlink:href" };
	size_t i;

	if (h->attrlen > HTML_NAME_MAX)
		return A_PLAIN;
	/* srcdoc holds a whole document: its value is parsed as HTML once the references
	 * are decoded, so escaping it as a value escapes nothing */
	if (strncmp(h->attr, "on", 2) == 0 || strcmp(h->attr, "style") == 0 ||
	    strcmp(h->attr, "srcset") == 0 || strcmp(h->attr, "content") == 0 ||
	    strcmp(h->attr, "srcdoc") == 0)
		return A_FORBIDDEN;
	for (i = 0; i < sizeof(url) / sizeof(url[0]); i++)
		if (strcmp(h->attr, url[i]) == 0)
			return A_URL;
	return A_PLAIN;
}

/* The escaping a substitution gets here, or -1 with a reason. */
static int
html_escape_for(const struct hctx *h, const char **why)
{
	switch (h->st) {
	case H_DATA:
	case H_RCDATA:
		if (h->st == H_RCDATA && h->endmatch != 0) {
			*why = "substitution inside an end tag";
			return -1;
		}
		return ESC_HTML;
	case H_VALUE_DQ:
	case H_VALUE_SQ:
		switch (attr_kind(h)) {
		case A_FORBIDDEN:
			*why = "substitution in an event handler, style, srcset, srcdoc or "
			    "content attribute";
			return -1;
		case A_URL:
			if (h->vallen == 0) {
				*why = "substitution at the start of a URL attribute";
				return -1;
			}
			return ESC_URL;
		case A_PLAIN:
			return ESC_HTML;
		}
		break;
	case H_VALUE_UNQ:
	case H_BEFORE_VALUE:
		*why = "substitution in an unquoted attribute value";
		return -1;
	case H_COMMENT:
	case H_MARKUP:
	case H_BOGUS:
		*why = "substitution in a comment or declaration";
		return -1;
	case H_RAWTEXT:
		*why = "substitution in a script, style or other raw text element";
		return -1;
	default:
		break;
	}
	*why = "substitution inside a tag";
	return -1;
}

static int
hctx_equal(const struct hctx *a, const struct hctx *b)
{
	if (a->st != b->st)
		return 0;
	switch (a->st) {
	case H_VALUE_DQ:
	case H_VALUE_SQ:
	case H_VALUE_UNQ:
	case H_ATTR_NAME:
	case H_AFTER_ATTR_NAME:
	case H_BEFORE_VALUE:
		if (attr_kind(a) != attr_kind(b))
			return 0;
		/* FALLTHROUGH */
	case H_TAG_NAME:
	case H_BEFORE_ATTR:
		return a->end_tag == b->end_tag && a->taglen == b->taglen &&
		    strcmp(a->tag, b->tag) == 0;
	case H_RAWTEXT:
	case H_RCDATA:
		return a->endmatch == b->endmatch && strcmp(a->rawtag, b->rawtag) == 0;
	case H_MARKUP:
	case H_COMMENT:
		return a->dashes == b->dashes;
	default:
		return 1;
	}
}

struct parser {
	struct tmpl	*t;
	struct hctx	 h;
	struct {
		size_t		 node;		/* index of the OP_IF */
		size_t		 else_node;	/* index of OP_ELSE, or 0 */
		struct hctx	 at_if, at_else;
	} stack[TMPL_MAX_DEPTH];
	size_t		 depth;
	unsigned	 line;
	struct tmpl_error *err;
};

static void
fail(struct parser *p, enum tmpl_err code, const char *reason)
{
	p->err->code = code;
	p->err->line = p->line;
	p->err->reason = reason;
}

static struct node *
node_add(struct tmpl *t, enum op op)
{
	struct node *n;

	if (t->nnodes == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->nodes = xreallocarray(t->nodes, t->cap, sizeof(*t->nodes));
	}
	n = &t->nodes[t->nnodes++];
	memset(n, 0, sizeof(*n));
	n->op = op;
	return n;
}

static void
literal(struct parser *p, size_t off, size_t len)
{
	struct node *n;
	size_t i;

	if (len == 0)
		return;
	if (p->t->kind == TMPL_HTML)
		for (i = 0; i < len; i++)
			html_step(&p->h, (unsigned char)p->t->text[off + i]);
	n = node_add(p->t, OP_TEXT);
	n->off = off;
	n->len = len;
}

/* Copies a variable name from (buf, len); returns 0 or -1 if not [a-z0-9_]{1,MAX}. */
static int
take_name(char *out, const char *buf, size_t len)
{
	size_t i;

	if (len == 0 || len > TMPL_NAME_MAX)
		return -1;
	for (i = 0; i < len; i++) {
		char c = buf[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return -1;
	}
	memcpy(out, buf, len);
	out[len] = '\0';
	return 0;
}

static int
has_prefix(const char *buf, size_t len, const char *pfx)
{
	size_t n = strlen(pfx);

	return len >= n && memcmp(buf, pfx, n) == 0;
}

/* One directive: the bytes between "{{" and "}}". */
static int
directive(struct parser *p, const char *d, size_t len)
{
	struct tmpl *t = p->t;
	struct node *n;
	const char *why;
	int esc;

	if (len > 0 && d[0] == '!')
		return 0;
	if (memchr(d, '\n', len) != NULL) {
		fail(p, TMPL_E_SYNTAX, "line break inside {{ }}");
		return -1;
	}
	if (has_prefix(d, len, "#if ")) {
		if (p->depth == TMPL_MAX_DEPTH) {
			fail(p, TMPL_E_NESTING, "{{#if}} nested too deep");
			return -1;
		}
		n = node_add(t, OP_IF);
		if (take_name(n->name, d + 4, len - 4) != 0) {
			fail(p, TMPL_E_SYNTAX, "bad name in {{#if}}");
			return -1;
		}
		p->stack[p->depth].node = t->nnodes - 1;
		p->stack[p->depth].else_node = 0;
		p->stack[p->depth].at_if = p->h;
		p->depth++;
		return 0;
	}
	if (len == 4 && memcmp(d, "else", 4) == 0) {
		if (p->depth == 0 || p->stack[p->depth - 1].else_node != 0) {
			fail(p, TMPL_E_NESTING, "{{else}} without {{#if}}");
			return -1;
		}
		node_add(t, OP_ELSE);
		p->stack[p->depth - 1].else_node = t->nnodes - 1;
		p->stack[p->depth - 1].at_else = p->h;
		p->h = p->stack[p->depth - 1].at_if;
		return 0;
	}
	if (len == 3 && memcmp(d, "/if", 3) == 0) {
		const struct hctx *want;
		size_t end;

		if (p->depth == 0) {
			fail(p, TMPL_E_NESTING, "{{/if}} without {{#if}}");
			return -1;
		}
		p->depth--;
		want = p->stack[p->depth].else_node ? &p->stack[p->depth].at_else :
		    &p->stack[p->depth].at_if;
		if (t->kind == TMPL_HTML && !hctx_equal(&p->h, want)) {
			fail(p, TMPL_E_HTML, "the branches of {{#if}} end in different HTML contexts");
			return -1;
		}
		/* a URL value may be empty after either branch: keep the smaller count */
		if (want->vallen < p->h.vallen)
			p->h.vallen = want->vallen;
		node_add(t, OP_END);
		end = t->nnodes - 1;
		if (p->stack[p->depth].else_node) {
			t->nodes[p->stack[p->depth].node].jump = p->stack[p->depth].else_node + 1;
			t->nodes[p->stack[p->depth].else_node].jump = end;
		} else
			t->nodes[p->stack[p->depth].node].jump = end;
		return 0;
	}
	n = node_add(t, OP_VAR);
	if (has_prefix(d, len, "raw ")) {
		n->raw = 1;
		d += 4;
		len -= 4;
	}
	if (take_name(n->name, d, len) != 0) {
		fail(p, TMPL_E_SYNTAX, "bad name or unknown directive in {{ }}");
		return -1;
	}
	if (t->kind == TMPL_TEXT) {
		n->esc = ESC_TEXT;
		return 0;
	}
	if ((esc = html_escape_for(&p->h, &why)) < 0) {
		fail(p, TMPL_E_CONTEXT, why);
		return -1;
	}
	n->esc = (enum esc)esc;
	return 0;
}

static void
count_lines(struct parser *p, const char *buf, size_t len)
{
	const char *e = buf + len;

	while ((buf = memchr(buf, '\n', (size_t)(e - buf))) != NULL) {
		p->line++;
		buf++;
	}
}

static const char *
find2(const char *buf, size_t len, char c)
{
	size_t i;

	for (i = 0; i + 1 < len; i++)
		if (buf[i] == c && buf[i + 1] == c)
			return buf + i;
	return NULL;
}

struct tmpl *
tmpl_parse(const char *buf, size_t len, enum tmpl_kind kind, struct tmpl_error *err)
{
	struct parser p;
	struct tmpl *t;
	size_t pos = 0;

	memset(err, 0, sizeof(*err));
	if (len > TMPL_MAX_SIZE) {
		err->code = TMPL_E_TOO_BIG;
		err->reason = "template over TMPL_MAX_SIZE";
		return NULL;
	}
	t = xcalloc(1, sizeof(*t));
	t->kind = kind;
	t->text = xstrndup(buf, len);
	memset(&p, 0, sizeof(p));
	p.t = t;
	p.line = 1;
	p.err = err;
	p.h.st = H_DATA;
	while (pos < len) {
		const char *open = find2(t->text + pos, len - pos, '{');
		const char *close;
		size_t lit, dlen;

		if (open == NULL) {
			literal(&p, pos, len - pos);
			count_lines(&p, t->text + pos, len - pos);
			break;
		}
		lit = (size_t)(open - (t->text + pos));
		literal(&p, pos, lit);
		count_lines(&p, t->text + pos, lit);
		pos += lit + 2;
		close = find2(t->text + pos, len - pos, '}');
		if (close == NULL) {
			fail(&p, TMPL_E_SYNTAX, "{{ without }}");
			goto bad;
		}
		dlen = (size_t)(close - (t->text + pos));
		if (memchr(t->text + pos, '{', dlen) != NULL) {
			fail(&p, TMPL_E_SYNTAX, "{ inside {{ }}");
			goto bad;
		}
		if (directive(&p, t->text + pos, dlen) != 0)
			goto bad;
		count_lines(&p, t->text + pos, dlen);
		pos += dlen + 2;
	}
	if (p.depth != 0) {
		fail(&p, TMPL_E_NESTING, "{{#if}} without {{/if}}");
		goto bad;
	}
	if (kind == TMPL_HTML && p.h.st != H_DATA) {
		fail(&p, TMPL_E_HTML, "template ends inside a tag, comment or raw text element");
		goto bad;
	}
	return t;
bad:
	tmpl_free(t);
	return NULL;
}

void
tmpl_free(struct tmpl *t)
{
	if (t == NULL)
		return;
	free(t->text);
	free(t->nodes);
	free(t);
}

struct var {
	char	 name[TMPL_NAME_MAX + 1];
	char	*val;
	size_t	 len;
	int	 raw;
};

struct tmpl_vars {
	struct var	 v[TMPL_MAX_VARS];
	size_t		 n;
};

struct tmpl_vars *
tmpl_vars_new(void)
{
	return xcalloc(1, sizeof(struct tmpl_vars));
}

void
tmpl_vars_free(struct tmpl_vars *v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < v->n; i++)
		free(v->v[i].val);
	free(v);
}

static const struct var *
var_find(const struct tmpl_vars *v, const char *name)
{
	size_t i;

	for (i = 0; v != NULL && i < v->n; i++)
		if (strcmp(v->v[i].name, name) == 0)
			return &v->v[i];
	return NULL;
}

static int
vars_put(struct tmpl_vars *v, const char *name, const char *val, size_t len, int raw)
{
	struct var *slot = (struct var *)var_find(v, name);
	char tmp[TMPL_NAME_MAX + 1];

	if (take_name(tmp, name, strlen(name)) != 0)
		return -1;
	if (slot == NULL) {
		if (v->n == TMPL_MAX_VARS)
			return -1;
		slot = &v->v[v->n++];
		memcpy(slot->name, tmp, sizeof(tmp));
	} else
		free(slot->val);
	slot->val = xstrndup(val, len);
	slot->len = len;
	slot->raw = raw;
	return 0;
}

int
tmpl_vars_set(struct tmpl_vars *v, const char *name, const char *val, size_t len)
{
	return vars_put(v, name, val, len, 0);
}

int
tmpl_vars_set_str(struct tmpl_vars *v, const char *name, const char *val)
{
	return vars_put(v, name, val, strlen(val), 0);
}

int
tmpl_vars_set_raw(struct tmpl_vars *v, const char *name, const char *val, size_t len)
{
	return vars_put(v, name, val, len, 1);
}

struct out {
	char	*buf;
	size_t	 len, cap;
	int	 over;
};

static void
out_add(struct out *o, const char *s, size_t n)
{
	if (o->over)
		return;
	if (n > TMPL_MAX_OUTPUT - o->len) {
		o->over = 1;
		return;
	}
	if (o->len + n + 1 > o->cap) {
		size_t cap = o->cap ? o->cap : 1024;

		while (cap < o->len + n + 1)
			cap *= 2;
		o->buf = xreallocarray(o->buf, cap, 1);
		o->cap = cap;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

/* Length of the valid UTF-8 sequence at s (1 to 4), or 0 if invalid. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t need, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		need = 1;
	else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;	/* no UTF-16 surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;	/* nothing past U+10FFFF */
	} else
		return 0;
	if (n < need + 1)
		return 0;
	for (i = 1; i <= need; i++) {
		if (s[i] < (i == 1 ? lo : 0x80) || s[i] > (i == 1 ? hi : 0xbf))
			return 0;
	}
	return need + 1;
}

static void
escape_html(struct out *o, const char *val, size_t len)
{
	static const char repl[] = "\xef\xbf\xbd";	/* U+FFFD */
	const unsigned char *s = (const unsigned char *)val;
	size_t i = 0, n;

	while (i < len) {
		unsigned char c = s[i];

		switch (c) {
		case '&': out_add(o, "&amp;", 5); i++; continue;
		case '<': out_add(o, "&lt;", 4); i++; continue;
		case '>': out_add(o, "&gt;", 4); i++; continue;
		case '"': out_add(o, "&quot;", 6); i++; continue;
		case '\'': out_add(o, "&#39;", 5); i++; continue;
		default: break;
		}
		if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f) {
			out_add(o, repl, 3);
			i++;
			continue;
		}
		n = utf8_len(s + i, len - i);
		/* U+0080..U+009F are C1 controls */
		if (n == 0 || (n == 2 && c == 0xc2 && s[i + 1] < 0xa0)) {
			out_add(o, repl, 3);
			i++;
			continue;
		}
		out_add(o, val + i, n);
		i += n;
	}
}

static void
escape_url(struct out *o, const char *val, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)val[i];
		char pct[3];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~') {
			out_add(o, val + i, 1);
			continue;
		}
		pct[0] = '%';
		pct[1] = hex[c >> 4];
		pct[2] = hex[c & 15];
		out_add(o, pct, 3);
	}
}

static int
text_ok(const char *val, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)val[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return 0;
	}
	return 1;
}

char *
tmpl_render(const struct tmpl *t, const struct tmpl_vars *v, size_t *lenp,
    enum tmpl_err *errp)
{
	struct out o;
	size_t i = 0;
	enum tmpl_err e = TMPL_OK;

	memset(&o, 0, sizeof(o));
	while (i < t->nnodes && e == TMPL_OK) {
		const struct node *n = &t->nodes[i];
		const struct var *var;

		switch (n->op) {
		case OP_TEXT:
			out_add(&o, t->text + n->off, n->len);
			i++;
			break;
		case OP_IF:
			var = var_find(v, n->name);
			i = var != NULL && var->len > 0 ? i + 1 : n->jump;
			break;
		case OP_ELSE:
			i = n->jump;
			break;
		case OP_END:
			i++;
			break;
		case OP_VAR:
			if ((var = var_find(v, n->name)) == NULL) {
				e = TMPL_E_UNSET;
				break;
			}
			if (n->raw != var->raw) {
				e = TMPL_E_RAW;
				break;
			}
			if (n->raw)
				out_add(&o, var->val, var->len);
			else if (n->esc == ESC_HTML)
				escape_html(&o, var->val, var->len);
			else if (n->esc == ESC_URL)
				escape_url(&o, var->val, var->len);
			else if (text_ok(var->val, var->len))
				out_add(&o, var->val, var->len);
			else
				e = TMPL_E_VALUE;
			i++;
			break;
		}
	}
	if (e == TMPL_OK && o.over)
		e = TMPL_E_TOO_BIG;
	if (e != TMPL_OK) {
		free(o.buf);
		*errp = e;
		return NULL;
	}
	out_add(&o, "", 0);
	if (o.buf == NULL)
		o.buf = xcalloc(1, 1);
	o.buf[o.len] = '\0';
	*lenp = o.len;
	*errp = TMPL_OK;
	return o.buf;
}

struct set_entry {
	char		*lang;
	char		*name;
	struct tmpl	*t;
};

struct tmpl_set {
	struct set_entry *e;
	size_t		 n;
};

static int
file_name_ok(const char *s)
{
	size_t i;

	if (s[0] == '.' || s[0] == '\0')
		return 0;
	for (i = 0; s[i]; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

static int
ends_with(const char *s, const char *sfx)
{
	size_t a = strlen(s), b = strlen(sfx);

	return a >= b && strcmp(s + a - b, sfx) == 0;
}

/* Reads a whole file of at most TMPL_MAX_SIZE bytes; returns 0 or -1 (errno). */
static int
read_file(const char *path, char **bufp, size_t *lenp)
{
	struct stat st;
	char *buf;
	size_t got = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > TMPL_MAX_SIZE) {
		int e = errno;

		if (!S_ISREG(st.st_mode))
			e = EINVAL;
		else if (st.st_size > TMPL_MAX_SIZE)
			e = EFBIG;
		close(fd);
		errno = e;
		return -1;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EIO;	/* file shrank while read */
			free(buf);
			close(fd);
			return -1;
		}
		got += (size_t)r;
	}
	close(fd);
	*bufp = buf;
	*lenp = got;
	return 0;
}

static int
load_lang(struct tmpl_set *s, const char *dir, const char *lang, char *err, size_t errsz)
{
	char path[4096];
	struct dirent *de;
	DIR *d;
	int rc = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, lang) >= sizeof(path)) {
		snprintf(err, errsz, "%s: path too long", dir);
		return -1;
	}
	if ((d = opendir(path)) == NULL) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		struct tmpl_error te;
		struct tmpl *t;
		char *buf;
		size_t len;

		if (!file_name_ok(de->d_name))
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s/%s", dir, lang,
		    de->d_name) >= sizeof(path)) {
			snprintf(err, errsz, "%s: path too long", dir);
			rc = -1;
			break;
		}
		if (s->n == TMPL_SET_MAX) {
			snprintf(err, errsz, "%s: more than %d templates", dir, TMPL_SET_MAX);
			rc = -1;
			break;
		}
		if (read_file(path, &buf, &len) != 0) {
			snprintf(err, errsz, "%s: %s", path, strerror(errno));
			rc = -1;
			break;
		}
		t = tmpl_parse(buf, len, ends_with(de->d_name, ".html") ? TMPL_HTML : TMPL_TEXT,
		    &te);
		free(buf);
		if (t == NULL) {
			snprintf(err, errsz, "%s:%u: %s", path, te.line, te.reason);
			rc = -1;
			break;
		}
		s->e = xreallocarray(s->e, s->n + 1, sizeof(*s->e));
		s->e[s->n].lang = xstrdup(lang);
		s->e[s->n].name = xstrdup(de->d_name);
		s->e[s->n].t = t;
		s->n++;
	}
	closedir(d);
	return rc;
}

struct tmpl_set *
tmpl_set_load(const char *dir, char *err, size_t errsz)
{
	struct tmpl_set *s = xcalloc(1, sizeof(*s));
	struct dirent *de;
	DIR *d;

	if ((d = opendir(dir)) == NULL) {
		snprintf(err, errsz, "%s: %s", dir, strerror(errno));
		free(s);
		return NULL;
	}
	while ((de = readdir(d)) != NULL) {
		if (!file_name_ok(de->d_name) || strchr(de->d_name, '.') != NULL)
			continue;
		if (load_lang(s, dir, de->d_name, err, errsz) != 0) {
			closedir(d);
			tmpl_set_free(s);
			return NULL;
		}
	}
	closedir(d);
	return s;
}

void
tmpl_set_free(struct tmpl_set *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++) {
		free(s->e[i].lang);
		free(s->e[i].name);
		tmpl_free(s->e[i].t);
	}
	free(s->e);
	free(s);
}

const struct tmpl *
tmpl_set_get(const struct tmpl_set *s, const char *lang, const char *name)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->e[i].lang, lang) == 0 && strcmp(s->e[i].name, name) == 0)
			return s->e[i].t;
	return NULL;
}

const char *
tmpl_strerror(enum tmpl_err e)
{
	switch (e) {
	case TMPL_OK: return "ok";
	case TMPL_E_TOO_BIG: return "over a size limit";
	case TMPL_E_SYNTAX: return "syntax error";
	case TMPL_E_NESTING: return "unbalanced {{#if}}";
	case TMPL_E_CONTEXT: return "substitution in an unsafe context";
	case TMPL_E_HTML: return "HTML context error";
	case TMPL_E_UNSET: return "variable not set";
	case TMPL_E_RAW: return "raw substitution of a value not set as raw";
	case TMPL_E_VALUE: return "value not allowed in this context";
	}
	return "unknown error";
}
