"""test_admin_tenants - per-domain admin tokens ([domain X] admin_tokens, docs/api.md
"Per-domain tokens") against a real ecluse-web and its real sqlite store.

Two tenants and an operator: acme (a.example and c.example), beta (b.example), ops
([web], everything). Held messages are seeded through the store API (web_seed), as
ecluse-smtpd holds them; one is a single transaction to a recipient of a.example and
one of b.example (both domains share a next hop, so smtpd keeps them together).
Every cross-tenant attempt is refused or filtered with its exact status; each tenant
can do all of it on its own data; the shared message is shown to each tenant with
its own recipient only and neither can release nor delete it; a reload that removes
a tenant's token revokes it at once; configuration errors name file:line."""
import json
import os
import signal
import sqlite3
import subprocess
import urllib.parse

import pytest

from harness import poll
from test_admin_api import Admin as _Admin
from webenv import WEB, SRC, free_port, Web

GLOBAL = "b3BzLWdsb2JhbC10b2tlbi0x"
TA = "YWNtZS10ZW5hbnQtdG9rZW4x"
TB = "YmV0YS10ZW5hbnQtdG9rZW4x"
NOT_FOUND = {"show": "show: not found", "release": "release: not found",
             "delete": "delete: not found"}


class Tenants(_Admin):
    """ecluse-web with the admin API; messages (ids in self.ids):
    a1 -> u1@a.example, b1 -> u2@b.example, c1 -> u3@c.example,
    ab -> u1@a.example and u2@b.example (one transaction)."""

    def __init__(self, extra=""):
        self.aport = free_port()
        self.url = "http://127.0.0.1:%d" % self.aport
        Web.__init__(
            self,
            "[web]\nadmin_listen = 127.0.0.1:%d\nadmin_tokens = ops:%s\n"
            "[domain a.example]\nnext_hop = 127.0.0.1:2526\nadmin_tokens = acme:%s\n"
            "[domain b.example]\nnext_hop = 127.0.0.1:2526\nadmin_tokens = beta:%s\n"
            "[domain c.example]\nnext_hop = 127.0.0.1:2527\nadmin_tokens = acme:%s\n"
            "[domain d.example]\nnext_hop = 127.0.0.1:2527\n%s"
            % (self.aport, GLOBAL, TA, TB, TA, extra), wait_port=self.aport,
            prefix="ecluse-tenants-")
        self.ids = {}
        for key, rcpt in (("a1", "u1@a.example"), ("b1", "u2@b.example"),
                          ("c1", "u3@c.example"),
                          ("ab", "u1@a.example,u2@b.example")):
            self.ids[key] = self.hold("s-%s@sender.example" % key, rcpt, "msg " + key)[0]

    def call(self, token, method, path, **params):
        """(status, json); params go in the query (GET, DELETE) or the body (POST)."""
        q = urllib.parse.urlencode(params)
        if method == "POST":
            st, _, js = self.request(method, path, body=q, token=token)
        else:
            st, _, js = self.request(method, path + ("?" + q if q else ""), token=token)
        return st, js

    def audit(self):
        db = sqlite3.connect("file:%s?mode=ro" % self.store, uri=True)
        try:
            return db.execute("SELECT who FROM audit ORDER BY id").fetchall()
        finally:
            db.close()


@pytest.fixture
def t():
    w = Tenants()
    yield w
    w.stop_clean()


def ids(js):
    return [m["id"] for m in js["messages"]]


