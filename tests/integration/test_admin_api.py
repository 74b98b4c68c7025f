"""test_admin_api - the admin API of ecluse-web (docs/api.md).

test_documented_examples extracts every curl command of docs/api.md with the output
printed under it, runs them in order (bash, with $ADMIN and $TOKEN set) against a real
ecluse-web whose store is seeded as the document says, and checks the status line and
the JSON: the same members, the same values, except times (which differ from run to
run: only their type is checked). The other tests cover tokens, errors and the audit
log with http.client."""
import http.client
import json
import os
import re
import subprocess

import pytest

from webenv import SRC, Web, free_port

DOC = os.path.join(SRC, "docs", "api.md")
TOKEN = "Q2hhbmdlIHRoaXMgdG9rZW4"
OTHER = "c2Vjb25kLXRva2VuLWhlcmU"
# Members whose values are times of the run.
VOLATILE = {"received", "expires", "created", "released", "delivered", "oldest_held"}


class Admin(Web):
    """ecluse-web (webenv.Web) with the admin API on a second port, the tokens and
    domains docs/api.md uses, and its three held messages (ids 1, 2, 3)."""

    def __init__(self):
        self.aport = free_port()
        self.url = "http://127.0.0.1:%d" % self.aport
        super().__init__(
            "[web]\nadmin_listen = 127.0.0.1:%d\nadmin_tokens = ops:%s, backup:%s\n"
            "[domain example.org]\nnext_hop = 127.0.0.1:2526\n"
            "[domain example.fr]\nnext_hop = 127.0.0.1:2527\nlanguage = fr\n"
            "digest = no\nquarantine_threshold = 4\nreject_threshold = 12\n"
            % (self.aport, TOKEN, OTHER), wait_port=self.aport, prefix="ecluse-admin-")
        for sender, rcpt, subject in (
                ("alice@example.net", "bob@example.org", "Quarterly figures"),
                ("carol@example.com", "dave@example.org", "Invoice 2211"),
                ("mallory@example.biz", "bob@example.org", "You won")):
            self.hold(sender, rcpt, subject)

    def request(self, method, path, body=None, token=TOKEN, headers=None):
        h = dict(headers or {})
        if token is not None:
            h["Authorization"] = "Bearer " + token
        if body is not None:
            h.setdefault("Content-Type", "application/x-www-form-urlencoded")
        c = http.client.HTTPConnection("127.0.0.1", self.aport, timeout=10)
        try:
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            data = r.read()
            hd = {k.lower(): v for k, v in r.getheaders()}
            return r.status, hd, json.loads(data) if data else None
        finally:
            c.close()


@pytest.fixture
def admin():
    a = Admin()
    yield a
    a.stop_clean()


def doc_examples():
    """(command, status, json) of each ```sh block starting with curl, followed by
    its ```http output block."""
    text = open(DOC).read()
    blocks = re.findall(r"```(\w+)\n(.*?)```", text, re.S)
    out = []
    for (kind, body), (nkind, nbody) in zip(blocks, blocks[1:]):
        if kind == "sh" and body.startswith("curl "):
            assert nkind == "http", "curl example without its output: " + body
            status_line, _, js = nbody.partition("\n\n")
            status = int(status_line.split()[1])
            out.append((body.strip(), status, json.loads(js)))
    return out


def same(doc, got, where="$"):
    """Asserts that got has exactly doc's members and values, times excepted."""
    assert type(doc) is type(got), "%s: %r != %r" % (where, doc, got)
    if isinstance(doc, dict):
        assert sorted(doc) == sorted(got), "%s: members %s != %s" % (
            where, sorted(doc), sorted(got))
        for k in doc:
            if k in VOLATILE and isinstance(doc[k], int) and doc[k] != 0:
                assert isinstance(got[k], int) and got[k] > 0, "%s.%s" % (where, k)
            else:
                same(doc[k], got[k], "%s.%s" % (where, k))
    elif isinstance(doc, list):
        assert len(doc) == len(got), "%s: %d items, got %d" % (where, len(doc), len(got))
        for i, (a, b) in enumerate(zip(doc, got)):
            same(a, b, "%s[%d]" % (where, i))
    else:
        assert doc == got, "%s: documented %r, got %r" % (where, doc, got)


