"""ecluse-web pages: status codes, security headers, languages, escaping of what a
sender controls, and the distinct error pages."""
import base64
import html.parser
import re

import pytest

from webenv import Form, Web, form_fields, image_url


@pytest.fixture(scope="module")
def web():
    w = Web()
    yield w
    assert w.stop() == 0, "ecluse-web did not exit cleanly on SIGTERM"


def assert_security_headers(h, no_store=True):
    csp = h["content-security-policy"]
    assert "default-src 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert h["x-frame-options"] == "DENY"
    assert h["referrer-policy"] == "no-referrer"
    assert h["x-content-type-options"] == "nosniff"
    if no_store:
        assert h["cache-control"] == "no-store"


class Tags(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def assert_no_inline(page):
    """What a browser parses: no script element, no style or event attribute, and
    only the tags of our templates (an escaping failure would add one)."""
    p = Tags()
    p.feed(page)
    p.close()
    ours = {"html", "head", "meta", "title", "link", "body", "header", "span", "a",
            "main", "h1", "h2", "p", "dl", "dt", "dd", "em", "strong", "section", "form",
            "img", "input", "label", "button", "footer"}
    for tag, attrs in p.tags:
        assert tag in ours, tag
        assert "style" not in attrs
        assert not [a for a in attrs if a.startswith("on")], (tag, attrs)
        if tag == "img":
            assert re.fullmatch(r"/r/[A-Za-z0-9_-]+/captcha\.png\?n=[A-Za-z0-9_-]{22}",
                                attrs["src"]), attrs["src"]


def test_home(web):
    st, h, body = web.get("/")
    assert st == 200
    assert h["content-type"] == "text/html; charset=utf-8"
    assert_security_headers(h)
    assert_no_inline(body)
    assert '<html lang="en">' in body
    assert 'href="?lang=fr"' in body


def test_static_asset_cached_with_etag(web):
    st, h, body = web.get("/static/style.css")
    assert st == 200
    assert h["content-type"].startswith("text/css")
    assert h["cache-control"].startswith("public, max-age=")
    assert_security_headers(h, no_store=False)
    etag = h["etag"]
    assert "@media" in body
    st, h2, body = web.get("/static/style.css", headers={"If-None-Match": etag})
    assert st == 304 and body == ""
    assert h2["etag"] == etag


@pytest.mark.parametrize("path", ["/static/nope.css", "/static/../templates/en/home.html",
                                  "/r/", "/r/abc/def", "/r/ab%41", "/favicon.ico",
                                  "/r/" + "A" * 200])
def test_not_found(web, path):
    st, h, body = web.get(path)
    assert st == 404
    assert_security_headers(h)
    assert "This link does not work" in body


def test_method_not_allowed(web):
    st, h, body = web.request("PUT", "/r/abc")
    assert st == 405
    assert h["allow"] == "GET, HEAD, POST"
    assert_security_headers(h)
    st, h, body = web.request("DELETE", "/")
    assert st == 405 and h["allow"] == "GET, HEAD"


def test_language_negotiation_and_switch(web):
    st, h, body = web.get("/", headers={"Accept-Language": "fr-CH, fr;q=0.9, en;q=0.8"})
    assert '<html lang="fr">' in body and 'href="?lang=en"' in body
    assert "Service de libération de courriels" in body
    st, h, body = web.get("/?lang=fr", headers={"Accept-Language": "en"})
    assert '<html lang="fr">' in body
    st, h, body = web.get("/?lang=en", headers={"Accept-Language": "fr"})
    assert '<html lang="en">' in body
    # unknown or malformed: the default
    for al in ["de", "fr;q=2", "x" * 2000]:
        st, h, body = web.get("/", headers={"Accept-Language": al})
        assert '<html lang="en">' in body, al
    st, h, body = web.get("/?lang=de", headers={"Accept-Language": "fr"})
    assert '<html lang="fr">' in body


def test_release_page_names_the_message(web):
    hid, tok = web.hold(sender="alice@example.net", rcpt="bob@example.org",
                        subject="Quarterly figures")
    st, h, body = web.get("/r/" + tok)
    assert st == 200
    assert_security_headers(h)
    assert_no_inline(body)
    assert "Your message is waiting" in body
    assert "alice@example.net" in body and "bob@example.org" in body
    assert "Quarterly figures" in body
    assert "Sun, 22 Nov 2026 10:00:00 +0000" in body
    n, csrf = form_fields(body)
    assert n and csrf
    assert 'action="/r/%s"' % tok in body
    assert image_url(body) == "/r/%s/captcha.png?n=%s" % (tok, n)
    # the page stores nothing: the image makes the challenge
    f = Form(web, body)
    assert f.png.startswith(b"\x89PNG\r\n\x1a\n")
    ih = f.image_headers
    assert ih["content-type"] == "image/png"
    assert_security_headers(ih)
    assert f.cookie.startswith("challenge=%s." % n)
    assert "Path=/r/%s" % tok in f.attrs and "HttpOnly" in f.attrs
    assert "SameSite=Strict" in f.attrs
    answer = web.answer(f.challenge)
    assert answer and answer not in body and answer.encode() not in f.png
    assert answer not in str(ih)
    # each view is a new nonce, each image a new answer
    st, h, body2 = web.get("/r/" + tok)
    assert form_fields(body2)[0] != n
    assert Form(web, body).challenge != f.challenge


def test_captcha_image_needs_a_nonce_and_a_good_token(web):
    hid, tok = web.hold()
    for q in ["", "?n=short", "?n=" + "A" * 23, "?n=" + "%41" * 22]:
        st, h, body = web.get("/r/%s/captcha.png%s" % (tok, q))
        assert st == 404, q
    st, h, body = web.get("/r/%s/captcha.png?n=%s" % (tok[:-1], "A" * 22))
    assert st == 404
    st, h, body = web.request("POST", "/r/%s/captcha.png" % tok)
    assert st == 405 and h["allow"] == "GET, HEAD"


def test_release_page_french(web):
    hid, tok = web.hold(subject="Chiffres")
    st, h, body = web.get("/r/" + tok + "?lang=fr")
    assert st == 200
    assert "Votre message est en attente" in body
    assert 'action="/r/%s?lang=fr"' % tok in body


HOSTILE = [
    '<script>alert(1)</script>',
    '"><img src=x onerror=alert(1)>',
    "' onmouseover='alert(1)",
    "&lt;already&gt; & <b>bold</b>",
]


@pytest.mark.parametrize("subject", HOSTILE)
def test_hostile_subject_and_addresses_are_escaped(web, subject):
    hid, tok = web.hold(sender='x"<script>@example.net', subject=subject)
    st, h, body = web.get("/r/" + tok)
    assert st == 200
    assert subject not in body
    esc = (subject.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
           .replace('"', "&quot;").replace("'", "&#39;"))
    assert esc in body
    assert "x&quot;&lt;script&gt;@example.net" in body
    assert_no_inline(body)


def test_head_has_no_body(web):
    hid, tok = web.hold()
    st, h, body = web.request("HEAD", "/r/" + tok)
    assert st == 200 and body == ""
    assert_security_headers(h)


def test_forged_token_is_not_found(web):
    hid, tok = web.hold()
    # change one MAC character: still well-formed base64url
    forged = tok[:-5] + ("A" if tok[-5] != "A" else "B") + tok[-4:]
    st, h, body = web.get("/r/" + forged)
    assert st == 404 and "This link does not work" in body
    st, h, body = web.get("/r/" + tok[:-1])
    assert st == 404
    assert "event=token_forged" in web.logtext()


def test_expired_token(web):
    hid, tok = web.hold(expires_in=-10)
    st, h, body = web.get("/r/" + tok)
    assert st == 410
    assert_security_headers(h)
    assert "This link has expired" in body
    st, h, body = web.get("/r/" + tok, headers={"Accept-Language": "fr"})
    assert "Ce lien a expiré" in body


def test_deleted_message_is_unknown(web):
    hid, tok = web.hold()
    web.seed("delete", web.store, hid)
    st, h, body = web.get("/r/" + tok)
    assert st == 404
    assert "We cannot find this message" in body


def test_released_by_operator_is_used(web):
    hid, tok = web.hold()
    web.seed("release", web.store, hid)
    st, h, body = web.get("/r/" + tok)
    assert st == 410
    assert "This message was already released" in body


def run_check(conf, datadir):
    import subprocess
    from webenv import WEB
    return subprocess.run([WEB, "-c", str(conf), "-n", "-D", str(datadir)],
                          capture_output=True, text=True, timeout=30)


def test_check_mode_and_start_errors(tmp_path):
    import shutil
    from webenv import SRC
    conf = tmp_path / "ecluse.conf"
    conf.write_text("[web]\nlisten = 127.0.0.1:1\n[store]\npath = %s/db\n" % tmp_path)
    r = run_check(conf, SRC)
    assert r.returncode == 0 and "configuration OK" in r.stdout, r.stderr
    # a config error names the file, the line and the key
    bad = tmp_path / "bad.conf"
    bad.write_text("[web]\nbogus = 1\n")
    r = run_check(bad, SRC)
    assert r.returncode == 2 and "bad.conf:2: [web] bogus: unknown key" in r.stderr
    bad.write_text("[web]\nbase_url = ftp://x\n")
    r = run_check(bad, SRC)
    assert r.returncode == 2 and "base_url" in r.stderr
    # a template error names the file and the line
    data = tmp_path / "data"
    shutil.copytree(SRC + "/templates", data / "templates")
    shutil.copytree(SRC + "/static", data / "static")
    page = data / "templates" / "fr" / "home.html"
    page.write_text("<h1>x</h1>\n<p>y</p>\n<a href=\"{{token}}\">z</a>\n")
    r = run_check(conf, data)
    assert r.returncode == 2
    assert "fr/home.html:3: substitution at the start of a URL attribute" in r.stderr
    # every page exists in every language
    page.unlink()
    r = run_check(conf, data)
    assert r.returncode == 2 and "template fr/home.html missing" in r.stderr
