"""ecluse-smtpd relaying in the same transaction to the next hop (tests/sink.py): what
the next hop sees, its replies passed through, the next hop down, slow, refusing or
dropping, and the connection pool. The contract is SMTPD-SPEC.md, "Transaction" (the
next-hop parts) and "Next-hop pool"."""

import email.utils
import re

import pytest

from harness import HOSTNAME, ClosedPort, SilentPort, poll, split_received


def session(d, name="client.test"):
    c = d.client()
    c.ehlo(name)
    return c


def code(r):
    return r.code, r.text.split(" ", 1)[0]


def transaction(c, rcpts=("b@example.net",), sender="a@example.org", params="",
                data=b"Subject: t\r\n\r\nbody\r\n"):
    """One whole transaction; returns the reply to the end of data."""
    assert c.cmd(f"MAIL FROM:<{sender}>{params}").code == 250
    for r in rcpts:
        assert c.cmd(f"RCPT TO:<{r}>").code == 250
    assert c.cmd("DATA").code == 354
    return c.cmd(data + b".")


def transaction_data(c, data=b"Subject: t\r\n\r\nbody\r\n"):
    assert c.cmd("DATA").code == 354
    return c.cmd(data + b".")


# --- what the next hop sees -----------------------------------------------------------

def test_delivered_with_envelope(smtpd, sink):
    c = session(smtpd)
    r = transaction(c, rcpts=["b@example.net", "c@example.net"], sender="s@example.org")
    assert code(r) == (250, "2.0.0"), r
    assert r.text.startswith("2.0.0 OK queued as "), r
    (m,) = sink.wait_messages(1)
    assert m["mail_from"] == "s@example.org"
    assert m["rcpt_to"] == ["b@example.net", "c@example.net"]
    assert m["esmtp"] is True


def test_end_of_data_reply_passes_next_hop_text(smtpd, sink):
    """SPEC: 250 -> client '250 2.0.0 OK queued as ID' (passes next hop's text)."""
    r = transaction(session(smtpd))
    assert code(r) == (250, "2.0.0")
    assert "sink-1" in r.text, "the next hop's queue id (sink-1) is passed to the client"


def test_mail_parameters_mirrored(smtpd, sink):
    c = session(smtpd)
    r = transaction(c, params=" SIZE=500 BODY=8BITMIME SMTPUTF8", sender="ü@example.org",
                    rcpts=["b@example.net"])
    assert r.code == 250
    (m,) = sink.wait_messages(1)
    assert m["mail_from"] == "ü@example.org"
    assert sorted(m["mail_params"]) == ["BODY=8BITMIME", "SIZE=500", "SMTPUTF8"]


def test_mail_parameters_not_sent_to_helo_next_hop(make_sink, make_smtpd):
    s = make_sink("--no-ehlo")
    d = make_smtpd({"example.net": s.addr})
    r = transaction(session(d), params=" SIZE=500 BODY=8BITMIME")
    assert r.code == 250, r
    (m,) = s.wait_messages(1)
    assert m["esmtp"] is False, "the next hop refused EHLO: HELO is used"
    assert m["mail_params"] == [], "HELO next hop: no ESMTP parameters"
    cmds = s.commands()
    assert cmds[0].upper().startswith("EHLO ") and cmds[1].upper().startswith("HELO ")


def test_rcpt_mirrored_in_order(smtpd, sink):
    c = session(smtpd)
    transaction(c, rcpts=["x@example.net", "y@example.net", "z@example.net"])
    sink.wait_messages(1)
    rcpts = [cmd for cmd in sink.commands() if cmd.upper().startswith("RCPT")]
    assert rcpts == ["RCPT TO:<x@example.net>", "RCPT TO:<y@example.net>",
                     "RCPT TO:<z@example.net>"]


def test_received_header(smtpd, sink):
    c = session(smtpd, "client.test")
    transaction(c)
    (m,) = sink.wait_messages(1)
    added, _ = split_received(m["data"])
    received = added.split(b"\r\nAuthentication-Results:")[0] + b"\r\n"
    text = re.sub(r"\r\n[ \t]+", " ", received.decode()).strip()
    pat = (r"Received: from client\.test \((?:\S+ )?\[127\.0\.0\.1\]\) "
           rf"by {re.escape(HOSTNAME)} \(ecluse\) with ESMTP id (\S+) "
           r"for <b@example\.net>; (.+)")
    mm = re.fullmatch(pat, text)
    assert mm, text
    assert email.utils.parsedate_to_datetime(mm.group(2)) is not None


