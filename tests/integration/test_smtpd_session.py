"""ecluse-smtpd session commands: greeting, EHLO/HELO, NOOP, RSET, VRFY, EXPN, HELP, QUIT,
unknown and unimplemented commands, malformed command lines, pipelining.
The contract is SMTPD-SPEC.md, "Greeting, session"."""

import pytest

from harness import HOSTNAME

BASE_KEYWORDS = {"PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES", "SMTPUTF8", "HELP"}


def keywords(reply):
    """The EHLO keywords (every line after the first), as a set."""
    return {line[4:] for line in reply.lines[1:]}


def test_greeting(smtpd):
    c = smtpd.client()
    assert c.greeting.lines == [f"220 {HOSTNAME} ESMTP ecluse"]


def test_ehlo_keywords(make_smtpd, sink):
    d = make_smtpd({"example.net": sink.addr}, max_message_size="2M")
    r = d.client().cmd("EHLO client.test")
    assert r.code == 250
    assert r.lines[0] == f"250-{HOSTNAME}"
    assert keywords(r) == BASE_KEYWORDS | {"SIZE 2097152"}, "no STARTTLS without tls_cert"


def test_ehlo_default_size(smtpd):
    r = smtpd.client().cmd("EHLO client.test")
    assert f"SIZE {10 * 1024 * 1024}" in keywords(r)


def test_helo(smtpd):
    c = smtpd.client()
    assert c.cmd("HELO client.test").lines == [f"250 {HOSTNAME}"]


@pytest.mark.parametrize("verb", ["EHLO", "HELO"])
def test_helo_without_argument(smtpd, verb):
    r = smtpd.client().cmd(verb)
    assert (r.code, r.text[:5]) == (501, "5.5.4"), r


def test_helo_then_mail_allowed(smtpd):
    c = smtpd.client()
    c.cmd("HELO client.test")
    assert c.cmd("MAIL FROM:<a@example.org>").lines == ["250 2.1.0 OK"]


def test_noop(smtpd):
    c = smtpd.client()
    assert c.cmd("NOOP").lines == ["250 2.0.0 OK"]
    c.ehlo()
    assert c.cmd("NOOP").lines == ["250 2.0.0 OK"]


def test_rset_ends_transaction(smtpd, sink):
    c = smtpd.client()
    c.ehlo()
    assert c.cmd("MAIL FROM:<first@example.org>").code == 250
    assert c.cmd("RCPT TO:<first@example.net>").code == 250
    assert c.cmd("RSET").lines == ["250 2.0.0 OK"]
    r = c.cmd("RCPT TO:<b@example.net>")
    assert (r.code, r.text[:5]) == (503, "5.5.1"), "RCPT after RSET needs a new MAIL"
    assert c.cmd("MAIL FROM:<second@example.org>").code == 250
    assert c.cmd("RCPT TO:<second@example.net>").code == 250
    assert c.cmd("DATA").code == 354
    assert c.cmd(b"Subject: x\r\n\r\nbody\r\n.").code == 250
    (m,) = sink.wait_messages(1)
    assert (m["mail_from"], m["rcpt_to"]) == ("second@example.org", ["second@example.net"])


@pytest.mark.parametrize("verb", ["EHLO", "HELO"])
def test_helo_again_resets_transaction(smtpd, sink, verb):
    """RFC 5321 4.1.4: a later EHLO/HELO resets the state as RSET does."""
    c = smtpd.client()
    c.ehlo()
    c.cmd("MAIL FROM:<a@example.org>")
    assert c.cmd("RCPT TO:<b@example.net>").code == 250
    assert c.cmd(f"{verb} client.test").code == 250
    assert (c.cmd("RCPT TO:<c@example.net>").code) == 503
    assert c.cmd("MAIL FROM:<new@example.org>").code == 250, "no nested MAIL after the reset"


def test_quit(smtpd):
    c = smtpd.client()
    assert c.cmd("QUIT").lines == ["221 2.0.0 Bye"]
    assert c.is_closed()


