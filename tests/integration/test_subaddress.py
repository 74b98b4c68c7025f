"""test_subaddress.py - subaddressing ([policy] recipient_delimiter) end to end: a real
client, ecluse-smtpd holding with its default policy, ecluse-web on the same store,
eclusectl, nsd serving the test zones, a sink as the next hop.

With recipient_delimiter = + , b+news@example.net is b@example.net's mailbox:
  - a sender b whitelisted is relayed to b+news, delivered to b+news exactly, and
    b and b+news share one transaction (one standing); b's block refuses it at RCPT;
  - a message held for b+news is in b's digest (one digest for every subaddress) and on
    b's recipient page; released from there, it is delivered to b+news exactly;
  - the sender's own release (CAPTCHA) whitelists it for b: its next message to
    another subaddress of b is relayed;
  - a [domain] section can turn it off for its domain.
With the delimiter empty (the default), b+news is a recipient of its own, as before.
"""

import email
import email.policy
import http.client
import json
import re
import subprocess

import pytest

from dnsserver import dkim_keys, dns  # noqa: F401  (fixtures)
from harness import poll
from webenv import BUILD, SRC, Form, Web, free_port

CTL = f"{BUILD}/ctl/eclusectl"
MESSAGE = (b"From: {sender}\r\nTo: b@example.net\r\nSubject: {subject}\r\n"
           b"Message-ID: <{subject}@client.test>\r\n\r\nHello.\r\n")


@pytest.fixture()
def web():
    w = Web()
    yield w
    w.stop_clean()


def start_mx(make_smtpd, sink, dns, web, delimiter="+", domain_keys=None):  # noqa: F811
    """ecluse-smtpd with the default policy on ecluse-web's store (one token key)."""
    policy = {"mode": "enforce"}
    if delimiter is not None:
        policy["recipient_delimiter"] = delimiter
    domain = {"next_hop": sink.addr, **(domain_keys or {})}
    return make_smtpd({"example.net": domain},
                      sections={"dns": {"servers": dns.servers},
                                "web": {"base_url": web.base},
                                "store": {"path": web.store},
                                "policy": policy})