def test_authentication_results_added(smtpd, sink):
    """RFC 8601: one Authentication-Results field with our authserv-id (the hostname
    when [policy] authserv_id is empty), after the Received field."""
    transaction(session(smtpd, "client.test"))
    (m,) = sink.wait_messages(1)
    added, _ = split_received(m["data"])
    text = re.sub(r"\r\n[ \t]+", " ", added.decode())
    assert re.search(rf"\r\nAuthentication-Results: {re.escape(HOSTNAME)}; .*spf=\w+", text), text


def test_forged_authentication_results_removed(smtpd, sink):
    """An incoming Authentication-Results field that claims our authserv-id is a
    forgery of our verdict: removed before relaying. A foreign one is kept."""
    c = session(smtpd, "client.test")
    body = (f"Authentication-Results: {HOSTNAME.upper()}; dkim=pass header.d=bank.example\r\n"
            "Authentication-Results: other.example; spf=pass\r\n"
            "From: a@example.org\r\nSubject: t\r\n\r\nhello\r\n").encode()
    assert transaction(c, data=body).code == 250
    (m,) = sink.wait_messages(1)
    _, rest = split_received(m["data"])
    assert b"bank.example" not in rest
    assert rest == body.replace(f"Authentication-Results: {HOSTNAME.upper()}; dkim=pass header.d=bank.example\r\n".encode(), b"")


def test_forged_ecluse_fields_removed(smtpd, sink):
    """A sender cannot claim that ecluse released (or monitored) its message."""
    c = session(smtpd, "client.test")
    body = (b"X-Ecluse-Released: by sender after challenge; id=1\r\n"
            b"x-ecluse-monitor: would hold\r\n\tfolded\r\n"
            b"From: a@example.org\r\nSubject: t\r\n\r\nX-Ecluse-Released: in the body stays\r\n")
    assert transaction(c, data=body).code == 250
    (m,) = sink.wait_messages(1)
    _, rest = split_received(m["data"])
    assert rest == b"From: a@example.org\r\nSubject: t\r\n\r\nX-Ecluse-Released: in the body stays\r\n"


FORGED_AR = f"Authentication-Results: {HOSTNAME}; dmarc=pass header.from=bank.example\r\n"


@pytest.mark.parametrize("header, reply", [
    # a forged field after a line the header parser cannot read would reach the next
    # hop unread: the whole message is refused instead
    ("From: a@example.org\r\nthis line has no colon\r\n" + FORGED_AR,
     "550 5.6.0 message refused: header line without colon (RFC 5322 2.2)"),
    (" folded: before any field\r\n" + FORGED_AR,
     "550 5.6.0 message refused: header starts with a continuation line (RFC 5322 2.2)"),
    ("From: a@example.org\r\nBad Name: x\r\n" + FORGED_AR,
     "550 5.6.0 message refused: invalid header field name (RFC 5322 2.2)"),
    ("".join(f"X-Pad-{i}: x\r\n" for i in range(1000)) + FORGED_AR,
     "552 5.3.4 message refused: over 1000 header fields"),
    ("".join(f"X-Pad-{i}: {'x' * 900}\r\n" for i in range(300)) + FORGED_AR,
     "552 5.3.4 message refused: header section over 262144 bytes"),
], ids=["no-colon", "continuation-first", "bad-name", "too-many-fields", "too-big"])
def test_unreadable_header_section_refused(smtpd, sink, header, reply):
    c = session(smtpd, "client.test")
    r = transaction(c, data=(header + "Subject: t\r\n\r\nhello\r\n").encode())
    assert r.lines == [reply]
    # the session goes on: the next transaction is relayed
    assert transaction(c).code == 250
    (m,) = sink.wait_messages(1)
    assert b"bank.example" not in m["data"]


def test_headerless_message_relayed(smtpd, sink):
    """No header at all (the message starts with the empty line) is readable: there is
    no field to remove, and the body reaches the next hop as sent."""
    c = session(smtpd, "client.test")
    assert transaction(c, data=b"\r\nonly a body\r\n").code == 250
    (m,) = sink.wait_messages(1)
    assert split_received(m["data"])[1] == b"\r\nonly a body\r\n"