def test_quit_inside_transaction(smtpd, sink):
    c = smtpd.client()
    c.ehlo()
    c.cmd("MAIL FROM:<a@example.org>")
    c.cmd("RCPT TO:<b@example.net>")
    assert c.cmd("QUIT").lines == ["221 2.0.0 Bye"]
    assert c.is_closed()
    assert sink.messages() == []


def test_vrfy(smtpd):
    r = smtpd.client().cmd("VRFY b@example.net")
    assert (r.code, r.text[:5]) == (252, "2.5.0"), r


def test_expn(smtpd):
    r = smtpd.client().cmd("EXPN staff")
    assert (r.code, r.text[:5]) == (502, "5.5.1"), r


def test_help(smtpd):
    r = smtpd.client().cmd("HELP")
    assert (r.code, r.text[:5]) == (214, "2.0.0"), r


@pytest.mark.parametrize("line", ["FOO", "XYZZY bar", "EHLOX client.test", "NOOPS"])
def test_unknown_command(smtpd, line):
    r = smtpd.client().cmd(line)
    assert (r.code, r.text[:5]) == (500, "5.5.2"), r


@pytest.mark.parametrize("line", ["BDAT 10 LAST", "AUTH PLAIN AGJvYgBzZWNyZXQ=",
                                  "ETRN example.net", "TURN"])
def test_unimplemented_command(smtpd, line):
    c = smtpd.client()
    c.ehlo()
    r = c.cmd(line)
    assert (r.code, r.text[:5]) == (502, "5.5.1"), r
    assert c.cmd("NOOP").code == 250, "the session goes on"


def test_commands_case_insensitive(smtpd):
    c = smtpd.client()
    assert c.cmd("ehlo client.test").code == 250
    assert c.cmd("mail from:<a@example.org>").lines == ["250 2.1.0 OK"]
    assert c.cmd("noop").lines == ["250 2.0.0 OK"]


# --- malformed command lines ----------------------------------------------------------

def test_command_line_at_limit(smtpd):
    """512 octets including CRLF is the RFC 5321 4.5.3.1.4 limit: accepted."""
    line = "NOOP " + "x" * (510 - 5)
    assert len(line) + 2 == 512
    assert smtpd.client().cmd(line).lines == ["250 2.0.0 OK"]


def test_command_line_over_limit(smtpd):
    c = smtpd.client()
    line = "NOOP " + "x" * (511 - 5)
    assert len(line) + 2 == 513
    assert c.cmd(line).lines == ["500 5.5.2 line too long"]
    assert c.cmd("NOOP").lines == ["250 2.0.0 OK"], "the session goes on"


def test_long_line_discarded_up_to_crlf(smtpd):
    """Everything up to the next CRLF is discarded: one error, then the next command,
    even when the discarded part looks like commands."""
    c = smtpd.client()
    c.ehlo()
    junk = b"NOOP " + b"y" * 600 + b"\r" + b"MAIL FROM:<x@example.org>" + b"z" * 100000
    c.send(junk + b"\r\nNOOP\r\n")
    assert c.reply().lines == ["500 5.5.2 line too long"]
    assert c.reply().lines == ["250 2.0.0 OK"]
    r = c.cmd("RCPT TO:<b@example.net>")
    assert r.code == 503, "the MAIL inside the discarded line must not have started a transaction"


def test_command_bare_lf(smtpd):
    c = smtpd.client()
    c.send(b"NOOP\n")
    r = c.reply()
    assert (r.code, r.text[:5]) == (500, "5.5.2"), r
    assert c.cmd("NOOP").lines == ["250 2.0.0 OK"]


@pytest.mark.parametrize("line", [b"NO\rOP", b"NOOP \rx", b"NO\x00OP", b"NOOP\x00"],
                         ids=["cr-inside", "cr-arg", "nul-inside", "nul-end"])