def test_held_list_filtered(t):
    i = t.ids
    st, js = t.call(GLOBAL, "GET", "/api/v1/held")
    assert st == 200 and ids(js) == [i["ab"], i["c1"], i["b1"], i["a1"]]
    # acme reaches a.example and c.example; the shared message shows u1 only
    st, js = t.call(TA, "GET", "/api/v1/held")
    assert st == 200 and ids(js) == [i["ab"], i["c1"], i["a1"]], js
    assert js["messages"][0]["rcpts"] == ["u1@a.example"]
    assert "u2@b.example" not in json.dumps(js)
    st, js = t.call(TB, "GET", "/api/v1/held")
    assert st == 200 and ids(js) == [i["ab"], i["b1"]]
    assert js["messages"][0]["rcpts"] == ["u2@b.example"]
    assert "u1@a.example" not in json.dumps(js)
    # paging over the merged domains: one per page, the cursor goes on
    st, js = t.call(TA, "GET", "/api/v1/held", limit=2)
    assert ids(js) == [i["ab"], i["c1"]] and js["next_before"] == i["c1"]
    st, js = t.call(TA, "GET", "/api/v1/held", limit=2, before=js["next_before"])
    assert ids(js) == [i["a1"]] and js["next_before"] is None
    # filters: the other tenant's recipient or domain gives nothing, own ones work
    for rcpt in ("u2@b.example", "b.example", "d.example", "x@d.example"):
        st, js = t.call(TA, "GET", "/api/v1/held", rcpt=rcpt)
        assert st == 200 and js == {"messages": [], "next_before": None}, rcpt
    st, js = t.call(TA, "GET", "/api/v1/held", rcpt="C.Example")
    assert ids(js) == [i["c1"]]
    st, js = t.call(TB, "GET", "/api/v1/held", rcpt="u2@b.example", state="held")
    assert ids(js) == [i["ab"], i["b1"]]
    st, js = t.call(TB, "GET", "/api/v1/held", sender="s-b1@sender.example")
    assert ids(js) == [i["b1"]]


def test_show_release_delete_cross_tenant_is_404(t):
    i = t.ids
    missing = max(i.values()) + 100
    for token, theirs in ((TA, "b1"), (TB, "a1"), (TB, "c1")):
        for method, suffix, what in (("GET", "", "show"), ("POST", "/release", "release"),
                                     ("DELETE", "", "delete")):
            for hid in (i[theirs], missing):
                st, js = t.call(token, method, "/api/v1/held/%d%s" % (hid, suffix))
                # exactly the reply of a message that does not exist
                assert (st, js) == (404, {"error": NOT_FOUND[what], "status": 404}), \
                    (token, theirs, what, hid)
    for key in ("a1", "b1", "c1"):
        assert t.show(i[key])["state"] == "held"
    assert "event=admin_out_of_scope what=release" in t.logtext()


def test_own_messages_all_actions(t):
    i = t.ids
    st, js = t.call(TA, "GET", "/api/v1/held/%d" % i["c1"])
    assert st == 200 and js["rcpts"] == ["u3@c.example"] and js["state"] == "held"
    st, js = t.call(TA, "POST", "/api/v1/held/%d/release" % i["a1"])
    assert st == 200 and js["state"] == "released"
    assert t.show(i["a1"]) == {"state": "released", "spent": "0", "queue": "1"}
    st, js = t.call(TA, "POST", "/api/v1/held/%d/release" % i["a1"])
    assert (st, js["error"]) == (409, "release: not allowed in this state")
    st, js = t.call(TB, "DELETE", "/api/v1/held/%d" % i["b1"])
    assert st == 200 and js["state"] == "deleted"
    assert t.show(i["b1"])["state"] == "deleted"
    st, js = t.call(TB, "DELETE", "/api/v1/held/%d" % i["b1"])
    assert st == 409
    # the audit names the token and the domains it acted on; [web] tokens as before
    st, _ = t.call(GLOBAL, "DELETE", "/api/v1/held/%d" % i["c1"])
    assert st == 200
    assert t.audit() == [("admin:acme (a.example)",), ("admin:beta (b.example)",),
                         ("admin:ops",)]


def test_cross_domain_message(t):
    """One transaction to u1@a.example and u2@b.example: each tenant sees it with its
    own recipient; neither can release nor delete it (403, nothing changes); the
    operator can."""
    hid = t.ids["ab"]
    for token, mine in ((TA, "u1@a.example"), (TB, "u2@b.example")):
        st, js = t.call(token, "GET", "/api/v1/held/%d" % hid)
        assert st == 200 and js["rcpts"] == [mine], js
        for method, suffix, what in (("POST", "/release", "release"),
                                     ("DELETE", "", "delete")):
            st, js = t.call(token, method, "/api/v1/held/%d%s" % (hid, suffix))
            assert st == 403 and js == {
                "error": "%s: the message also has recipients of other domains; "
                         "ask the operator" % what, "status": 403}, js
    assert t.show(hid) == {"state": "held", "spent": "0", "queue": "0"}
    assert t.audit() == []
    st, js = t.call(GLOBAL, "GET", "/api/v1/held/%d" % hid)
    assert js["rcpts"] == ["u1@a.example", "u2@b.example"]
    st, js = t.call(GLOBAL, "POST", "/api/v1/held/%d/release" % hid)
    assert st == 200 and t.show(hid)["state"] == "released"