def test_transaction_log_line(smtpd, sink):
    transaction(session(smtpd))
    poll("a transaction log line",
         lambda: re.search(r"event=transaction\b.*\boutcome=\S+", smtpd.log()))


# --- next hop replies passed through --------------------------------------------------

def test_unknown_user_refused_by_next_hop(make_sink, make_smtpd):
    s = make_sink("--rcpt-reject", "^nobody@")
    d = make_smtpd({"example.net": s.addr})
    c = session(d)
    c.cmd("MAIL FROM:<a@example.org>")
    assert c.cmd("RCPT TO:<nobody@example.net>").lines == \
        ["550 5.1.1 <nobody@example.net>: user unknown"]
    assert c.cmd("RCPT TO:<b@example.net>").lines == ["250 2.1.5 OK"]
    assert c.cmd("DATA").code == 354
    assert c.cmd(b"Subject: t\r\n\r\nx\r\n.").code == 250
    (m,) = s.wait_messages(1)
    assert m["rcpt_to"] == ["b@example.net"]


def test_all_recipients_unknown_no_data(make_sink, make_smtpd):
    s = make_sink("--rcpt-reject", ".")
    d = make_smtpd({"example.net": s.addr})
    c = session(d)
    c.cmd("MAIL FROM:<a@example.org>")
    assert c.cmd("RCPT TO:<b@example.net>").code == 550
    assert code(c.cmd("DATA")) == (554, "5.5.1")
    assert c.cmd("QUIT").code == 221
    assert s.all_messages() == []


@pytest.mark.parametrize("reply", ["451 4.3.0 try later", "550 5.7.1 sender refused"])
def test_next_hop_refuses_mail(make_sink, make_smtpd, reply):
    s = make_sink("--mail-reply", reply)
    d = make_smtpd({"example.net": s.addr})
    c = session(d)
    assert c.cmd("MAIL FROM:<a@example.org>").lines == ["250 2.1.0 OK"]
    assert c.cmd("RCPT TO:<b@example.net>").lines == [reply]


@pytest.mark.parametrize("reply", ["452 4.3.1 insufficient system storage",
                                   "554 5.7.1 content refused"])
def test_next_hop_refuses_at_end_of_data(make_sink, make_smtpd, reply):
    s = make_sink("--data-reply", reply)
    d = make_smtpd({"example.net": s.addr})
    c = session(d)
    assert transaction(c).lines == [reply]
    assert c.cmd("NOOP").code == 250, "the session goes on"
    (m,) = s.wait_messages(1, accepted_only=False)
    assert m["accepted"] is False


def test_multiline_next_hop_replies_made_single_line(make_sink, make_smtpd):
    """SPEC: the next hop's reply is passed 'as is (code, enhanced code, text; made
    single-line)'."""
    s = make_sink("--rcpt-reject", "^nobody@", "--data-reply", "554 5.7.1 content refused",
                  "--multiline")
    d = make_smtpd({"example.net": s.addr})
    c = session(d)
    c.cmd("MAIL FROM:<a@example.org>")
    r = c.cmd("RCPT TO:<nobody@example.net>")
    assert len(r.lines) == 1, r
    assert r.last.startswith("550 5.1.1 <nobody@example.net>: user unknown"), r
    assert c.cmd("RCPT TO:<b@example.net>").code == 250
    r = transaction_data(c)
    assert len(r.lines) == 1, r
    assert r.last.startswith("554 5.7.1 content refused"), r


# --- next hop down, slow, dropping ----------------------------------------------------

def test_next_hop_down(make_smtpd):
    down = ClosedPort()
    try:
        d = make_smtpd({"example.net": down.addr})
        c = session(d)
        assert c.cmd("MAIL FROM:<a@example.org>").code == 250
        assert c.cmd("RCPT TO:<b@example.net>").lines == \
            ["451 4.4.1 next hop unavailable, try again later"]
        assert c.cmd("NOOP").code == 250
    finally:
        down.close()


def test_next_hop_silent(make_smtpd):
    """Connects, but never greets: relay_timeout_reply ends the wait."""
    silent = SilentPort()
    try:
        d = make_smtpd({"example.net": silent.addr}, relay_timeout_reply=1,
                       relay_timeout_connect=1)
        c = session(d)
        c.cmd("MAIL FROM:<a@example.org>")
        assert c.cmd("RCPT TO:<b@example.net>").lines == \
            ["451 4.4.1 next hop unavailable, try again later"]
        assert c.cmd("NOOP").code == 250
    finally:
        silent.close()


