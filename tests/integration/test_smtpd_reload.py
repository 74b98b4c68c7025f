"""test_smtpd_reload.py - SIGHUP makes ecluse-smtpd read its configuration again
(issue 6: multi-domain operation): a domain added to the file is served to the next
connection, a broken file is refused and the running configuration kept, and a
connection open across the reload is not dropped; and mail keeps flowing, each
message relayed once, while the daemon reloads again and again."""

import os
import re
import signal
import threading
import time

from harness import WAIT_MAX, poll


def session(d):
    c = d.client()
    c.ehlo("client.test")
    return c


def test_reload_adds_a_domain_without_dropping_connections(make_smtpd, make_sink):
    a, b = make_sink(), make_sink()
    d = make_smtpd({"example.net": a.addr})
    before = session(d)
    assert before.cmd("MAIL FROM:<s@example.org>").code == 250
    c = session(d)
    c.cmd("MAIL FROM:<s@example.org>")
    assert c.cmd("RCPT TO:<u@other.example>").code == 550

    text = d.config.read_text()
    d.config.write_text(text + f"\n[domain other.example]\nnext_hop = {b.addr}\n")
    os.kill(d.proc.pid, signal.SIGHUP)
    poll("the reload log line", lambda: "event=reload domains=2" in d.log())

    c = session(d)
    c.cmd("MAIL FROM:<s@example.org>")
    assert c.cmd("RCPT TO:<u@other.example>").code == 250
    assert c.cmd("DATA").code == 354
    assert c.cmd(b"Subject: t\r\n\r\nafter the reload\r\n.").code == 250
    b.wait_messages(1)
    # the session opened before the reload goes on with its transaction
    assert before.cmd("RCPT TO:<u@example.net>").code == 250
    assert before.cmd("DATA").code == 354
    assert before.cmd(b"Subject: t\r\n\r\nbefore the reload\r\n.").code == 250
    a.wait_messages(1)


def test_broken_config_on_reload_is_refused_and_old_one_kept(make_smtpd, sink):
    d = make_smtpd({"example.net": sink.addr})
    d.config.write_text(d.config.read_text() + "\n[smtpd]\nmax_recipients = many\n")
    os.kill(d.proc.pid, signal.SIGHUP)
    poll("the refused reload", lambda: "event=reload_failed" in d.log())
    assert "max_recipients" in d.log()
    c = session(d)
    c.cmd("MAIL FROM:<s@example.org>")
    assert c.cmd("RCPT TO:<u@example.net>").code == 250, "still serving with the old file"



def test_replaced_configuration_freed_with_its_last_session(make_smtpd, sink):
    """A replaced configuration lives as long as the sessions that started with it,
    and no longer: a cron job that reloads every minute does not grow the daemon."""
    d = make_smtpd({"example.net": sink.addr})
    held = session(d)
    assert held.cmd("MAIL FROM:<s@example.org>").code == 250

    def reload(n):
        os.kill(d.proc.pid, signal.SIGHUP)
        poll(f"reload {n}", lambda: d.log().count("event=reload domains=") == n)
        return re.findall(r"event=reload domains=\d+ replaced_in_use=(\d+)", d.log())[-1]

    # the first configuration is held by the open session; the next ones by nobody
    assert [reload(n) for n in (1, 2, 3)] == ["1", "1", "1"]
    # the session goes on with the configuration it started with
    assert held.cmd("RCPT TO:<u@example.net>").code == 250
    assert held.cmd("DATA").code == 354
    assert held.cmd(b"Subject: t\r\n\r\nacross three reloads\r\n.").code == 250
    sink.wait_messages(1)
    held.cmd("QUIT")
    poll("the disconnect", lambda: "event=disconnect" in d.log())
    assert reload(4) == "0", "the first configuration went with its last session"

def test_reload_under_load(make_smtpd, sink):
    """SMTP transactions go on in two threads (one session kept open, one connection
    per message) across several reloads: every message is answered 250 and reaches
    the next hop exactly once."""
    d = make_smtpd({"example.net": sink.addr})
    stop = threading.Event()
    errors, sent = [], {}

    def send(c, tag, n):
        assert c.cmd("MAIL FROM:<s@example.org>").code == 250
        assert c.cmd("RCPT TO:<u@example.net>").code == 250
        assert c.cmd("DATA").code == 354
        r = c.cmd(f"Subject: load\r\nX-Load: {tag}-{n}\r\n\r\nunder load\r\n.".encode())
        assert r.code == 250, r

    def client(tag, keep):
        n, c = 0, None
        try:
            while not stop.is_set():
                c = c or session(d)
                send(c, tag, n)
                n += 1
                if not keep:
                    assert c.cmd("QUIT").code == 221
                    c = None
        except Exception as e:  # a dropped connection or any other reply
            errors.append(f"{tag} message {n}: {e!r}")
        sent[tag] = n

    threads = [threading.Thread(target=client, args=a)
               for a in (("kept", True), ("fresh", False))]
    for t in threads:
        t.start()
    try:
        text = d.config.read_text()
        for i in range(6):
            time.sleep(0.2)
            if i % 2 == 0:
                text += f"\n[domain load{i}.example]\nnext_hop = {sink.addr}\n"
                d.config.write_text(text)
            n = d.log().count("event=reload ")
            os.kill(d.proc.pid, signal.SIGHUP)
            poll("the reload log line", lambda: d.log().count("event=reload ") > n)
        time.sleep(0.2)
    finally:
        stop.set()
        for t in threads:
            t.join(WAIT_MAX)
    assert not errors, errors
    assert "event=reload domains=4" in d.log()
    assert sent["kept"] > 0 and sent["fresh"] > 0, sent
    want = sorted(f"{tag}-{i}" for tag, n in sent.items() for i in range(n))
    sink.wait_messages(len(want))
    time.sleep(0.5)  # a late duplicate would show now
    msgs = sink.messages()
    got = sorted(re.search(rb"X-Load: (\S+)", m["data"]).group(1).decode() for m in msgs)
    assert got == want, "each message once"
