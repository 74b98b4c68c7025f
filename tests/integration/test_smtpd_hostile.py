"""test_smtpd_hostile.py - hostile clients and odd next hops against ecluse-smtpd.

Each test is one way a client on the internet (or a next hop's refusal it provokes)
could get ecluse-smtpd to misbehave; it drives the real daemon over loopback and
asserts what an operator depends on: no crash, nothing smuggled to the next hop, no
state left over from one transaction that changes another's outcome.
"""

import json
import socket
import subprocess
import threading

from dnsserver import dkim_keys, dns  # noqa: F401  (fixtures)
import harness
from harness import message, dot_stuff

ECLUSECTL = harness.build_dir() / "ctl" / "eclusectl"


class StrictHop:
    """A next hop on loopback that keeps RFC 5321 transaction state as real servers
    do (a MAIL inside a transaction gets 503), for what tests/sink.py has no mode for.
    data_cmd_reply: its reply to the DATA command (a 354, or a refusal that leaves the
    transaction open, as a server with DATA-stage restrictions does); double: a verb
    it answers twice (a broken or hostile server), for the test of reply framing."""

    def __init__(self, data_cmd_reply="354 go ahead", double=None):
        self.data_cmd_reply = data_cmd_reply
        self.double = double
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.addr = f"127.0.0.1:{self.sock.getsockname()[1]}"
        self.commands = []
        self.messages = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        f = conn.makefile("rb")
        conn.sendall(b"220 hop.test ESMTP\r\n")
        in_tx = False
        while True:
            line = f.readline()
            if not line:
                break
            cmd = line.rstrip(b"\r\n").decode("utf-8", "replace")
            self.commands.append(cmd)
            verb = cmd[:4].upper()
            if verb == "EHLO":
                out = "250-hop.test\r\n250-PIPELINING\r\n250 8BITMIME"
            elif verb == "MAIL":
                out = "503 5.5.1 nested MAIL command" if in_tx else "250 2.1.0 ok"
                in_tx = True
            elif verb == "RCPT":
                out = "250 2.1.5 ok" if in_tx else "503 5.5.1 need MAIL"
            elif verb == "DATA":
                out = self.data_cmd_reply
                if out.startswith("354"):
                    conn.sendall(out.encode() + b"\r\n")
                    data = b""
                    while not data.endswith(b"\r\n.\r\n"):
                        chunk = f.readline()
                        if not chunk:
                            return
                        data += chunk
                    self.messages.append(data)
                    in_tx = False
                    out = "250 2.0.0 queued"
            elif verb == "RSET":
                in_tx = False
                out = "250 2.0.0 ok"
            elif verb == "QUIT":
                conn.sendall(b"221 bye\r\n")
                break
            else:
                out = "502 5.5.1 no"
            if verb == self.double:
                out += "\r\n" + out
            conn.sendall(out.encode() + b"\r\n")
        f.close()
        conn.close()

    def close(self):
        self.sock.close()


def code(r):
    return r.code, r.lines[-1][4:9]


def test_refused_data_command_leaves_no_open_transaction(make_smtpd):
    """A next hop that refuses the DATA command itself (a DATA-stage restriction: rate
    limit, policy service) still has the MAIL and RCPTs of that transaction open
    (RFC 5321 4.1.1.4: no 354, no data, and nothing ends the transaction). The
    connection must not go back to the pool as clean: the next transaction on it, maybe
    another client's, would get the next hop's "503 nested MAIL", a permanent refusal of
    mail that nobody refused."""
    hop = StrictHop(data_cmd_reply="554 5.7.1 rate limited at DATA")
    try:
        d = make_smtpd({"example.net": hop.addr})
        c = d.client()
        c.ehlo()
        assert c.cmd("MAIL FROM:<a@example.org>").code == 250
        assert c.cmd("RCPT TO:<b@example.net>").code == 250
        assert c.cmd("DATA").code == 354
        c.send(dot_stuff(message()) + b".\r\n")
        assert code(c.reply()) == (554, "5.7.1")
        c.cmd("QUIT")
        # a second client, on the pooled connection; the hop takes data again
        hop.data_cmd_reply = "354 go ahead"
        c2 = d.client()
        c2.ehlo()
        assert c2.cmd("MAIL FROM:<x@example.org>").code == 250
        r = c2.cmd("RCPT TO:<y@example.net>")
        assert r.code == 250, f"the next transaction inherited an open one: {r}"
        assert c2.cmd("DATA").code == 354
        c2.send(dot_stuff(message()) + b".\r\n")
        assert c2.reply().code == 250
        assert len(hop.messages) == 1
        assert sum(1 for x in hop.commands if x.upper().startswith("EHLO")) == 1, \
            "the second transaction used the pooled connection"
    finally:
        hop.close()