def test_next_hop_down_then_up(make_sink, make_smtpd):
    """A failed connection is not cached: once the next hop is back, mail flows."""
    s = make_sink()
    d = make_smtpd({"example.net": s.addr})
    s.stop()
    c = session(d)
    c.cmd("MAIL FROM:<a@example.org>")
    r = c.cmd("RCPT TO:<b@example.net>")
    assert code(r) == (451, "4.4.1"), r
    c.cmd("RSET")
    s.start()
    assert transaction(c).code == 250
    assert len(s.wait_messages(1)) == 1


def test_slow_next_hop_within_timeout(make_sink, make_smtpd):
    s = make_sink("--delay", "2")
    d = make_smtpd({"example.net": s.addr}, relay_timeout_data_end=120)
    assert code(transaction(session(d))) == (250, "2.0.0")
    assert len(s.wait_messages(1)) == 1


def test_next_hop_over_data_end_timeout(make_sink, make_smtpd):
    s = make_sink("--delay", "600")
    d = make_smtpd({"example.net": s.addr}, relay_timeout_data_end=1)
    c = session(d)
    r = transaction(c)
    assert code(r) == (451, "4.4.2"), r
    assert "try again later" in r.text
    assert c.cmd("NOOP").code == 250, "the client session goes on"


def test_next_hop_drops_after_data(make_sink, make_smtpd):
    s = make_sink("--drop-after-data")
    d = make_smtpd({"example.net": s.addr})
    c = session(d)
    r = transaction(c)
    assert code(r) == (451, "4.4.2"), r
    assert "try again later" in r.text
    # the next transaction opens a new connection (the dropped one is not reused)
    r = transaction(c)
    assert code(r) == (451, "4.4.2"), r
    assert s.connections() == 2


def test_smtputf8_to_next_hop_without_smtputf8(make_sink, make_smtpd):
    s = make_sink("--no-smtputf8")
    d = make_smtpd({"example.net": s.addr})
    c = session(d)
    assert c.cmd("MAIL FROM:<ü@example.org> SMTPUTF8").code == 250
    assert code(c.cmd("RCPT TO:<b@example.net>")) == (553, "5.6.7")
    assert s.all_messages() == []


def test_ascii_transaction_to_next_hop_without_smtputf8(make_sink, make_smtpd):
    s = make_sink("--no-smtputf8")
    d = make_smtpd({"example.net": s.addr})
    assert transaction(session(d), params=" BODY=8BITMIME").code == 250
    (m,) = s.wait_messages(1)
    assert m["mail_params"] == ["BODY=8BITMIME"]


# --- the pool -------------------------------------------------------------------------

def test_connection_reuse_across_client_sessions(smtpd, sink):
    n = 5
    for i in range(n):
        c = session(smtpd)
        assert transaction(c, sender=f"s{i}@example.org").code == 250
        assert c.cmd("QUIT").code == 221
    msgs = sink.wait_messages(n)
    assert len(msgs) == n
    assert sink.connections() < n, f"{sink.connections()} next-hop connections for {n} mails"
    assert max(m["transaction"] for m in msgs) > 1


def test_connection_reuse_within_session(smtpd, sink):
    c = session(smtpd)
    for i in range(4):
        assert transaction(c, sender=f"s{i}@example.org").code == 250
    msgs = sink.wait_messages(4)
    assert [m["mail_from"] for m in msgs] == [f"s{i}@example.org" for i in range(4)]
    assert sink.connections() < 4


def test_pool_disabled(make_smtpd, sink):
    d = make_smtpd({"example.net": sink.addr}, relay_pool_idle=0)
    for i in range(3):
        c = session(d)
        assert transaction(c).code == 250
        c.cmd("QUIT")
    sink.wait_messages(3)
    assert sink.connections() == 3, "relay_pool_idle = 0 keeps no idle connection"


def test_pool_idle_timeout_closes(make_smtpd, sink):
    d = make_smtpd({"example.net": sink.addr}, relay_pool_idle_timeout=1)
    c = session(d)
    assert transaction(c).code == 250
    poll("the idle next-hop connection to be closed",
         lambda: sink.transcripts()[0].endswith("closed\n"))
    assert transaction(c).code == 250, "a new connection after the idle one was closed"
    assert sink.connections() == 2


