"""ecluse-smtpd transaction commands: MAIL, RCPT, DATA sequence and syntax, served
domains, recipient count, and the one-next-hop-per-transaction rule (452 4.5.3).
The contract is SMTPD-SPEC.md, "Transaction"."""

import pytest


def session(smtpd):
    c = smtpd.client()
    c.ehlo()
    return c


def code(r):
    """(basic code, enhanced code) of a reply."""
    return r.code, r.text.split(" ", 1)[0]


def send_message(c, data=b"Subject: t\r\n\r\nbody\r\n"):
    r = c.cmd("DATA")
    assert r.code == 354, r
    return c.cmd(data + b".")


# --- MAIL -----------------------------------------------------------------------------

def test_mail_before_helo(smtpd):
    c = smtpd.client()
    assert code(c.cmd("MAIL FROM:<a@example.org>")) == (503, "5.5.1")


def test_mail_inside_transaction(smtpd):
    c = session(smtpd)
    assert c.cmd("MAIL FROM:<a@example.org>").code == 250
    assert code(c.cmd("MAIL FROM:<b@example.org>")) == (503, "5.5.1")


def test_mail_answered_locally(smtpd, sink):
    c = session(smtpd)
    assert c.cmd("MAIL FROM:<a@example.org>").lines == ["250 2.1.0 OK"]
    assert c.cmd("NOOP").code == 250
    assert sink.connections() == 0, "the next hop is not known before the first RCPT"


@pytest.mark.parametrize("line", ["MAIL", "MAIL FROM", "MAIL TO:<a@example.org>",
                                  "MAIL FRM:<a@example.org>"])
def test_mail_syntax_error(smtpd, line):
    assert code(session(smtpd).cmd(line)) == (501, "5.5.4")


@pytest.mark.parametrize("path", ["a@", "@example.org", "a@@example.org", "a@example..org",
                                  "a@.example.org", "a..b@example.org"])
def test_mail_bad_path(smtpd, path):
    assert code(session(smtpd).cmd(f"MAIL FROM:<{path}>")) == (501, "5.1.7")


def test_mail_unqualified_sender(smtpd):
    assert code(session(smtpd).cmd("MAIL FROM:<spamtest>")) == (501, "5.1.7")


def test_mail_null_sender(smtpd, sink):
    c = session(smtpd)
    assert c.cmd("MAIL FROM:<>").lines == ["250 2.1.0 OK"]
    assert c.cmd("RCPT TO:<b@example.net>").code == 250
    assert send_message(c).code == 250
    (m,) = sink.wait_messages(1)
    assert m["mail_from"] == ""


@pytest.mark.parametrize("params", ["SIZE=1000", "BODY=7BIT", "BODY=8BITMIME", "SMTPUTF8",
                                    "SIZE=1000 BODY=8BITMIME SMTPUTF8", "body=8bitmime",
                                    "SIZE=0"])
def test_mail_parameters_accepted(smtpd, params):
    assert session(smtpd).cmd(f"MAIL FROM:<a@example.org> {params}").lines == \
        ["250 2.1.0 OK"]


@pytest.mark.parametrize("params", ["FOO=BAR", "RET=HDRS", "ENVID=x", "AUTH=<>",
                                    "SIZE=1000 XYZ"])
def test_mail_unknown_parameter(smtpd, params):
    assert code(session(smtpd).cmd(f"MAIL FROM:<a@example.org> {params}")) == (555, "5.5.4")


@pytest.mark.parametrize("params", ["BODY=BINARYMIME", "BODY=", "SIZE=abc", "SIZE=",
                                    "SIZE=-1", "SIZE=18446744073709551617",
                                    "SIZE=99999999999999999999999", "SMTPUTF8=yes"])
def test_mail_bad_parameter_value(smtpd, params):
    """A known parameter with a bad value is refused (SPEC is silent on the code: 501
    or 555, both with 5.5.4); a SIZE that overflows 64 bits must not wrap to a small
    number and pass."""
    r = session(smtpd).cmd(f"MAIL FROM:<a@example.org> {params}")
    assert r.code in (501, 555) and r.text[:5] == "5.5.4", r


