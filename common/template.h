/*
 * template.h - the one template engine of ecluse: SMTP reply texts, HTML pages and
 * digest mails are all files under templates/<lang>/, parsed once at start.
 *
 * Syntax (everything else is literal text):
 *   {{name}}                 the value of name, escaped for where it stands
 *   {{raw name}}             the value unescaped; allowed only for a value the code
 *                            itself built and set with tmpl_vars_set_raw (rendering
 *                            fails if name was set with tmpl_vars_set)
 *   {{#if name}} ... {{else}} ... {{/if}}   kept when name is set and not empty
 *   {{!comment}}             dropped
 * Names are [a-z0-9_], 1 to TMPL_NAME_MAX bytes.
 *
 * Escaping depends on the kind of template (from the file name: ".html" is HTML,
 * anything else is text) and, in HTML, on where the substitution stands, which the
 * parser tracks with a small HTML tokenizer:
 *   - element text, and attribute values in double or single quotes: & < > " ' are
 *     written as character references, invalid UTF-8 and control characters other
 *     than tab and newline become U+FFFD;
 *   - quoted values of URL attributes (href, src, action, formaction): every byte
 *     outside RFC 3986 "unreserved" is percent-encoded, and the substitution may not
 *     start the value (so a value can never choose the scheme: no "javascript:");
 *   - anywhere else (tag and attribute names, unquoted values, on*, style, srcset,
 *     srcdoc and content attributes, comments, <script>, <style>): a parse error.
 * In text templates a {{name}} value may not contain control characters (a CR LF in a
 * subject must not split an SMTP reply); {{raw name}} may.
 *
 * Errors: tmpl_parse returns NULL and fills a struct tmpl_error (code, line, reason);
 * tmpl_render returns NULL and sets the code (unset name, raw misuse, bad value).
 * Ownership: tmpl_parse, tmpl_vars_new, tmpl_set_load and tmpl_render allocate; the
 * *_free functions release (NULL is a no-op). A template is read-only after parsing
 * and may be rendered from several threads at once; a tmpl_vars is not shared.
 */
#ifndef ECLUSE_TEMPLATE_H
#define ECLUSE_TEMPLATE_H

#include <stddef.h>

/* A template file is a page or a mail, not a document store. */
#define TMPL_MAX_SIZE		(256 * 1024)
/* Longest variable name. */
#define TMPL_NAME_MAX		32
/* {{#if}} nesting: deeper is a template bug, and the parser keeps a fixed stack. */
#define TMPL_MAX_DEPTH		8
/* Values set in one rendering. */
#define TMPL_MAX_VARS		64
/* A rendered page or mail: bounds the growth of a render from hostile values. */
#define TMPL_MAX_OUTPUT		(4 * 1024 * 1024)

enum tmpl_kind { TMPL_TEXT, TMPL_HTML };

enum tmpl_err {
	TMPL_OK = 0,
	TMPL_E_TOO_BIG,		/* template or output over its limit */
	TMPL_E_SYNTAX,		/* unclosed {{, bad name, unknown directive */
	TMPL_E_NESTING,		/* else or /if without if, if without /if, too deep */
	TMPL_E_CONTEXT,		/* substitution where no escaping is safe */
	TMPL_E_HTML,		/* template ends inside a tag, or branches differ */
	TMPL_E_UNSET,		/* render: {{name}} with no value */
	TMPL_E_RAW,		/* render: {{raw name}} with a value not set as raw */
	TMPL_E_VALUE,		/* render: value not allowed here (control character) */
};

struct tmpl_error {
	enum tmpl_err	 code;
	unsigned	 line;		/* 1-based line of the template, 0 if none */
	const char	*reason;	/* static text */
};

struct tmpl;
struct tmpl_vars;
struct tmpl_set;

struct tmpl *tmpl_parse(const char *buf, size_t len, enum tmpl_kind kind,
    struct tmpl_error *err);
void tmpl_free(struct tmpl *t);

struct tmpl_vars *tmpl_vars_new(void);
void tmpl_vars_free(struct tmpl_vars *v);
/* Copies name and value; setting a name again replaces it. Returns 0, or -1 over
 * TMPL_MAX_VARS or with a bad name. */
int tmpl_vars_set(struct tmpl_vars *v, const char *name, const char *val, size_t len);
int tmpl_vars_set_str(struct tmpl_vars *v, const char *name, const char *val);
/* The value is markup or text the calling code produced itself (a rendered inner
 * template, a fixed string): never data from a peer. */
int tmpl_vars_set_raw(struct tmpl_vars *v, const char *name, const char *val,
    size_t len);

/* Returns a NUL-terminated buffer (the caller frees) and its length in *lenp. */
char *tmpl_render(const struct tmpl *t, const struct tmpl_vars *v, size_t *lenp,
    enum tmpl_err *errp);

/*
 * Loads every regular file DIR/LANG/NAME (LANG and NAME made of [a-z0-9._-], not
 * starting with a dot) once. On error returns NULL and writes "PATH:LINE: reason"
 * into err.
 */
struct tmpl_set *tmpl_set_load(const char *dir, char *err, size_t errsz);
void tmpl_set_free(struct tmpl_set *s);
/* The template, or NULL. */
const struct tmpl *tmpl_set_get(const struct tmpl_set *s, const char *lang,
    const char *name);

const char *tmpl_strerror(enum tmpl_err e);

#endif