def test_documented_examples(admin):
    examples = doc_examples()
    # every endpoint, and each error status, has its example
    cmds = " ".join(c for c, _, _ in examples)
    for needle in ("/api/v1/held\"", "/api/v1/held/1\"", "/release\"", "-X DELETE -H",
                   "-d scope=domain", "-X DELETE -G", "/api/v1/domains\"",
                   "/api/v1/stats\""):
        assert needle in cmds, needle
    assert {s for _, s, _ in examples} >= {200, 201, 400, 401, 404, 405, 409}
    env = dict(os.environ, ADMIN=admin.url, TOKEN=TOKEN)
    for cmd, status, doc in examples:
        p = subprocess.run(["bash", "-c", cmd], env=env, capture_output=True, timeout=20)
        assert p.returncode == 0, (cmd, p.stderr)
        raw = p.stdout.decode()
        head, _, body = raw.partition("\r\n\r\n")
        got_status = int(head.split("\r\n")[0].split()[1])
        assert got_status == status, (cmd, raw)
        same(doc, json.loads(body))


def test_missing_and_wrong_tokens(admin):
    for token in (None, "", "x" * 20, TOKEN + "x", TOKEN[:-1], OTHER.upper()):
        st, h, js = admin.request("GET", "/api/v1/held", token=token)
        assert st == 401 and js == {"error": "missing or wrong bearer token",
                                    "status": 401}
        assert h["www-authenticate"].startswith("Bearer")
    # the scheme must be Bearer
    st, _, _ = admin.request("GET", "/api/v1/held", token=None,
                             headers={"Authorization": "Basic " + TOKEN})
    assert st == 401
    # nothing changes without a valid token
    st, _, _ = admin.request("POST", "/api/v1/held/1/release", token="y" * 24)
    assert st == 401
    assert admin.request("GET", "/api/v1/held/1")[2]["state"] == "held"
    assert "event=admin_unauthorized name=unknown token=missing" in admin.logtext()
    assert "event=admin_unauthorized name=unknown token=wrong" in admin.logtext()
    # both configured tokens work; HEAD is a GET without the body
    assert admin.request("GET", "/api/v1/stats", token=OTHER)[0] == 200
    st, h, js = admin.request("HEAD", "/api/v1/stats")
    assert st == 200 and js is None and int(h["content-length"]) > 0


def test_audit_names_the_token(admin):
    assert admin.request("POST", "/api/v1/held/2/release", token=OTHER)[0] == 200
    assert admin.request("DELETE", "/api/v1/held/3")[0] == 200
    import sqlite3
    db = sqlite3.connect("file:%s?mode=ro" % admin.store, uri=True)
    try:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master")]
        assert "audit" in tables, tables
        rows = db.execute("SELECT who, origin FROM audit ORDER BY id").fetchall()
    finally:
        db.close()
    assert ("admin:backup", "127.0.0.1") in rows and ("admin:ops", "127.0.0.1") in rows


def test_not_found(admin):
    for path in ("/", "/api", "/api/v1", "/api/v1/", "/api/v1/held/", "/api/v1/held/0",
                 "/api/v1/held/01", "/api/v1/held/1/", "/api/v1/held/1/relase",
                 "/api/v1/held/x", "/api/v1/held/1234567890123456789",
                 "/api/v1/stats/", "/api/v2/stats", "/api/v1/STATS"):
        st, _, js = admin.request("GET", path)
        assert st == 404 and js["status"] == 404, path
    st, _, js = admin.request("POST", "/api/v1/held/42/release")
    assert st == 404 and js["error"] == "release: not found"
    st, _, js = admin.request("DELETE", "/api/v1/whitelist?scope=global&sender=x.example")
    assert st == 404


def test_method_not_allowed(admin):
    for method, path, allow in (("POST", "/api/v1/held", "GET, HEAD"),
                                ("DELETE", "/api/v1/stats", "GET, HEAD"),
                                ("PUT", "/api/v1/whitelist", "GET, HEAD, POST, DELETE"),
                                ("GET", "/api/v1/held/1/release", "POST"),
                                ("POST", "/api/v1/held/1", "GET, HEAD, DELETE")):
        st, h, js = admin.request(method, path)
        assert st == 405 and js["status"] == 405, (method, path)
        assert h["allow"] == allow