def test_mail_size_over_max(make_smtpd, sink):
    d = make_smtpd({"example.net": sink.addr}, max_message_size="64K")
    c = session(d)
    assert code(c.cmd(f"MAIL FROM:<a@example.org> SIZE={64 * 1024 + 1}")) == (552, "5.3.4")
    assert c.cmd(f"MAIL FROM:<a@example.org> SIZE={64 * 1024}").code == 250


# --- RCPT -----------------------------------------------------------------------------

def test_rcpt_before_mail(smtpd):
    c = session(smtpd)
    assert code(c.cmd("RCPT TO:<b@example.net>")) == (503, "5.5.1")


@pytest.mark.parametrize("line", ["RCPT", "RCPT TO", "RCPT FROM:<b@example.net>",
                                  "RCPT TO <b@example.net>"])
def test_rcpt_command_syntax_error(smtpd, sink, line):
    """SPEC says 'RCPT ... Syntax error: 501 5.1.3'; for a malformed command (not an
    address) this follows MAIL's split: 501 5.5.4 (RFC 3463 X.5.4)."""
    c = session(smtpd)
    c.cmd("MAIL FROM:<a@example.org>")
    assert code(c.cmd(line)) == (501, "5.5.4")


@pytest.mark.parametrize("line", ["RCPT TO:", "RCPT TO:<b@example.net",
                                  "RCPT TO:<b@example..net>", "RCPT TO:<b@.example.net>",
                                  "RCPT TO:<b..c@example.net>"])
def test_rcpt_address_syntax_error(smtpd, sink, line):
    c = session(smtpd)
    c.cmd("MAIL FROM:<a@example.org>")
    assert code(c.cmd(line)) == (501, "5.1.3")
    assert sink.connections() == 0


def test_rcpt_null_path_refused(smtpd, sink):
    """<> is both a syntax error and 'no domain' in SPEC terms: either refusal."""
    c = session(smtpd)
    c.cmd("MAIL FROM:<a@example.org>")
    assert code(c.cmd("RCPT TO:<>")) in [(501, "5.1.3"), (550, "5.7.1")]
    assert sink.connections() == 0


@pytest.mark.parametrize("rcpt", ["u@relay-target.example", "u@sub.example.net",
                                  "u@example.net.example", "u@xexample.net", "u@net"])
def test_rcpt_domain_not_served(smtpd, sink, rcpt):
    c = session(smtpd)
    c.cmd("MAIL FROM:<a@example.org>")
    assert c.cmd(f"RCPT TO:<{rcpt}>").lines == [f"550 5.7.1 <{rcpt}>: relay access denied"]
    assert code(c.cmd("DATA"))[0] == 554
    assert sink.connections() == 0


@pytest.mark.parametrize("rcpt", ["b@EXAMPLE.NET", "b@Example.Net"])
def test_rcpt_domain_case(smtpd, sink, rcpt):
    c = session(smtpd)
    c.cmd("MAIL FROM:<a@example.org>")
    assert c.cmd(f"RCPT TO:<{rcpt}>").code == 250
    assert send_message(c).code == 250
    (m,) = sink.wait_messages(1)
    assert m["rcpt_to"] == [rcpt], "the next hop sees the RCPT the client sent"


def test_rcpt_trailing_dot_refused(smtpd, sink):
    """RFC 5321 4.1.2: Domain has no trailing dot; relaying it as is would hand the
    next hop an address it may read differently."""
    c = session(smtpd)
    c.cmd("MAIL FROM:<a@example.org>")
    assert code(c.cmd("RCPT TO:<b@example.net.>")) == (501, "5.1.3")


def test_rcpt_refusal_keeps_transaction(smtpd, sink):
    c = session(smtpd)
    c.cmd("MAIL FROM:<a@example.org>")
    assert c.cmd("RCPT TO:<u@relay-target.example>").code == 550
    assert c.cmd("RCPT TO:<b@example.net>").code == 250
    assert send_message(c).code == 250
    (m,) = sink.wait_messages(1)
    assert m["rcpt_to"] == ["b@example.net"]


def test_too_many_recipients(make_smtpd, sink):
    d = make_smtpd({"example.net": sink.addr}, max_recipients=3)
    c = session(d)
    c.cmd("MAIL FROM:<a@example.org>")
    for i in range(3):
        assert c.cmd(f"RCPT TO:<r{i}@example.net>").code == 250
    r = c.cmd("RCPT TO:<r3@example.net>")
    assert code(r) == (452, "4.5.3")
    assert "too many recipients" in r.text
    assert send_message(c).code == 250
    (m,) = sink.wait_messages(1)
    assert m["rcpt_to"] == ["r0@example.net", "r1@example.net", "r2@example.net"]
    assert "RCPT TO:<r3@example.net>" not in sink.commands()


