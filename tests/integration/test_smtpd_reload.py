"""test_smtpd_reload.py - SIGHUP makes ecluse-smtpd read its configuration again
(issue 6: multi-domain operation): a domain added to the file is served to the next
connection, a broken file is refused and the running configuration kept, and a
connection open across the reload is not dropped."""

import os
import signal

from harness import poll


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