def test_bad_parameters(admin):
    for query in ("x=1", "limit=0", "limit=10001", "limit=-1", "limit=1e3", "since=abc",
                  "state=lost", "state=", "rcpt=bob@example.org", "limit=1&limit=2",
                  "limit", "&", "rcpt=%zz", "rcpt=%00"):
        st, _, js = admin.request("GET", "/api/v1/held?" + query)
        assert st == 400 and js["status"] == 400, (query, js)
    assert admin.request("GET", "/api/v1/stats?x=1")[0] == 400
    for body in ("scope=galaxy&sender=a.example", "sender=a.example",
                 "scope=recipient&target=example.org&sender=a.example",
                 "scope=domain&target=bob%40example.org&sender=a.example",
                 "scope=global&target=example.org&sender=a.example",
                 "scope=global", "scope=global&sender=a.example&expires=1",
                 "scope=global&sender=a.example&color=red",
                 "scope=global&sender=a.example&action=deny",
                 "scope=global&sender=a.example&action="):
        st, _, js = admin.request("POST", "/api/v1/whitelist", body=body)
        assert st == 400, (body, js)
    # the body must be a form, and small
    st, _, _ = admin.request("POST", "/api/v1/whitelist", body='{"scope":"global"}',
                             headers={"Content-Type": "application/json"})
    assert st == 415
    st, _, js = admin.request("POST", "/api/v1/whitelist",
                              body="scope=global&sender=" + "a" * 5000)
    assert st == 413
    # a request target past 2048 bytes
    st, _, js = admin.request("GET", "/api/v1/held?rcpt=" + "a" * 3000)
    assert st == 414 and js["status"] == 414
    # nothing was added by the refused requests
    assert admin.request("GET", "/api/v1/whitelist")[2]["entries"] == []
    assert admin.request("GET", "/api/v1/whitelist?action=deny")[0] == 400


def test_whitelist_action_filter(admin):
    for sender, action in (("a.example", "block"), ("b.example", "allow"),
                           ("c.example", None)):
        body = "scope=global&sender=" + sender + ("&action=" + action if action else "")
        st, _, js = admin.request("POST", "/api/v1/whitelist", body=body)
        assert st == 201 and js["action"] == (action or "allow"), js
    got = lambda q: [(e["sender"], e["action"]) for e in
                     admin.request("GET", "/api/v1/whitelist" + q)[2]["entries"]]
    assert got("") == [("a.example", "block"), ("b.example", "allow"),
                       ("c.example", "allow")]
    assert got("?action=block") == [("a.example", "block")]
    assert got("?action=allow") == [("b.example", "allow"), ("c.example", "allow")]
    # the same key allowed: the block is replaced; DELETE removes either
    st, _, js = admin.request("POST", "/api/v1/whitelist",
                              body="scope=global&sender=a.example&action=allow")
    assert st == 201 and got("?action=block") == []
    st, _, _ = admin.request("POST", "/api/v1/whitelist",
                             body="scope=global&sender=b.example&action=block")
    st, _, _ = admin.request("DELETE", "/api/v1/whitelist?scope=global&sender=b.example")
    assert st == 200 and got("?action=block") == []


def test_output_escaped(admin):
    admin.hold("eve@example.net", "bob@example.org",
               'quote " back \\ nl \n tab \t bell \x07 \u00e9')
    st, _, js = admin.request("GET", "/api/v1/held/4")
    assert st == 200
    assert js["subject"] == 'quote " back \\ nl \n tab \t bell \x07 \u00e9'


def test_httpd_errors_go_to_the_log(admin):
    """libmicrohttpd's own errors (a malformed request) reach the one log facility as
    key=value lines naming the listener, on both listeners, and nothing at start."""
    import socket
    import time
    for port in (admin.port, admin.aport):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n")
        s.settimeout(5)
        assert s.recv(100).startswith(b"HTTP/1.1 400")
        s.close()
    time.sleep(0.3)
    log = admin.logtext()
    assert "is not the first option" not in log
    lines = [l for l in log.splitlines() if "Request malformed" in l or "Error processing" in l]
    assert len(lines) == 2, log
    assert all("event=httpd_error" in l for l in lines), log
    assert any("listener=web" in l for l in lines) and any("listener=admin" in l for l in lines), log
