"""eclusectl digest send: each recipient with newly held mail gets one digest
(multipart/alternative, escaped values) through the next hop of their domain; its
links work against a running ecluse-web; a second run sends nothing; a new held
message makes a digest that lists only it."""
import email
import email.policy
import json
import os
import re
import subprocess
import urllib.request

import pytest

from harness import config_text
from webenv import BUILD, SRC, Web

CTL = os.path.join(BUILD, "ctl", "eclusectl")


@pytest.fixture()
def web():
    w = Web()
    yield w
    assert w.stop() == 0


def conf(web, sink, tmp_path, extra=""):
    path = tmp_path / "ctl.conf"
    path.write_text(config_text(
        {"smtpd": {"hostname": "mx.test.example"},
         "web": {"base_url": web.base},
         "store": {"path": web.store}},
        {"example.org": sink.addr}) + extra)
    return str(path)


def digest_send(path):
    p = subprocess.run([CTL, "-c", path, "digest", "send", "--json", "-D", SRC],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    return json.loads(p.stdout)


def parts(data):
    msg = email.message_from_bytes(data, policy=email.policy.default)
    assert msg.get_content_type() == "multipart/alternative"
    sub = list(msg.iter_parts())
    assert [p.get_content_type() for p in sub] == ["text/plain", "text/html"]
    return msg, sub[0].get_content(), sub[1].get_content()


def fetch(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.status, r.read().decode()


def test_digest_per_recipient_links_and_once(web, sink, tmp_path):
    b1, _ = web.hold(sender="alice@example.net", rcpt="bob@example.org",
                     subject="<b>Invoice</b> & co")
    b2, _ = web.hold(sender="dave@example.net", rcpt="bob@example.org", subject="Lunch")
    c1, _ = web.hold(sender="erin@example.com", rcpt="carol@example.org",
                     subject="Carol's only")
    path = conf(web, sink, tmp_path)
    out = digest_send(path)
    assert out["sent"] == 2 and out["failed"] == 0, out
    assert {(d["rcpt"], d["messages"]) for d in out["digests"]} == {
        ("bob@example.org", 2), ("carol@example.org", 1)}
    msgs = sink.wait_messages(2)
    assert len(msgs) == 2
    by_rcpt = {m["rcpt_to"][0]: m for m in msgs}
    assert set(by_rcpt) == {"bob@example.org", "carol@example.org"}

    bob = by_rcpt["bob@example.org"]
    assert bob["mail_from"] == ""          # an automatic notice: null sender
    msg, text, htm = parts(bob["data"])
    assert b"\r\nTo: <bob@example.org>\r\n" in bob["data"]
    assert msg["Subject"] == "Messages held for you: 2"
    assert msg["Auto-Submitted"] == "auto-generated"
    assert "<b>Invoice</b> & co" in text and "Lunch" in text
    assert "&lt;b&gt;Invoice&lt;/b&gt; &amp; co" in htm and "<b>Invoice" not in htm
    assert "Carol's only" not in text

    # every link is in both parts, and works against ecluse-web
    release = re.findall(re.escape(web.base) + r"/r/[A-Za-z0-9_-]+", text)
    pages = re.findall(re.escape(web.base) + r"/u/[A-Za-z0-9_-]+(?:#held-\d+)?", text)
    assert len(release) == 2
    assert len(pages) == 3                  # one per message and the page itself
    for url in release + pages:
        assert 'href="%s"' % url in htm
    for url in release:
        st, body = fetch(url)
        assert st == 200 and "Your message is waiting" in body
    assert {"#held-%d" % b1, "#held-%d" % b2} <= {u[u.find("#"):] for u in pages if "#" in u}
    st, body = fetch(pages[0])
    assert st == 200
    assert "Messages held for bob@example.org" in body
    assert 'id="held-%d"' % b1 in body and 'id="held-%d"' % b2 in body
    assert "Carol" not in body

    carol = by_rcpt["carol@example.org"]
    msg, text, htm = parts(carol["data"])
    assert msg["Subject"] == "Messages held for you: 1"
    assert "Carol's only" in text and "Invoice" not in text

    # nothing new: nothing sent, and no connection made
    conns = sink.connections()
    out = digest_send(path)
    assert out == {"digests": [], "sent": 0, "failed": 0, "skipped": 0}
    assert len(sink.all_messages()) == 2 and sink.connections() == conns

    # a new held message: a digest with it alone
    b3, _ = web.hold(sender="frank@example.net", rcpt="bob@example.org", subject="Third")
    out = digest_send(path)
    assert out["sent"] == 1 and out["digests"][0]["messages"] == 1
    msgs = sink.wait_messages(3)
    msg, text, htm = parts(msgs[-1]["data"])
    assert "Third" in text and "Lunch" not in text and "Invoice" not in text


def test_failed_delivery_stays_pending(web, make_sink, tmp_path):
    sink = make_sink("--data-reply", "451 4.3.0 try later")
    web.hold(sender="alice@example.net", rcpt="bob@example.org", subject="Retry me")
    path = conf(web, sink, tmp_path)
    p = subprocess.run([CTL, "-c", path, "digest", "send", "--json", "-D", SRC],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 1
    out = json.loads(p.stdout)
    assert out["failed"] == 1 and "451" in out["digests"][0]["error"]
    # the next run tries again: the messages were not marked
    p = subprocess.run([CTL, "-c", path, "digest", "send", "--json", "-D", SRC],
                       capture_output=True, text=True, timeout=60)
    assert json.loads(p.stdout)["failed"] == 1
    assert len(sink.all_messages()) == 2


def test_language_and_digest_off_per_domain(web, sink, tmp_path):
    web.hold(sender="alice@example.net", rcpt="zoe@example.fr", subject="Bonjour")
    web.hold(sender="alice@example.net", rcpt="max@quiet.example", subject="Hush")
    path = conf(web, sink, tmp_path,
                "\n[domain example.fr]\nnext_hop = %s\nlanguage = fr\n"
                "\n[domain quiet.example]\nnext_hop = %s\ndigest = no\n"
                % (sink.addr, sink.addr))
    out = digest_send(path)
    assert out["sent"] == 1 and out["skipped"] == 1, out
    assert out["digests"][0]["rcpt"] == "zoe@example.fr"
    msgs = sink.wait_messages(1)
    msg, text, htm = parts(msgs[0]["data"])
    assert msg["Subject"] == "Messages retenus pour vous : 1"
    assert "Toujours accepter cet exp\u00e9diteur" in text and "Bonjour" in text
    assert '<html lang="fr">' in htm
    page = re.search(re.escape(web.base) + r"/u/[A-Za-z0-9_-]+\?lang=fr", text).group(0)
    st, body = fetch(page)
    assert st == 200 and "Messages retenus pour zoe@example.fr" in body
    assert len(sink.all_messages()) == 1