def test_max_recipients_counts_per_transaction(make_smtpd, sink):
    d = make_smtpd({"example.net": sink.addr}, max_recipients=2)
    c = session(d)
    for t in range(2):
        c.cmd(f"MAIL FROM:<a{t}@example.org>")
        assert c.cmd(f"RCPT TO:<x{t}@example.net>").code == 250
        assert c.cmd(f"RCPT TO:<y{t}@example.net>").code == 250
        assert send_message(c).code == 250
    assert len(sink.wait_messages(2)) == 2


# --- one next hop per transaction -----------------------------------------------------

def test_different_next_hop_gets_452(make_sink, make_smtpd):
    net, com = make_sink(), make_sink()
    d = make_smtpd({"example.net": net.addr, "example.com": com.addr})
    c = session(d)
    c.cmd("MAIL FROM:<a@example.org>")
    assert c.cmd("RCPT TO:<b@example.net>").code == 250
    r = c.cmd("RCPT TO:<c@example.com>")
    assert code(r) == (452, "4.5.3"), r
    assert "another transaction" in r.text
    assert c.cmd("RCPT TO:<d@example.net>").code == 250, "same next hop still accepted"
    assert send_message(c).code == 250
    # The client sends the deferred recipient in its next transaction.
    c.cmd("MAIL FROM:<a@example.org>")
    assert c.cmd("RCPT TO:<c@example.com>").code == 250
    assert send_message(c).code == 250
    (m,) = net.wait_messages(1)
    assert m["rcpt_to"] == ["b@example.net", "d@example.net"]
    (m,) = com.wait_messages(1)
    assert m["rcpt_to"] == ["c@example.com"]
    assert "RCPT TO:<c@example.com>" not in net.commands()


def test_next_hop_fixed_by_first_accepted_recipient(make_sink, make_smtpd):
    """SPEC: the hop is the one of the first *accepted* recipient: a first recipient the
    next hop refused does not bind the transaction to that hop."""
    net, com = make_sink("--rcpt-reject", "^nobody@"), make_sink()
    d = make_smtpd({"example.net": net.addr, "example.com": com.addr})
    c = session(d)
    c.cmd("MAIL FROM:<a@example.org>")
    assert c.cmd("RCPT TO:<nobody@example.net>").code == 550
    assert c.cmd("RCPT TO:<c@example.com>").code == 250
    assert code(c.cmd("RCPT TO:<b@example.net>")) == (452, "4.5.3")
    assert send_message(c).code == 250
    (m,) = com.wait_messages(1)
    assert m["rcpt_to"] == ["c@example.com"]
    assert net.all_messages() == []


def test_same_next_hop_two_domains_one_transaction(make_sink, make_smtpd):
    s = make_sink()
    d = make_smtpd({"example.net": s.addr, "example.com": s.addr})
    c = session(d)
    c.cmd("MAIL FROM:<a@example.org>")
    assert c.cmd("RCPT TO:<b@example.net>").code == 250
    assert c.cmd("RCPT TO:<c@example.com>").code == 250
    assert send_message(c).code == 250
    (m,) = s.wait_messages(1)
    assert m["rcpt_to"] == ["b@example.net", "c@example.com"]


# --- DATA -----------------------------------------------------------------------------

def test_data_without_valid_recipient(smtpd, sink):
    c = session(smtpd)
    c.cmd("MAIL FROM:<a@example.org>")
    c.cmd("RCPT TO:<u@relay-target.example>")
    r = c.cmd("DATA")
    assert code(r) == (554, "5.5.1"), r
    assert "no valid recipients" in r.text
    assert c.cmd("NOOP").code == 250, "no data mode: the next line is a command"


def test_data_reply_354(smtpd):
    c = session(smtpd)
    c.cmd("MAIL FROM:<a@example.org>")
    c.cmd("RCPT TO:<b@example.net>")
    assert c.cmd("DATA").lines == ["354 End data with <CR><LF>.<CR><LF>"]
