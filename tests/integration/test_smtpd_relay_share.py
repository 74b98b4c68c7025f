"""test_smtpd_relay_share.py - next-hop connections are shared fairly among clients.

A client in a transaction holds one of its next hop's connections (relay_max_connections
in all) for as long as the transaction lasts. Without a share, a few client addresses
holding many transactions open (a NOOP every few minutes, a trickle in DATA) took every
connection to a next hop, and everyone else got "451 4.4.5" (SMTPD-SPEC.md, next-hop
pool). relay_max_connections_per_client bounds what one client address holds at once;
timeout_transaction bounds how long any transaction may hold one.
"""

import time

from harness import HOSTNAME, Client, message, dot_stuff


def code(r):
    return r.code, r.lines[-1][4:9]


def open_tx(c):
    """MAIL and RCPT: the session now holds a next-hop connection; returns the RCPT reply."""
    c.ehlo()
    assert c.cmd("MAIL FROM:<a@example.org>").code == 250
    return c.cmd("RCPT TO:<b@example.net>")


def test_one_client_gets_only_its_share(make_smtpd, sink):
    d = make_smtpd({"example.net": sink.addr}, relay_max_connections=4,
                   relay_max_connections_per_client=2)
    a1, a2, a3 = d.client(), d.client(), d.client()
    assert open_tx(a1).code == 250
    assert open_tx(a2).code == 250
    r = open_tx(a3)
    assert code(r) == (451, "4.4.5"), f"a third transaction from one address: {r}"
    # another address still finds connections to the same next hop
    b = Client(d.port, source="127.0.0.2")
    assert open_tx(b).code == 250
    # the refusal was for that transaction only: the session goes on
    assert a3.cmd("RSET").code == 250
    # the holders deliver; a freed connection is this address's again
    assert a1.cmd("DATA").code == 354
    assert a1.cmd(dot_stuff(message()) + b".").code == 250
    assert open_tx(a3).code == 250
    for c in (a2, a3, b):
        assert c.cmd("DATA").code == 354
        assert c.cmd(dot_stuff(message()) + b".").code == 250
    assert len(sink.wait_messages(4)) == 4


def test_transaction_deadline_frees_the_next_hop(make_smtpd, sink):
    """A client that keeps its transaction alive with a NOOP before every command
    timeout holds its next-hop connection no longer than timeout_transaction."""
    d = make_smtpd({"example.net": sink.addr}, relay_max_connections=1,
                   timeout_transaction=2, timeout_command=2)
    c = d.client()
    assert open_tx(c).code == 250
    other = Client(d.port, source="127.0.0.2")
    assert code(open_tx(other)) == (451, "4.4.5"), "the one connection is held"
    assert other.cmd("RSET").code == 250
    r = None
    for _ in range(40):
        time.sleep(0.5)
        try:
            c.send(b"NOOP\r\n")
        except (BrokenPipeError, ConnectionResetError):
            break
        r = c.reply()
        if r.code != 250:
            break
    assert r is not None and code(r) == (421, "4.4.2") and "timeout" in r.text, r
    assert r.last.startswith(f"421 4.4.2 {HOSTNAME} transaction timeout"), r
    assert c.is_closed()
    other = Client(d.port, source="127.0.0.2")     # the first one timed out meanwhile
    assert open_tx(other).code == 250, "the connection was given back"
    assert other.cmd("DATA").code == 354
    assert other.cmd(dot_stuff(message()) + b".").code == 250
    assert len(sink.wait_messages(1)) == 1
