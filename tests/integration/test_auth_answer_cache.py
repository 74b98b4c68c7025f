"""test_auth_answer_cache.py - ecluse-smtpd keeps DNS answers across messages for their
TTL (auth/answer_cache.h): with its DNS server frozen, a second message from the same
sender is still checked from what the first one learned; an answer whose TTL ran out
is asked again (and, the server being frozen, times out: temperror)."""

import os
import re
import signal
import time

import pytest

from dnsserver import NsdServer, ZONES

ZONE = """$ORIGIN cache.test.
$TTL 300
@       IN SOA  ns hostmaster 1 3600 600 86400 300
@       IN NS   ns
ns      IN A    127.0.0.1
long    300 IN TXT "v=spf1 ip4:127.0.0.0/8 -all"
short   1   IN TXT "v=spf1 ip4:127.0.0.0/8 -all"
"""


@pytest.fixture
def own_dns():
    """An nsd of this test's own: it is frozen, and others must not notice."""
    with NsdServer({".": (ZONES / "root.zone").read_text(), "cache.test.": ZONE}) as s:
        yield s


def process_tree(pid):
    """pid and its descendants (nsd's server is the grandchild of the process started)."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = open(f"/proc/{entry}/stat").read()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def signal_tree(pid, sig):
    for p in process_tree(pid):
        os.kill(p, sig)


def auth_line(d, n):
    """The SPF result of the n-th checked message (1-based), waiting for it."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = re.findall(r"event=auth spf=(\w+)", d.log())
        if len(found) >= n:
            return found[n - 1]
        time.sleep(0.05)
    raise AssertionError(f"no event=auth line #{n}:\n{d.log()}")


def send(d, sender):
    c = d.client()
    c.ehlo("mail.client.test")
    assert c.cmd(f"MAIL FROM:<{sender}>").code == 250
    assert c.cmd("RCPT TO:<b@example.net>").code == 250
    assert c.cmd("DATA").code == 354
    r = c.cmd(f"From: {sender}\r\nSubject: t\r\n\r\nx\r\n.".encode())
    c.cmd("QUIT")
    return r


def test_answers_outlive_the_message_until_their_ttl(make_smtpd, sink, own_dns):
    d = make_smtpd({"example.net": sink.addr},
                   sections={"dns": {"servers": own_dns.servers, "timeout_ms": 300,
                                     "tries": 1}})
    send(d, "a@long.cache.test")
    send(d, "a@short.cache.test")
    send(d, "a@nowhere.cache.test")
    assert [auth_line(d, i) for i in (1, 2, 3)] == ["pass", "pass", "none"]
    assert len(process_tree(own_dns.proc.pid)) >= 2
    signal_tree(own_dns.proc.pid, signal.SIGSTOP)
    try:
        time.sleep(1.5)         # the 1 s TTL runs out; the others (300 s) do not
        send(d, "b@long.cache.test")
        send(d, "b@nowhere.cache.test")     # NXDOMAIN kept for the SOA's 300 s
        send(d, "b@short.cache.test")
        assert [auth_line(d, i) for i in (4, 5, 6)] == ["pass", "none", "temperror"]
    finally:
        signal_tree(own_dns.proc.pid, signal.SIGCONT)
    # the server back: the expired answer is asked again and kept again
    send(d, "c@short.cache.test")
    assert auth_line(d, 7) == "pass"