def test_command_bare_cr_or_nul(smtpd, line):
    c = smtpd.client()
    r = c.cmd(line)
    assert (r.code, r.text[:5]) == (500, "5.5.2"), r
    assert c.cmd("NOOP").lines == ["250 2.0.0 OK"]


def test_mail_with_bare_cr_not_accepted(smtpd, sink):
    c = smtpd.client()
    c.ehlo()
    r = c.cmd(b"MAIL FROM:<a@example.org>\r RCPT TO:<b@example.net>")
    assert (r.code, r.text[:5]) == (500, "5.5.2"), r
    assert c.cmd("RCPT TO:<b@example.net>").code == 503


# --- pipelining -----------------------------------------------------------------------

def test_pipelined_session_commands_in_order(smtpd):
    c = smtpd.client()
    c.ehlo()
    c.send(b"NOOP\r\nFOO\r\nVRFY x@example.net\r\nHELP\r\nRSET\r\nQUIT\r\n")
    codes = [r.code for r in c.replies(6)]
    assert codes == [250, 500, 252, 214, 250, 221]
    assert c.is_closed()


def test_pipelined_transaction_in_order(make_sink, make_smtpd):
    """Replies from the next hop (which come later) and local ones stay in order."""
    sink = make_sink("--rcpt-reject", "^nobody@")
    d = make_smtpd({"example.net": sink.addr})
    c = d.client()
    c.ehlo()
    c.send(b"MAIL FROM:<a@example.org>\r\n"
           b"RCPT TO:<b@example.net>\r\n"
           b"RCPT TO:<u@relay-target.example>\r\n"
           b"RCPT TO:<nobody@example.net>\r\n"
           b"RCPT TO:<c@example.net>\r\n"
           b"NOOP\r\n"
           b"DATA\r\n")
    rs = c.replies(7)
    assert [r.code for r in rs] == [250, 250, 550, 550, 250, 250, 354], rs
    assert rs[2].lines == ["550 5.7.1 <u@relay-target.example>: relay access denied"]
    assert rs[3].lines == ["550 5.1.1 <nobody@example.net>: user unknown"]
    c.send(b"Subject: pipelined\r\n\r\nbody\r\n.\r\nMAIL FROM:<d@example.org>\r\n"
           b"RCPT TO:<e@example.net>\r\nDATA\r\n")
    rs = c.replies(4)
    assert [r.code for r in rs] == [250, 250, 250, 354], rs
    c.send(b"Subject: second\r\n\r\nbody\r\n.\r\nQUIT\r\n")
    rs = c.replies(2)
    assert [r.code for r in rs] == [250, 221], rs
    m1, m2 = sink.wait_messages(2)
    assert m1["rcpt_to"] == ["b@example.net", "c@example.net"]
    assert (m2["mail_from"], m2["rcpt_to"]) == ("d@example.org", ["e@example.net"])


def test_pipelined_quit_waits_for_slow_next_hop(make_sink, make_smtpd):
    sink = make_sink("--delay", "1")
    d = make_smtpd({"example.net": sink.addr})
    c = d.client()
    c.ehlo()
    c.send(b"MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n")
    assert [r.code for r in c.replies(3)] == [250, 250, 354]
    c.send(b"Subject: slow\r\n\r\nbody\r\n.\r\nQUIT\r\n")
    rs = c.replies(2)
    assert [r.code for r in rs] == [250, 221], rs
    assert c.is_closed()
    assert len(sink.wait_messages(1)) == 1


def test_pipelined_ehlo_mail_in_one_write(smtpd):
    c = smtpd.client()
    c.send(b"EHLO client.test\r\nMAIL FROM:<a@example.org>\r\nNOOP\r\n")
    rs = c.replies(3)
    assert [r.code for r in rs] == [250, 250, 250]
    assert rs[0].lines[0] == f"250-{HOSTNAME}"
    assert rs[1].lines == ["250 2.1.0 OK"]
