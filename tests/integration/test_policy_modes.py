"""test_policy_modes.py - [policy] mode: enforce holds a first-time stranger, monitor
relays it marked with what enforce would have done, off relays it without asking DNS
anything; forged fields are removed in every mode; SIGHUP switches modes."""

import os
import signal
import socket
import threading

import pytest

from dnsserver import dkim_keys, dns  # noqa: F401  (fixtures)
from harness import HOSTNAME, poll, split_received

MESSAGE = (f"Authentication-Results: {HOSTNAME}; dmarc=pass header.from=bank.example\r\n"
           "X-Ecluse-Released: by sender after challenge; id=1\r\n"
           "From: stranger@unknown.test\r\nTo: b@example.net\r\nSubject: hello\r\n"
           "\r\nA first message.\r\n").encode()
FORGED = MESSAGE.split(b"From:")[0]


class DeafDns:
    """A UDP port that counts what it is asked and never answers."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.questions = 0
        self.running = True
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    @property
    def servers(self):
        return "127.0.0.1:%d" % self.sock.getsockname()[1]

    def run(self):
        while self.running:
            try:
                self.sock.recvfrom(4096)
                self.questions += 1
            except socket.timeout:
                pass

    def close(self):
        self.running = False
        self.thread.join()
        self.sock.close()


@pytest.fixture
def deaf_dns():
    d = DeafDns()
    yield d
    d.close()


def send(d, sender="stranger@unknown.test", data=MESSAGE):
    c = d.client()
    c.ehlo("mail.client.test")
    assert c.cmd(f"MAIL FROM:<{sender}>").code == 250
    assert c.cmd("RCPT TO:<b@example.net>").code == 250
    assert c.cmd("DATA").code == 354
    return c.cmd(data + b".")


def mx(make_smtpd, sink, servers, mode):
    return make_smtpd({"example.net": sink.addr},
                      sections={"dns": {"servers": servers, "timeout_ms": 200, "tries": 1},
                                "web": {"base_url": "https://release.test"},
                                "policy": {"mode": mode}})


def test_enforce_holds_a_first_time_stranger(make_smtpd, sink, dns):  # noqa: F811
    r = send(mx(make_smtpd, sink, dns.servers, "enforce"))
    assert r.code == 550 and "https://release.test/r/" in r.lines[0], r
    assert sink.messages() == []


def test_monitor_relays_marked_with_what_enforce_would_do(make_smtpd, sink,
                                                          dns):  # noqa: F811
    d = mx(make_smtpd, sink, dns.servers, "monitor")
    assert send(d).code == 250
    (m,) = sink.wait_messages(1)
    added, rest = split_received(m["data"])
    assert b"\r\nAuthentication-Results: " + HOSTNAME.encode() + b";" in added
    monitor, sep, message = rest.partition(b"\r\n")
    assert monitor.startswith(b"X-Ecluse-Monitor: would hold; score="), rest
    assert message == MESSAGE[len(FORGED):], "the forged fields are removed"


def test_off_relays_without_a_single_dns_question(make_smtpd, sink, deaf_dns):
    """With checks on, a resolver that never answers would make every message wait
    for its timeouts; with them off nothing is asked and nothing is added."""
    d = mx(make_smtpd, sink, deaf_dns.servers, "off")
    for _ in range(3):
        assert send(d).code == 250
    msgs = sink.wait_messages(3)
    for m in msgs:
        added, rest = split_received(m["data"])
        assert b"Authentication-Results" not in added and b"X-Ecluse" not in added
        assert rest == MESSAGE[len(FORGED):], "the forged fields are removed"
    assert deaf_dns.questions == 0
    assert d.log().count('action=relay score=0 reasons="checks off"') == 3


def test_off_still_refuses_what_does_not_depend_on_checks(make_smtpd, sink, deaf_dns):
    d = mx(make_smtpd, sink, deaf_dns.servers, "off")
    c = d.client()
    c.ehlo("mail.client.test")
    assert c.cmd("MAIL FROM:<s@unknown.test>").code == 250
    assert c.cmd("RCPT TO:<u@elsewhere.example>").lines == \
        ["550 5.7.1 <u@elsewhere.example>: relay access denied"]
    assert c.cmd("RCPT TO:<b@example.net>").code == 250
    assert c.cmd("DATA").code == 354
    r = c.cmd(b"Subject: t\r\n\r\nbare\rCR\r\n.")
    assert r.code == 550 and r.text.startswith("5.6.0"), r
    forged = b"".join(f"Authentication-Results: {HOSTNAME}; none\r\n".encode()
                      for _ in range(40))
    assert send(d, data=forged + b"Subject: t\r\n\r\nx\r\n").code == 550
    assert sink.messages() == []


def test_sighup_switches_enforce_to_off_and_back(make_smtpd, sink, dns):  # noqa: F811
    d = mx(make_smtpd, sink, dns.servers, "enforce")
    assert send(d).code == 550
    text = d.config.read_text()
    d.config.write_text(text.replace("mode = enforce", "mode = off"))
    os.kill(d.proc.pid, signal.SIGHUP)
    poll("the reload", lambda: d.log().count("event=reload ") == 1)
    assert send(d).code == 250
    sink.wait_messages(1)
    d.config.write_text(text)
    os.kill(d.proc.pid, signal.SIGHUP)
    poll("the second reload", lambda: d.log().count("event=reload ") == 2)
    assert send(d).code == 550
    assert len(sink.messages()) == 1