def wl_add(t, token, **kw):
    return t.call(token, "POST", "/api/v1/whitelist", **kw)


def test_whitelist_scoped(t):
    # the operator seeds one entry of each kind
    for kw in ({"scope": "global", "sender": "g.example"},
               {"scope": "domain", "target": "a.example", "sender": "pa.example"},
               {"scope": "domain", "target": "b.example", "sender": "pb.example"},
               {"scope": "recipient", "target": "u1@a.example", "sender": "x@s.example"},
               {"scope": "recipient", "target": "u2@b.example", "sender": "y@s.example"}):
        assert wl_add(t, GLOBAL, **kw)[0] == 201
    # cross-tenant and global changes: 403, nothing changed
    forbidden = "whitelist: target outside this token's domains"
    for token, kw, why in (
            (TA, {"scope": "domain", "target": "b.example", "sender": "z.example"}, forbidden),
            (TA, {"scope": "recipient", "target": "u2@b.example", "sender": "z.example"},
             forbidden),
            (TA, {"scope": "domain", "target": "d.example", "sender": "z.example"}, forbidden),
            (TB, {"scope": "recipient", "target": "u1@a.example", "sender": "z.example"},
             forbidden),
            (TB, {"scope": "global", "sender": "z.example"},
             "whitelist: global entries are for [web] tokens only")):
        for method in ("POST", "DELETE"):
            st, js = t.call(token, method, "/api/v1/whitelist", **kw)
            assert (st, js) == (403, {"error": why, "status": 403}), (token, kw, method)
    # removing the other tenant's existing entries: 403 as well, and they stay
    for token, kw in ((TA, {"scope": "domain", "target": "b.example",
                            "sender": "pb.example"}),
                      (TB, {"scope": "recipient", "target": "u1@a.example",
                            "sender": "x@s.example"}),
                      (TA, {"scope": "global", "sender": "g.example"})):
        st, _ = t.call(token, "DELETE", "/api/v1/whitelist", **kw)
        assert st == 403
    st, js = t.call(GLOBAL, "GET", "/api/v1/whitelist")
    assert len(js["entries"]) == 5
    # lists: own entries only; filters outside give nothing
    got = lambda token, **kw: sorted((e["scope"], e["target"], e["sender"]) for e in
                                     t.call(token, "GET", "/api/v1/whitelist",
                                            **kw)[1]["entries"])
    assert got(TA) == [("domain", "a.example", "pa.example"),
                       ("recipient", "u1@a.example", "x@s.example")]
    assert got(TB) == [("domain", "b.example", "pb.example"),
                       ("recipient", "u2@b.example", "y@s.example")]
    assert got(TA, scope="global") == [] and got(TA, target="b.example") == []
    assert got(TA, scope="recipient", target="u2@b.example") == []
    assert got(TB, scope="domain", target="b.example") == [
        ("domain", "b.example", "pb.example")]
    assert got(TB, sender="x@s.example") == []
    # each tenant adds, lists and removes its own
    st, js = wl_add(t, TA, scope="recipient", target="new@c.example", sender="n.example",
                    action="block")
    assert st == 201 and js["action"] == "block"
    st, js = wl_add(t, TA, scope="domain", target="A.EXAMPLE", sender="n2.example")
    assert st == 201
    assert ("recipient", "new@c.example", "n.example") in got(TA)
    assert t.blocked("new@c.example", "a@n.example") == 1
    st, js = t.call(TA, "DELETE", "/api/v1/whitelist", scope="recipient",
                    target="new@c.example", sender="n.example")
    assert st == 200 and js["removed"] is True
    st, _ = t.call(TB, "DELETE", "/api/v1/whitelist", scope="domain", target="b.example",
                   sender="pb.example")
    assert st == 200
    assert got(TB) == [("recipient", "u2@b.example", "y@s.example")]
    who = [w for (w,) in t.audit() if not w.startswith("admin:ops")]
    assert who == ["admin:acme (c.example)", "admin:acme (a.example)",
                   "admin:acme (c.example)", "admin:beta (b.example)"], who
    # paging over the filtered list: one per page, until the cursor is null
    seen, after = [], 0
    for _ in range(5):
        st, js = t.call(TA, "GET", "/api/v1/whitelist", limit=1, after=after)
        assert st == 200 and len(js["entries"]) <= 1
        seen += js["entries"]
        if js["next_after"] is None:
            break
        after = js["next_after"]
    assert [(e["target"].lower(), e["sender"]) for e in seen] == [
        ("a.example", "pa.example"), ("u1@a.example", "x@s.example"),
        ("a.example", "n2.example")], seen


