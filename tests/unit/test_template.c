/*
 * test_template.c - the template engine: syntax errors with their line, HTML
 * contexts that are refused, escaping of hostile values in each accepted context,
 * conditionals, raw values, text templates, loading a directory.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/template.h"

/* Renders src with var x = xval (and y = "Y"); returns the output, NULL on error. */
static char *
render(const char *src, enum tmpl_kind kind, const char *xval, enum tmpl_err *ep)
{
	struct tmpl_error te;
	struct tmpl *t = tmpl_parse(src, strlen(src), kind, &te);
	struct tmpl_vars *v;
	size_t len;
	char *out;

	if (t == NULL) {
		*ep = te.code;
		return NULL;
	}
	v = tmpl_vars_new();
	if (xval != NULL)
		assert_int_equal(tmpl_vars_set_str(v, "x", xval), 0);
	assert_int_equal(tmpl_vars_set_str(v, "y", "Y"), 0);
	out = tmpl_render(t, v, &len, ep);
	if (out != NULL)
		assert_int_equal(len, strlen(out));
	tmpl_vars_free(v);
	tmpl_free(t);
	return out;
}

struct ok_case { const char *src; const char *x; const char *want; };

static void
test_html_escaping(void **state)
{
	static const struct ok_case cases[] = {
		{ "<p>{{x}}</p>", "<script>alert(1)</script>",
		  "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>" },
		{ "<p>{{x}}</p>", "a & b \"c\" 'd'", "<p>a &amp; b &quot;c&quot; &#39;d&#39;</p>" },
		{ "<a title=\"{{x}}\">t</a>", "\" onmouseover=\"alert(1)",
		  "<a title=\"&quot; onmouseover=&quot;alert(1)\">t</a>" },
		{ "<a title='{{x}}'>t</a>", "' onclick='x", "<a title='&#39; onclick=&#39;x'>t</a>" },
		/* URL attributes: percent-encoding, the value cannot pick a scheme or host */
		{ "<a href=\"/r/{{x}}\">t</a>", "javascript:alert(1)",
		  "<a href=\"/r/javascript%3Aalert%281%29\">t</a>" },
		{ "<img src=\"/r/{{x}}/c.png\" alt=\"\">", "../../admin?a=b#c",
		  "<img src=\"/r/..%2F..%2Fadmin%3Fa%3Db%23c/c.png\" alt=\"\">" },
		{ "<form action=\"/r/{{x}}\" method=\"post\"></form>", "AbC-_.~9", 
		  "<form action=\"/r/AbC-_.~9\" method=\"post\"></form>" },
		{ "<a href=\"?lang={{x}}\">fr</a>", "fr\"><b>", "<a href=\"?lang=fr%22%3E%3Cb%3E\">fr</a>" },
		/* invalid UTF-8 and controls become U+FFFD; valid UTF-8 is kept */
		{ "<p>{{x}}</p>", "\xc3\xa9t\xc3\xa9 \xe2\x82\xac", "<p>\xc3\xa9t\xc3\xa9 \xe2\x82\xac</p>" },
		{ "<p>{{x}}</p>", "a\xff" "b\xc0\xaf" "c", "<p>a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd" "c</p>" },
		{ "<p>{{x}}</p>", "a\rb\x01" "c\x7f", "<p>a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xef\xbf\xbd</p>" },
		{ "<p>{{x}}</p>", "\xed\xa0\x80", "<p>\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd</p>" },
		{ "<p>{{x}}</p>", "\xc2\x85", "<p>\xef\xbf\xbd\xef\xbf\xbd</p>" },
		{ "<p>{{x}}</p>", "\xf0\x9f\x98\x80", "<p>\xf0\x9f\x98\x80</p>" },
		{ "<p>{{x}}</p>", "\xf4\x90\x80\x80", "<p>\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd</p>" },
		{ "<p>{{x}}</p>", "tab\tnl\n", "<p>tab\tnl\n</p>" },
		/* title is RCDATA: escaping still applies, no tag inside */
		{ "<title>{{x}} - ecluse</title>", "</title><script>", "<title>&lt;/title&gt;&lt;script&gt; - ecluse</title>" },
		/* after raw text elements, data context again */
		{ "<style>p{color:red}</style><p>{{x}}</p>", "<", "<style>p{color:red}</style><p>&lt;</p>" },
		{ "<!-- a > b --><p>{{x}}</p>", "&", "<!-- a > b --><p>&amp;</p>" },
		{ "<!DOCTYPE html><p>{{x}}</p>", "&", "<!DOCTYPE html><p>&amp;</p>" },
		{ "<input type=\"hidden\" name=\"csrf\" value=\"{{x}}\">", "a\"b",
		  "<input type=\"hidden\" name=\"csrf\" value=\"a&quot;b\">" },
		{ "<p>{{!a comment}}{{x}}</p>", "", "<p></p>" },
		{ "a < b {{x}}", "<", "a < b &lt;" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum tmpl_err e;
		char *out = render(cases[i].src, TMPL_HTML, cases[i].x, &e);

		if (out == NULL)
			fail_msg("case %zu: %s: %s", i, cases[i].src, tmpl_strerror(e));
		if (strcmp(out, cases[i].want) != 0)
			fail_msg("case %zu: got %s want %s", i, out, cases[i].want);
		free(out);
	}
}

struct bad_case { const char *src; enum tmpl_err code; unsigned line; };

static void
test_parse_errors(void **state)
{
	static const struct bad_case cases[] = {
		{ "<p>{{x</p>", TMPL_E_SYNTAX, 1 },
		{ "a\nb\n<p>{{x}}{{</p>", TMPL_E_SYNTAX, 3 },
		{ "{{X}}", TMPL_E_SYNTAX, 1 },
		{ "{{ x }}", TMPL_E_SYNTAX, 1 },
		{ "{{x y}}", TMPL_E_SYNTAX, 1 },
		{ "{{{x}}}", TMPL_E_SYNTAX, 1 },
		{ "{{}}", TMPL_E_SYNTAX, 1 },
		{ "{{abcdefghijabcdefghijabcdefghijabc}}", TMPL_E_SYNTAX, 1 },
		{ "{{#if x}}", TMPL_E_NESTING, 1 },
		{ "\n\n{{/if}}", TMPL_E_NESTING, 3 },
		{ "{{else}}", TMPL_E_NESTING, 1 },
		{ "{{#if x}}{{else}}{{else}}{{/if}}", TMPL_E_NESTING, 1 },
		{ "{{#if a}}{{#if a}}{{#if a}}{{#if a}}{{#if a}}{{#if a}}{{#if a}}{{#if a}}{{#if a}}"
		  "{{/if}}{{/if}}{{/if}}{{/if}}{{/if}}{{/if}}{{/if}}{{/if}}{{/if}}", TMPL_E_NESTING, 1 },
		{ "{{x\n}}", TMPL_E_SYNTAX, 1 },
		/* unsafe HTML contexts */
		{ "<a href={{x}}>", TMPL_E_CONTEXT, 1 },
		{ "<a href=\"{{x}}\">", TMPL_E_CONTEXT, 1 },
		{ "<a HREF='{{x}}'>", TMPL_E_CONTEXT, 1 },
		{ "<a onclick=\"f({{x}})\">", TMPL_E_CONTEXT, 1 },
		{ "<p style=\"color:{{x}}\">", TMPL_E_CONTEXT, 1 },
		{ "<meta http-equiv=\"refresh\" content=\"0;url=/{{x}}\">", TMPL_E_CONTEXT, 1 },
		/* srcdoc is a document: the browser decodes the references, then parses HTML */
		{ "<iframe srcdoc=\"<p>{{x}}</p>\"></iframe>", TMPL_E_CONTEXT, 1 },
		{ "<iframe SRCDOC='{{x}}'></iframe>", TMPL_E_CONTEXT, 1 },
		{ "<{{x}}>", TMPL_E_CONTEXT, 1 },
		{ "<p {{x}}>", TMPL_E_CONTEXT, 1 },
		{ "<p class={{x}}>", TMPL_E_CONTEXT, 1 },
		{ "<p\nclass=a{{x}}>", TMPL_E_CONTEXT, 2 },
		{ "<script>var a = \"{{x}}\";</script>", TMPL_E_CONTEXT, 1 },
		{ "<SCRIPT>var a;</scriptx>{{x}}</script>", TMPL_E_CONTEXT, 1 },
		{ "<style>p{}{{x}}</style>", TMPL_E_CONTEXT, 1 },
		{ "<!-- {{x}} -->", TMPL_E_CONTEXT, 1 },
		{ "<!DOCTYPE {{x}}>", TMPL_E_CONTEXT, 1 },
		{ "<title>a</title{{x}}>", TMPL_E_CONTEXT, 1 },
		/* the document must end in element text, in both branches the same way */
		{ "<p class=\"a", TMPL_E_HTML, 1 },
		{ "<script>", TMPL_E_HTML, 1 },
		{ "<!-- x", TMPL_E_HTML, 1 },
		{ "{{#if x}}<p class=\"{{else}}<p>{{/if}}", TMPL_E_HTML, 1 },
		{ "{{#if x}}<p{{/if}}>", TMPL_E_HTML, 1 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tmpl_error te;
		struct tmpl *t = tmpl_parse(cases[i].src, strlen(cases[i].src), TMPL_HTML, &te);

		if (t != NULL)
			fail_msg("case %zu parsed: %s", i, cases[i].src);
		if (te.code != cases[i].code || te.line != cases[i].line)
			fail_msg("case %zu (%s): got %s line %u, want %s line %u", i,
			    cases[i].src, tmpl_strerror(te.code), te.line,
			    tmpl_strerror(cases[i].code), cases[i].line);
		assert_non_null(te.reason);
	}
}

static void
test_conditionals(void **state)
{
	static const struct ok_case cases[] = {
		{ "{{#if x}}yes{{else}}no{{/if}}", "1", "yes" },
		{ "{{#if x}}yes{{else}}no{{/if}}", "", "no" },
		{ "{{#if x}}yes{{else}}no{{/if}}", NULL, "no" },
		{ "{{#if x}}yes{{/if}}.", NULL, "." },
		{ "a{{#if x}}[{{#if y}}{{y}}{{/if}}{{x}}]{{else}}-{{/if}}b", "X", "a[YX]b" },
		{ "<p class=\"a{{#if x}} b{{/if}}\">{{y}}</p>", "1", "<p class=\"a b\">Y</p>" },
		{ "<p class=\"a{{#if x}} b{{/if}}\">{{y}}</p>", "", "<p class=\"a\">Y</p>" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum tmpl_err e;
		char *out = render(cases[i].src, TMPL_HTML, cases[i].x, &e);

		if (out == NULL)
			fail_msg("case %zu: %s", i, tmpl_strerror(e));
		assert_string_equal(out, cases[i].want);
		free(out);
	}
}

static void
test_url_attr_after_if(void **state)
{
	struct tmpl_error te;
	/* the value may be empty before the substitution when x is unset */
	const char *src = "<a href=\"{{#if x}}/r/{{/if}}{{y}}\">t</a>";

	assert_null(tmpl_parse(src, strlen(src), TMPL_HTML, &te));
	assert_int_equal(te.code, TMPL_E_CONTEXT);
}

static void
test_render_errors(void **state)
{
	struct tmpl_error te;
	struct tmpl *t;
	struct tmpl_vars *v;
	enum tmpl_err e;
	size_t len;
	const char *src = "<div>{{raw body}}</div>";

	t = tmpl_parse(src, strlen(src), TMPL_HTML, &te);
	assert_non_null(t);
	v = tmpl_vars_new();
	/* unset variable */
	assert_null(tmpl_render(t, v, &len, &e));
	assert_int_equal(e, TMPL_E_UNSET);
	/* a peer value can never reach a raw substitution */
	assert_int_equal(tmpl_vars_set_str(v, "body", "<b>x</b>"), 0);
	assert_null(tmpl_render(t, v, &len, &e));
	assert_int_equal(e, TMPL_E_RAW);
	assert_int_equal(tmpl_vars_set_raw(v, "body", "<b>x</b>", 8), 0);
	{
		char *out = tmpl_render(t, v, &len, &e);

		assert_non_null(out);
		assert_string_equal(out, "<div><b>x</b></div>");
		free(out);
	}
	tmpl_vars_free(v);
	tmpl_free(t);

	/* a raw value in an escaped substitution is escaped all the same */
	src = "<p>{{x}}</p>";
	t = tmpl_parse(src, strlen(src), TMPL_HTML, &te);
	v = tmpl_vars_new();
	assert_int_equal(tmpl_vars_set_raw(v, "x", "<b>", 3), 0);
	assert_null(tmpl_render(t, v, &len, &e));
	assert_int_equal(e, TMPL_E_RAW);
	tmpl_vars_free(v);
	tmpl_free(t);

	/* bad names are refused when set */
	v = tmpl_vars_new();
	assert_int_equal(tmpl_vars_set_str(v, "Bad", "x"), -1);
	assert_int_equal(tmpl_vars_set_str(v, "", "x"), -1);
	tmpl_vars_free(v);
}

static void
test_text_templates(void **state)
{
	enum tmpl_err e;
	char *out;

	/* text templates do not HTML-escape and accept any context */
	out = render("550 5.7.1 held: <{{x}}> see \"{{y}}\"", TMPL_TEXT, "a&b<c>", &e);
	assert_non_null(out);
	assert_string_equal(out, "550 5.7.1 held: <a&b<c>> see \"Y\"");
	free(out);
	/* a line break in a value must never split an SMTP reply or a header */
	assert_null(render("550 {{x}}", TMPL_TEXT, "a\r\n250 ok", &e));
	assert_int_equal(e, TMPL_E_VALUE);
	assert_null(render("550 {{x}}", TMPL_TEXT, "a\nb", &e));
	assert_int_equal(e, TMPL_E_VALUE);
	out = render("550 {{x}}", TMPL_TEXT, "tab\there", &e);
	assert_string_equal(out, "550 tab\there");
	free(out);
	/* HTML-looking text is not an error in text templates */
	out = render("<script>{{x}}", TMPL_TEXT, "x", &e);
	assert_string_equal(out, "<script>x");
	free(out);
}

static void
test_embedded_nul_value(void **state)
{
	struct tmpl_error te;
	struct tmpl *t = tmpl_parse("{{x}}", 5, TMPL_TEXT, &te);
	struct tmpl_vars *v = tmpl_vars_new();
	enum tmpl_err e;
	size_t len;

	assert_int_equal(tmpl_vars_set(v, "x", "a\0b", 3), 0);
	assert_null(tmpl_render(t, v, &len, &e));
	assert_int_equal(e, TMPL_E_VALUE);
	tmpl_vars_free(v);
	tmpl_free(t);

	t = tmpl_parse("<p>{{x}}</p>", 12, TMPL_HTML, &te);
	v = tmpl_vars_new();
	assert_int_equal(tmpl_vars_set(v, "x", "a\0b", 3), 0);
	{
		char *out = tmpl_render(t, v, &len, &e);

		assert_non_null(out);
		assert_string_equal(out, "<p>a\xef\xbf\xbd" "b</p>");
		free(out);
	}
	tmpl_vars_free(v);
	tmpl_free(t);
}

static void
test_limits(void **state)
{
	struct tmpl_error te;
	size_t big = TMPL_MAX_SIZE + 1;
	char *buf = malloc(big);
	struct tmpl *t;
	struct tmpl_vars *v;
	enum tmpl_err e;
	size_t len, i;
	char name[8];

	memset(buf, 'a', big);
	assert_null(tmpl_parse(buf, big, TMPL_TEXT, &te));
	assert_int_equal(te.code, TMPL_E_TOO_BIG);
	free(buf);

	/* output bounded even when each value is large */
	t = tmpl_parse("{{x}}{{x}}{{x}}{{x}}{{x}}{{x}}{{x}}{{x}}{{x}}{{x}}", 50, TMPL_HTML, &te);
	assert_non_null(t);
	v = tmpl_vars_new();
	buf = malloc(TMPL_MAX_OUTPUT / 20);
	memset(buf, '<', TMPL_MAX_OUTPUT / 20);
	assert_int_equal(tmpl_vars_set(v, "x", buf, TMPL_MAX_OUTPUT / 20), 0);
	assert_null(tmpl_render(t, v, &len, &e));
	assert_int_equal(e, TMPL_E_TOO_BIG);
	free(buf);
	tmpl_vars_free(v);
	tmpl_free(t);

	v = tmpl_vars_new();
	for (i = 0; i < TMPL_MAX_VARS; i++) {
		snprintf(name, sizeof(name), "v%zu", i);
		assert_int_equal(tmpl_vars_set_str(v, name, "x"), 0);
	}
	assert_int_equal(tmpl_vars_set_str(v, "one_more", "x"), -1);
	assert_int_equal(tmpl_vars_set_str(v, "v0", "replaced"), 0);
	tmpl_vars_free(v);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
test_set_load(void **state)
{
	char dir[] = "/tmp/ecluse-tmpl-XXXXXX";
	char p[256], err[512] = "";
	struct tmpl_set *s;

	assert_non_null(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/en", dir);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/fr", dir);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/en/page.html", dir);
	write_file(p, "<p>{{x}}</p>\n");
	snprintf(p, sizeof(p), "%s/fr/page.html", dir);
	write_file(p, "<p>{{x}}</p>\n");
	snprintf(p, sizeof(p), "%s/fr/reply.txt", dir);
	write_file(p, "<{{x}}>");
	snprintf(p, sizeof(p), "%s/fr/.hidden.html", dir);
	write_file(p, "<p {{x}}>");

	s = tmpl_set_load(dir, err, sizeof(err));
	assert_non_null(s);
	assert_non_null(tmpl_set_get(s, "en", "page.html"));
	assert_non_null(tmpl_set_get(s, "fr", "page.html"));
	assert_non_null(tmpl_set_get(s, "fr", "reply.txt"));
	assert_null(tmpl_set_get(s, "en", "reply.txt"));
	assert_null(tmpl_set_get(s, "fr", ".hidden.html"));
	tmpl_set_free(s);

	/* an error names the file and the line */
	snprintf(p, sizeof(p), "%s/en/bad.html", dir);
	write_file(p, "<p>\n<a href=\"{{x}}\">\n");
	assert_null(tmpl_set_load(dir, err, sizeof(err)));
	snprintf(p, sizeof(p), "%s/en/bad.html:2: ", dir);
	assert_true(strncmp(err, p, strlen(p)) == 0);
	unlink(p);
	snprintf(p, sizeof(p), "%s/en/bad.html", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/en/page.html", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/fr/page.html", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/fr/reply.txt", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/fr/.hidden.html", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/en", dir);
	rmdir(p);
	snprintf(p, sizeof(p), "%s/fr", dir);
	rmdir(p);
	rmdir(dir);

	assert_null(tmpl_set_load("/nonexistent/ecluse", err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/ecluse"));
}

static void
test_shipped_templates(void **state)
{
	const char *top = getenv("top_srcdir");
	char dir[1024], err[512] = "";
	struct tmpl_set *s;

	assert_non_null(top);
	snprintf(dir, sizeof(dir), "%s/templates", top);
	s = tmpl_set_load(dir, err, sizeof(err));
	if (s == NULL)
		fail_msg("%s", err);
	assert_non_null(tmpl_set_get(s, "en", "layout.html"));
	assert_non_null(tmpl_set_get(s, "fr", "layout.html"));
	tmpl_set_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_html_escaping),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_conditionals),
		cmocka_unit_test(test_url_attr_after_if),
		cmocka_unit_test(test_render_errors),
		cmocka_unit_test(test_text_templates),
		cmocka_unit_test(test_embedded_nul_value),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_set_load),
		cmocka_unit_test(test_shipped_templates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