def test_pool_keeps_at_most_relay_pool_idle(make_smtpd, sink):
    d = make_smtpd({"example.net": sink.addr}, relay_pool_idle=1)
    clients = [session(d) for _ in range(3)]
    for i, c in enumerate(clients):     # three transactions open at once: three hops
        c.cmd(f"MAIL FROM:<s{i}@example.org>")
        assert c.cmd(f"RCPT TO:<r{i}@example.net>").code == 250
    assert sink.connections() == 3
    for c in clients:
        assert c.cmd("DATA").code == 354
        assert c.cmd(b"Subject: t\r\n\r\nx\r\n.").code == 250
    sink.wait_messages(3)
    poll("two of three next-hop connections closed (relay_pool_idle = 1)",
         lambda: sum(t.endswith("closed\n") for t in sink.transcripts()) == 2)
    for i in range(2):
        assert transaction(clients[0], sender=f"again{i}@example.org").code == 250
    assert sink.connections() == 3, "the one idle connection is reused"


def test_concurrent_sessions_no_crosstalk(smtpd, sink):
    clients = [session(smtpd, f"client{i}.test") for i in range(4)]
    for i, c in enumerate(clients):
        assert c.cmd(f"MAIL FROM:<s{i}@example.org>").code == 250
    for i, c in enumerate(clients):
        assert c.cmd(f"RCPT TO:<r{i}@example.net>").code == 250
    for c in clients:
        assert c.cmd("DATA").code == 354
    for i, c in reversed(list(enumerate(clients))):
        c.send(f"Subject: from {i}\r\n\r\nbody {i}\r\n".encode())
    for i, c in enumerate(clients):
        assert c.cmd(b".").code == 250
    msgs = sink.wait_messages(4)
    seen = set()
    for m in msgs:
        i = int(m["mail_from"][1])
        assert m["rcpt_to"] == [f"r{i}@example.net"]
        assert split_received(m["data"])[1] == f"Subject: from {i}\r\n\r\nbody {i}\r\n".encode()
        assert f"from client{i}.test " in split_received(m["data"])[0].decode()
        seen.add(i)
    assert seen == {0, 1, 2, 3}


def test_rset_after_aborted_transaction_on_reused_connection(smtpd, sink):
    c = session(smtpd)
    c.cmd("MAIL FROM:<aborted@example.org>")
    assert c.cmd("RCPT TO:<b@example.net>").code == 250
    assert c.cmd("RSET").code == 250
    assert transaction(c, sender="second@example.org").code == 250
    (m,) = sink.wait_messages(1)
    assert m["mail_from"] == "second@example.org"
    cmds = [x.upper() for x in sink.commands()]
    if sink.connections() == 1:
        i = cmds.index("MAIL FROM:<SECOND@EXAMPLE.ORG>")
        assert "RSET" in cmds[cmds.index("MAIL FROM:<ABORTED@EXAMPLE.ORG>"):i]


def test_client_quits_mid_transaction_then_reuse(smtpd, sink):
    c = session(smtpd)
    c.cmd("MAIL FROM:<aborted@example.org>")
    assert c.cmd("RCPT TO:<b@example.net>").code == 250
    c.cmd("QUIT")
    assert c.is_closed()
    c = session(smtpd)
    assert transaction(c, sender="second@example.org").code == 250
    (m,) = sink.wait_messages(1)
    assert m["mail_from"] == "second@example.org"


def test_client_drops_mid_transaction_then_reuse(smtpd, sink):
    """The client closes without QUIT while the next hop holds its MAIL and RCPT."""
    c = session(smtpd)
    c.cmd("MAIL FROM:<dropped@example.org>")
    assert c.cmd("RCPT TO:<b@example.net>").code == 250
    c.close()
    c = session(smtpd)
    assert transaction(c, sender="second@example.org").code == 250
    (m,) = sink.wait_messages(1)
    assert m["mail_from"] == "second@example.org"


def test_pooled_connection_closed_by_next_hop_is_replaced(smtpd, sink):
    c = session(smtpd)
    assert transaction(c).code == 250
    sink.wait_messages(1)
    sink.restart()            # the pooled connection is now closed by the next hop
    assert transaction(c, sender="after@example.org").code == 250
    msgs = sink.wait_messages(2)
    assert msgs[-1]["mail_from"] == "after@example.org"