def test_a_second_reply_to_one_command_ends_the_connection(make_smtpd):
    """ecluse sends the next hop one command at a time: a second reply to one command
    answers nothing it asked, and read as the reply to the next command it would make
    every later reply on that connection the wrong one (a 250 taken for the end of
    data of a message the next hop refused). The connection is dropped instead, and
    the client gets a temporary error: nothing is relayed on a desynchronised one."""
    hop = StrictHop(double="MAIL")
    try:
        d = make_smtpd({"example.net": hop.addr})
        c = d.client()
        c.ehlo("client.test")
        assert c.cmd("MAIL FROM:<a@example.org>").code == 250   # the hop is not known yet
        r = c.cmd("RCPT TO:<b@example.net>")    # MAIL, then RCPT, to the hop
        assert r.code // 100 == 4, r
        assert any(cmd.startswith("MAIL") for cmd in hop.commands), hop.commands
        assert not any(cmd.startswith("RCPT") for cmd in hop.commands), hop.commands
        assert "malformed reply" in d.log() or "unexpected" in d.log(), d.log()
    finally:
        hop.close()

def test_quoted_non_ascii_needs_smtputf8(smtpd, sink):
    """8-bit bytes in a quoted local part are as non-ASCII as anywhere else in an
    address (RFC 6531 3.3): without SMTPUTF8 the next hop must never see them (it was
    mirrored as is, in a transaction that had not asked for SMTPUTF8; a release of the
    same message then needed SMTPUTF8 the live relay had not)."""
    c = smtpd.client()
    c.ehlo()
    assert code(c.cmd(b'MAIL FROM:<"j\xc3\xb6rg"@example.org>')) == (553, "5.6.7")
    assert c.cmd("MAIL FROM:<a@example.org>").code == 250
    assert code(c.cmd(b'RCPT TO:<"j\xc3\xb6rg"@example.net>')) == (553, "5.6.7")
    assert code(c.cmd(b'RCPT TO:<"a\\\xc3\xb6"@example.net>')) == (553, "5.6.7")
    c.cmd("QUIT")
    assert sink.connections() == 0, sink.commands()
    # with SMTPUTF8 the same addresses are fine
    c = smtpd.client()
    c.ehlo()
    assert c.cmd(b'MAIL FROM:<"j\xc3\xb6rg"@example.org> SMTPUTF8').code == 250
    assert c.cmd(b'RCPT TO:<"j\xc3\xb6rg"@example.net>').code == 250


def ctl(d, *args):
    p = subprocess.run([ECLUSECTL, "-c", d.config, *args], capture_output=True,
                       timeout=harness.WAIT_MAX)
    assert p.returncode == 0, p.stderr.decode(errors="replace")
    return p.stdout


def test_quoting_does_not_escape_a_block(make_smtpd, sink, dns):  # noqa: F811
    """RFC 5321 4.1.2: all quoted forms of a local part MUST be treated as equivalent
    when compared. A recipient's block of a sender was looked up with the addresses as
    the client spelled them, so the blocked sender got through by quoting the
    recipient's local part (or its own), which the next hop delivers to the same
    mailbox. The next hop gets the form with the least quoting (RFC 5321 4.1.2)."""
    d = make_smtpd({"example.net": sink.addr},
                   sections={"dns": {"servers": dns.servers},
                             "web": {"base_url": "https://release.test"},
                             "policy": {"mode": "enforce"}})
    ctl(d, "whitelist", "add", "--block", "--rcpt", "b@example.net", "spam@unknown.test")
    c = d.client()
    c.ehlo()
    assert c.cmd("MAIL FROM:<spam@unknown.test>").code == 250
    for rcpt in ('"b"@example.net', '"\\b"@example.net', 'B@example.net'):
        r = c.cmd(f"RCPT TO:<{rcpt}>")
        assert code(r) == (550, "5.7.1") and "does not accept mail" in r.text, (rcpt, r)
    assert c.cmd("RSET").code == 250
    assert c.cmd('MAIL FROM:<"spam"@unknown.test>').code == 250
    r = c.cmd("RCPT TO:<b@example.net>")
    assert code(r) == (550, "5.7.1") and "does not accept mail" in r.text, r
    # not blocked: relayed with the least quoting; needed quotes are kept
    assert c.cmd('RCPT TO:<"c"@example.net>').code == 250
    assert c.cmd('RCPT TO:<"d e"@example.net>').code == 250
    c.cmd("QUIT")
    cmds = sink.commands()
    assert "MAIL FROM:<spam@unknown.test>" in cmds, cmds
    assert "RCPT TO:<c@example.net>" in cmds and 'RCPT TO:<"d e"@example.net>' in cmds, cmds