def ctl(mx, *args):
    p = subprocess.run([CTL, "-c", str(mx.config), *args], capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    return p.stdout


def send(mx, sender, rcpts, subject="hello"):
    """One transaction; returns (the RCPT replies, the end-of-data reply or None)."""
    c = mx.client()
    c.ehlo("mail.client.test")
    assert c.cmd(f"MAIL FROM:<{sender}>").code == 250
    rr = [c.cmd(f"RCPT TO:<{r}>") for r in rcpts]
    if not any(r.code == 250 for r in rr):
        c.close()
        return rr, None
    assert c.cmd("DATA").code == 354
    data = MESSAGE.replace(b"{sender}", sender.encode()).replace(b"{subject}",
                                                                  subject.encode())
    r = c.cmd(data + b".")
    c.close()
    return rr, r


def release_token(reply):
    m = re.search(r"/r/([A-Za-z0-9_-]+)$", reply.lines[0])
    assert m, reply
    return m.group(1)


def held(mx):
    return json.loads(ctl(mx, "held", "list", "--json"))["held"]


def test_whitelisted_sender_reaches_subaddress(make_smtpd, sink, dns, web):  # noqa: F811
    mx = start_mx(make_smtpd, sink, dns, web)
    ctl(mx, "whitelist", "add", "--rcpt", "b@example.net", "friend@unknown.test")
    rr, r = send(mx, "friend@unknown.test", ["b+news@example.net"])
    assert r is not None and r.code == 250, (rr, r)
    (m,) = sink.wait_messages(1)
    assert m["rcpt_to"] == ["b+news@example.net"], "delivered to the exact address"

    # the mailbox and its subaddresses share one standing: one transaction
    rr, r = send(mx, "friend@unknown.test", ["b@example.net", "B+Shop@Example.NET"])
    assert [x.code for x in rr] == [250, 250], rr
    assert r.code == 250, r
    msgs = sink.wait_messages(2)
    assert msgs[1]["rcpt_to"] == ["b@example.net", "B+Shop@Example.NET"]
    # another mailbox does not have b's standing
    rr, r = send(mx, "friend@unknown.test", ["b+x@example.net", "c+x@example.net"])
    assert rr[0].code == 250 and rr[1].code == 452, rr

    # eclusectl keys an entry given for a subaddress by its mailbox
    out = json.loads(ctl(mx, "whitelist", "add", "--block", "--rcpt", "b+x@Example.net",
                         "spam@unknown.test", "--json"))
    assert out["target"] == "b@example.net", out
    listed = json.loads(ctl(mx, "whitelist", "list", "--rcpt", "b+y@example.net",
                            "--json"))["whitelist"]
    assert {(e["sender"], e["action"]) for e in listed} == {
        ("friend@unknown.test", "allow"), ("spam@unknown.test", "block")}
    # b's block refuses the sender for every subaddress of b, at RCPT
    rr, r = send(mx, "spam@unknown.test", ["b+news@example.net"])
    assert r is None and rr[0].code == 550 and rr[0].text.startswith("5.7.1"), rr
    assert "rcpt_blocked" in mx.log()
    assert held(mx) == []
    assert len(sink.messages()) == 3


def test_held_for_subaddress_in_mailbox_digest_and_page(make_smtpd, sink, dns, web):  # noqa: F811
    mx = start_mx(make_smtpd, sink, dns, web)
    _, r1 = send(mx, "stranger@unknown.test", ["b+news@example.net"], subject="News")
    assert r1.code == 550, r1
    _, r2 = send(mx, "other@unknown.test", ["b+shop@example.net", "b@example.net"],
                 subject="Shop")
    assert r2.code == 550, r2
    _, r3 = send(mx, "third@unknown.test", ["c+x@example.net"], subject="Carol")
    assert r3.code == 550, r3
    hs = {h["to"][0]: h for h in held(mx)}
    assert set(hs) == {"b+news@example.net", "b+shop@example.net", "c+x@example.net"}
    assert hs["b+shop@example.net"]["to"] == ["b+shop@example.net", "b@example.net"]
    news = hs["b+news@example.net"]["id"]
    # an operator's list by the mailbox shows its subaddresses' messages too
    by_b = json.loads(ctl(mx, "held", "list", "--rcpt", "b@example.net", "--json"))["held"]
    assert {h["id"] for h in by_b} == {news, hs["b+shop@example.net"]["id"]}

    # one digest per mailbox; the message to two subaddresses of b listed once
    out = json.loads(ctl(mx, "digest", "send", "--json", "-D", SRC))
    assert out["sent"] == 2 and out["failed"] == 0, out
    assert {(d["rcpt"], d["messages"]) for d in out["digests"]} == {
        ("b@example.net", 2), ("c@example.net", 1)}
    msgs = sink.wait_messages(2)
    by_rcpt = {m["rcpt_to"][0]: m for m in msgs}
    assert set(by_rcpt) == {"b@example.net", "c@example.net"}
    raw = by_rcpt["b@example.net"]["data"]
    assert b"\r\nTo: <b@example.net>\r\n" in raw
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg["Subject"] == "Messages held for you: 2"
    text = msg.get_body(preferencelist=("plain",)).get_content()
    assert "News" in text and "Shop" in text and "Carol" not in text
    # each row names the addresses of b the sender had
    assert "Subject: News\n  To:      b+news@example.net\n" in text, text
    assert "Subject: Shop\n  To:      b+shop@example.net, b@example.net\n" in text, text

    # b's page, from the digest's link: both messages
    page_url = re.search(re.escape(web.base) + r"(/u/[A-Za-z0-9_-]+)", text).group(1)
    st, _, page = web.get(page_url)
    assert st == 200, page
    assert "Messages held for b@example.net" in page
    assert 'id="held-%d"' % news in page
    assert 'id="held-%d"' % hs["b+shop@example.net"]["id"] in page
    assert "Carol" not in page

    # released from b's page, delivered to b+news exactly by smtpd's runner
    n = re.search(r'name="n" value="([^"]+)"', page).group(1)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    st, _, body = web.post_form(page_url, {"n": n, "csrf": csrf, "action": "release",
                                           "id": str(news)})
    assert st == 200 and "The message was released" in body, body
    msgs = sink.wait_messages(3)
    assert msgs[2]["rcpt_to"] == ["b+news@example.net"]
    assert msgs[2]["mail_from"] == "stranger@unknown.test"
    assert b"Subject: News" in msgs[2]["data"]
    poll("delivered", lambda: ctl(mx, "held", "show", str(news), "--json").find(
        '"delivered"') >= 0)

    # b may delete a message held for two subaddresses of b: it is b's alone
    shop = hs["b+shop@example.net"]["id"]
    st, _, page = web.get(page_url)
    n = re.search(r'name="n" value="([^"]+)"', page).group(1)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    st, _, body = web.post_form(page_url, {"n": n, "csrf": csrf, "action": "delete",
                                           "id": str(shop)})
    assert st == 200 and "The message was deleted" in body, body


def test_sender_release_whitelists_mailbox(make_smtpd, sink, dns, web):  # noqa: F811
    mx = start_mx(make_smtpd, sink, dns, web)
    _, r = send(mx, "stranger@unknown.test", ["b+news@example.net"], subject="First")
    assert r.code == 550, r
    tok = release_token(r)
    st, _, page = web.get("/r/" + tok)
    assert st == 200, page
    f = Form(web, page)
    st, _, body = web.post_form("/r/" + tok, f.fields(web.answer(f.challenge)),
                                headers={"Cookie": f.cookie})
    assert st == 200, body
    (m,) = sink.wait_messages(1)
    assert m["rcpt_to"] == ["b+news@example.net"], "re-injected to the exact address"
    entries = json.loads(ctl(mx, "whitelist", "list", "--json"))["whitelist"]
    assert [(e["target"], e["sender"]) for e in entries] == [
        ("b@example.net", "stranger@unknown.test")]
    # its next message to another subaddress of b goes through at once
    _, r = send(mx, "stranger@unknown.test", ["b+other@example.net"], subject="Second")
    assert r.code == 250, r
    msgs = sink.wait_messages(2)
    assert msgs[1]["rcpt_to"] == ["b+other@example.net"]


@pytest.mark.parametrize("how", ["default", "domain_off"])
def test_without_delimiter_subaddress_is_its_own(make_smtpd, sink, dns, web, how):  # noqa: F811
    if how == "default":
        mx = start_mx(make_smtpd, sink, dns, web, delimiter=None)
    else:
        mx = start_mx(make_smtpd, sink, dns, web, domain_keys={"recipient_delimiter": ""})
    ctl(mx, "whitelist", "add", "--rcpt", "b@example.net", "friend@unknown.test")
    rr, r = send(mx, "friend@unknown.test", ["b+news@example.net"], subject="Tagged")
    assert r.code == 550, "b's whitelist is not b+news's"
    rr, r = send(mx, "friend@unknown.test", ["b@example.net", "b+news@example.net"])
    assert rr[0].code == 250 and rr[1].code == 452, rr
    out = json.loads(ctl(mx, "digest", "send", "--json", "-D", SRC))
    assert [(d["rcpt"], d["messages"]) for d in out["digests"]] == [
        ("b+news@example.net", 1)], out
    msgs = sink.wait_messages(2)
    assert msgs[-1]["rcpt_to"] == ["b+news@example.net"]


def test_admin_api_keys_by_mailbox():
    """ecluse-web's admin API, as eclusectl: a recipient target is its mailbox."""
    token = "c3ViYWRkci10ZXN0LXRva2Vu"
    aport = free_port()
    w = Web("[web]\nadmin_listen = 127.0.0.1:%d\nadmin_tokens = ops:%s\n"
            "[policy]\nrecipient_delimiter = +\n"
            "[domain example.org]\nnext_hop = 127.0.0.1:2526\n" % (aport, token),
            wait_port=aport)
    try:
        def call(method, path, body=None):
            h = {"Authorization": "Bearer " + token}
            if body is not None:
                h["Content-Type"] = "application/x-www-form-urlencoded"
            c = http.client.HTTPConnection("127.0.0.1", aport, timeout=10)
            try:
                c.request(method, path, body=body, headers=h)
                resp = c.getresponse()
                return resp.status, json.loads(resp.read())
            finally:
                c.close()

        st, js = call("POST", "/api/v1/whitelist",
                      "scope=recipient&target=bob%2Btag%40example.org&sender=a.example")
        assert st == 201 and js["target"] == "bob@example.org", js
        st, js = call("GET", "/api/v1/whitelist?scope=recipient&"
                      "target=bob%2Bother%40example.org")
        assert st == 200 and [e["target"] for e in js["entries"]] == ["bob@example.org"]
        assert w.whitelisted("bob@example.org", "x@a.example") == 1
        st, js = call("DELETE", "/api/v1/whitelist?scope=recipient&"
                      "target=bob%2Bx%40example.org&sender=a.example")
        assert st == 200 and js["removed"] is True, js
        assert w.whitelisted("bob@example.org", "x@a.example") == 0
    finally:
        w.stop_clean()