def test_domains_and_stats(t):
    st, js = t.call(GLOBAL, "GET", "/api/v1/domains")
    assert [d["name"] for d in js["domains"]] == ["a.example", "b.example", "c.example",
                                                  "d.example"]
    st, js = t.call(TA, "GET", "/api/v1/domains")
    assert st == 200
    assert {d["name"]: d["held"] for d in js["domains"]} == {"a.example": 2,
                                                             "c.example": 1}
    st, js = t.call(TB, "GET", "/api/v1/domains")
    assert {d["name"]: d["held"] for d in js["domains"]} == {"b.example": 2}
    assert t.call(GLOBAL, "GET", "/api/v1/stats")[0] == 200
    st, js = t.call(TA, "GET", "/api/v1/stats")
    assert (st, js) == (403, {"error": "stats: the whole service's counters are for "
                                       "[web] tokens only; see /api/v1/domains",
                              "status": 403})
    # a tenant token is still a token: a wrong one is 401, and no token is logged
    assert t.call(TA[:-1] + "y", "GET", "/api/v1/held")[0] == 401
    log = t.logtext()
    for secret in (GLOBAL, TA, TB):
        assert secret not in log


def reload(w, event):
    n = w.logtext().count(event)
    os.kill(w.proc.pid, signal.SIGHUP)
    poll(event, lambda: w.logtext().count(event) > n)


def edit(w, old, new):
    with open(w.conf) as f:
        text = f.read()
    assert old in text
    with open(w.conf, "w") as f:
        f.write(text.replace(old, new))


def test_reload_revokes_and_changes_scope(t):
    assert t.call(TB, "GET", "/api/v1/held")[0] == 200
    # beta's token removed, acme's moved off c.example
    edit(t, "admin_tokens = beta:%s\n" % TB, "")
    edit(t, "next_hop = 127.0.0.1:2527\nadmin_tokens = acme:%s\n" % TA,
         "next_hop = 127.0.0.1:2527\n")
    reload(t, "event=reload ")
    assert "admin_tokens=2" in t.logtext()
    st, js = t.call(TB, "GET", "/api/v1/held")
    assert (st, js["error"]) == (401, "missing or wrong bearer token")
    assert t.call(TB, "POST", "/api/v1/held/%d/release" % t.ids["b1"])[0] == 401
    st, js = t.call(TA, "GET", "/api/v1/held")
    assert ids(js) == [t.ids["ab"], t.ids["a1"]]
    assert t.call(TA, "GET", "/api/v1/held/%d" % t.ids["c1"])[0] == 404
    # a bad per-domain list on reload: refused with its line, the running one kept
    edit(t, "[domain d.example]\nnext_hop = 127.0.0.1:2527\n",
         "[domain d.example]\nnext_hop = 127.0.0.1:2527\nadmin_tokens = ops:%s\n" % TA)
    with open(t.conf) as f:
        line = f.read().splitlines().index("admin_tokens = ops:%s" % TA) + 1
    reload(t, "event=reload_failed")
    log = t.logtext()
    assert "%s:%d: [domain d.example] admin_tokens: name stands for another token " \
           "elsewhere" % (t.conf, line) in log, log
    assert TA not in log
    assert t.call(TA, "GET", "/api/v1/held/%d" % t.ids["a1"])[0] == 200


def check_conf(tmp_path, domains_text, web_tokens="ops:" + GLOBAL):
    conf = tmp_path / "ecluse.conf"
    text = ("[web]\nadmin_listen = 127.0.0.1:%d\nadmin_tokens = %s\n[store]\npath = %s\n"
            % (free_port(), web_tokens, tmp_path / "ecluse.db")) + domains_text
    conf.write_text(text)
    p = subprocess.run([WEB, "-n", "-c", str(conf), "-D", SRC], capture_output=True,
                       text=True, timeout=30)
    return p.returncode, p.stderr, str(conf), text.splitlines()