def test_refused_forgery_keeps_the_command_timeout(make_smtpd, sink):
    """With the checks off ([policy] mode = off), a message with more forged
    Authentication-Results fields than can be removed is refused at the end of data,
    and the session then had no timeout at all: a client could keep any number of
    connections open for ever without saying a word (max_connections for everyone)."""
    d = make_smtpd({"example.net": sink.addr}, timeout_command=2,
                   sections={"policy": {"mode": "off"}})
    forged = "".join(f"Authentication-Results: {harness.HOSTNAME}; dmarc=pass\r\n"
                     for _ in range(40))
    c = d.client()
    c.ehlo()
    assert c.cmd("MAIL FROM:<a@example.org>").code == 250
    assert c.cmd("RCPT TO:<b@example.net>").code == 250
    assert c.cmd("DATA").code == 354
    r = c.cmd(dot_stuff(message(extra_headers=forged)) + b".")
    assert code(r) == (550, "5.7.1"), r
    c.sock.settimeout(10)
    r = c.reply()
    assert code(r) == (421, "4.4.2") and "timeout" in r.text, r
    assert c.is_closed()
    assert sink.messages() == []


def test_angle_brackets_in_quotes_refused_and_quoted_forms_released(make_smtpd, sink,
                                                                   dns):  # noqa: F811
    """A quoted local part may hold '<' or '>' (RFC 5321 4.1.2), but every parser that
    does not follow the quoting (the re-injection check, many next hops, tests/sink.py)
    ends the path there: such a recipient was relayed live, while its held copy could
    never be released. The live path now refuses them (553, like the other quoted
    tricks it refuses), so what it accepts and holds, re-injection delivers: a quoted
    local part that needs its quotes is held, released and delivered as it came."""
    d = make_smtpd({"example.net": sink.addr},
                   sections={"dns": {"servers": dns.servers},
                             "web": {"base_url": "https://release.test"},
                             "policy": {"mode": "enforce"}})
    c = d.client()
    c.ehlo()
    assert code(c.cmd('MAIL FROM:<"x>y"@unknown.test>')) == (553, "5.1.7")
    assert code(c.cmd('MAIL FROM:<"x<y"@unknown.test> SIZE=100')) == (553, "5.1.7")
    assert c.cmd('MAIL FROM:<"x y"@unknown.test>').code == 250
    for rcpt in ('"a>b"@example.net', '"a<b"@example.net', '"a\\>b"@example.net'):
        assert code(c.cmd(f"RCPT TO:<{rcpt}>")) == (553, "5.1.3"), rcpt
    assert c.cmd('RCPT TO:<"a b"@example.net>').code == 250
    assert c.cmd("DATA").code == 354
    r = c.cmd(dot_stuff(message(sender="x@unknown.test")) + b".")
    assert r.code == 550 and "release.test/r/" in r.text, r
    c.cmd("QUIT")
    assert not any(x.count("<") > 1 or x.count(">") > 1 for x in sink.commands()), \
        sink.commands()
    (h,) = json.loads(ctl(d, "held", "list", "--json"))["held"]
    ctl(d, "held", "release", str(h["id"]))
    (m,) = sink.wait_messages(1)
    assert m["mail_from"] == '"x y"@unknown.test', m
    assert m["rcpt_to"] == ['"a b"@example.net'], m
    assert json.loads(ctl(d, "held", "list", "--json"))["held"][0]["state"] == "delivered"