@pytest.mark.parametrize("domains_text,key_line,why", [
    # the same token global and per-domain
    ("[domain a.example]\nnext_hop = h:25\nadmin_tokens = acme:%s\n" % GLOBAL,
     "admin_tokens = acme:%s" % GLOBAL, "token also in [web] admin_tokens"),
    # one name, two tokens
    ("[domain a.example]\nnext_hop = h:25\nadmin_tokens = acme:%s\n"
     "[domain b.example]\nnext_hop = h:25\nadmin_tokens = acme:%s\n" % (TA, TB),
     "admin_tokens = acme:%s" % TB, "name stands for another token elsewhere"),
    # one token, two names
    ("[domain a.example]\nnext_hop = h:25\nadmin_tokens = acme:%s\n"
     "[domain b.example]\nnext_hop = h:25\n\nadmin_tokens = beta:%s\n" % (TA, TA),
     "admin_tokens = beta:%s" % TA, "token given elsewhere under another name"),
    # the [web] parser's own checks
    ("[domain a.example]\nnext_hop = h:25\nadmin_tokens = acme:short\n",
     "admin_tokens = acme:short", "token: 16 to 128 characters"),
    ("[domain a.example]\nnext_hop = h:25\nadmin_tokens = acme:%s,\n" % TA,
     "admin_tokens = acme:%s," % TA, "empty item"),
])
def test_config_errors_name_file_and_line(tmp_path, domains_text, key_line, why):
    rc, err, conf, lines = check_conf(tmp_path, domains_text)
    line = lines.index(key_line) + 1
    dom = [l for l in lines[:line] if l.startswith("[domain ")][-1]
    assert rc == 2, err
    assert "%s:%d: %s admin_tokens: %s" % (conf, line, dom, why) in err, err
    for secret in (GLOBAL, TA, TB):
        assert secret not in err


def test_config_tenant_tokens_only(tmp_path):
    """admin_listen with tenant tokens only is a working configuration; with no token
    at all it is an error, as before."""
    rc, err, _, _ = check_conf(
        tmp_path, "[domain a.example]\nnext_hop = h:25\nadmin_tokens = acme:%s\n" % TA,
        web_tokens="")
    assert rc == 0, err
    rc, err, conf, _ = check_conf(tmp_path, "[domain a.example]\nnext_hop = h:25\n",
                                  web_tokens="")
    assert rc == 2 and "%s: [web] admin_tokens: no token" % conf in err, err
    # set twice in one section (a continuation line too): the config loader's error
    rc, err, conf, lines = check_conf(
        tmp_path, "[domain a.example]\nnext_hop = h:25\nadmin_tokens = acme:%s\n"
        "  beta:%s\n" % (TA, TB))
    assert rc == 2 and "%s:%d: [domain a.example] admin_tokens: key set twice" % (
        conf, len(lines)) in err, err


def test_cross_domain_transaction_through_smtpd(t, make_smtpd, sink):
    """The shared message as ecluse-smtpd holds it: one transaction, RCPT to a.example
    and to b.example (one next hop for both), into the same store ecluse-web reads."""
    d = make_smtpd({"a.example": sink.addr, "b.example": sink.addr},
                   sections={"store": {"path": t.store}, "digest": {"interval": 0},
                             "policy": {"quarantine_threshold": 1,
                                        "reject_threshold": 100000}})
    c = d.client()
    c.ehlo("mail.client.test")
    assert c.cmd("MAIL FROM:<stranger@unknown.test>").code == 250
    assert c.cmd("RCPT TO:<v1@a.example>").code == 250
    assert c.cmd("RCPT TO:<v2@b.example>").code == 250
    assert c.cmd("DATA").code == 354
    r = c.cmd(b"From: stranger@unknown.test\r\nSubject: shared\r\n\r\nhello\r\n.")
    assert r.code == 550, r
    st, js = t.call(GLOBAL, "GET", "/api/v1/held", sender="stranger@unknown.test")
    (m,) = js["messages"]
    assert m["rcpts"] == ["v1@a.example", "v2@b.example"]
    for token, mine in ((TA, "v1@a.example"), (TB, "v2@b.example")):
        st, js = t.call(token, "GET", "/api/v1/held", sender="stranger@unknown.test")
        assert st == 200 and [x["rcpts"] for x in js["messages"]] == [[mine]]
        assert t.call(token, "POST", "/api/v1/held/%d/release" % m["id"])[0] == 403
        assert t.call(token, "DELETE", "/api/v1/held/%d" % m["id"])[0] == 403
    assert t.show(m["id"]) == {"state": "held", "spent": "0", "queue": "0"}
    assert sink.messages() == []
