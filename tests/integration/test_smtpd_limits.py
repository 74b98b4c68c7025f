"""ecluse-smtpd session limits: connections in total and per client IP, errors before
disconnect, the command timeout. (Command line, text line, message size and recipient
limits are tested with their commands: test_smtpd_session.py, test_smtpd_data.py,
test_smtpd_transaction.py.) SMTPD-SPEC.md, "Greeting, session"."""

import socket
import time

from harness import HOSTNAME, Client, message


def code(r):
    return r.code, r.text.split(" ", 1)[0]


def starts(r, text):
    """The reply is one line that begins with the spec's text (the daemon may add words
    after it, e.g. "try again later")."""
    return len(r.lines) == 1 and r.last.startswith(text)


def too_many(c):
    assert starts(c.greeting, f"421 4.7.0 {HOSTNAME} too many connections"), c.greeting
    assert c.is_closed()


def quit_and_wait(c):
    assert c.cmd("QUIT").code == 221
    assert c.is_closed()


def test_max_connections(make_smtpd, sink):
    d = make_smtpd({"example.net": sink.addr}, max_connections=2, max_connections_per_ip=10)
    a, b = d.client(), d.client()
    assert a.greeting.code == b.greeting.code == 220
    too_many(d.client())
    too_many(Client(d.port, source="127.0.0.2"))
    assert a.cmd("NOOP").code == 250, "the sessions already open go on"
    quit_and_wait(a)
    c = d.client()
    assert c.greeting.code == 220, "a slot is free again after a session ends"
    c.ehlo()


def test_max_connections_per_ip(make_smtpd, sink):
    d = make_smtpd({"example.net": sink.addr}, max_connections=10, max_connections_per_ip=2)
    a, b = d.client(), d.client()
    assert a.greeting.code == b.greeting.code == 220
    too_many(d.client())
    other = Client(d.port, source="127.0.0.2")
    assert other.greeting.code == 220, "another client address is not limited"
    other.ehlo()
    quit_and_wait(b)
    c = d.client()
    assert c.greeting.code == 220
    c.ehlo()


def test_refused_connections_do_not_hold_a_slot(make_smtpd, sink):
    d = make_smtpd({"example.net": sink.addr}, max_connections=1, max_connections_per_ip=10)
    a = d.client()
    for _ in range(5):
        too_many(d.client())
    quit_and_wait(a)
    assert d.client().greeting.code == 220


def test_max_errors(make_smtpd, sink):
    """After max_errors error replies the next reply is 421 and the session ends (whether
    it is sent at once or in answer to the next command)."""
    d = make_smtpd({"example.net": sink.addr}, max_errors=3)
    c = d.client()
    c.ehlo()
    # three different error replies: unknown command, bad sequence, relay denied
    assert c.cmd("FOO").code == 500
    assert c.cmd("RCPT TO:<b@example.net>").code == 503
    assert c.cmd("MAIL FROM:<a@example.org>").code == 250
    assert c.cmd("RCPT TO:<u@relay-target.example>").code == 550
    try:
        c.send(b"NOOP\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass                  # closed right after the 421: it is in c's buffer
    r = c.reply()
    assert code(r) == (421, "4.7.0"), r
    assert "too many errors" in r.text
    assert c.is_closed()


def test_errors_below_max_keep_session(make_smtpd, sink):
    d = make_smtpd({"example.net": sink.addr}, max_errors=3)
    c = d.client()
    c.ehlo()
    assert c.cmd("FOO").code == 500
    assert c.cmd("BAR").code == 500
    for _ in range(5):
        assert c.cmd("NOOP").code == 250, "good commands are not counted"
    assert c.cmd("MAIL FROM:<a@example.org>").code == 250


def test_command_timeout_idle(make_smtpd, sink):
    d = make_smtpd({"example.net": sink.addr}, timeout_command=2)
    c = d.client()
    r = c.reply()
    assert starts(r, f"421 4.4.2 {HOSTNAME} timeout"), r
    assert c.is_closed()


def test_command_timeout_partial_line(make_smtpd, sink):
    d = make_smtpd({"example.net": sink.addr}, timeout_command=2)
    c = d.client()
    c.ehlo()
    c.send(b"MAIL FROM:<a@exa")
    r = c.reply()
    assert starts(r, f"421 4.4.2 {HOSTNAME} timeout"), r
    assert c.is_closed()


def test_command_timeout_in_transaction_forwards_nothing(make_smtpd, sink):
    d = make_smtpd({"example.net": sink.addr}, timeout_command=2)
    c = d.client()
    c.ehlo()
    c.cmd("MAIL FROM:<a@example.org>")
    assert c.cmd("RCPT TO:<b@example.net>").code == 250
    assert code(c.reply()) == (421, "4.4.2")
    assert c.is_closed()
    assert sink.all_messages() == []


def test_command_timeout_is_a_deadline_for_a_trickled_line(make_smtpd, sink):
    """timeout_command bounds the time to send a complete command line, not the time
    between two bytes: a client trickling one byte every half second (never idle for
    timeout_command) kept its session, and its place in max_connections, for ever."""
    d = make_smtpd({"example.net": sink.addr}, timeout_command=2)
    c = d.client()
    c.ehlo()
    c.sock.settimeout(0.5)
    line = b"NOOP " + b"x" * 30 + b"\r\n"    # 17 s of trickle at this pace
    got = b""
    for byte in line:
        try:
            c.send(bytes([byte]))
        except (BrokenPipeError, ConnectionResetError):
            break
        try:
            chunk = c.sock.recv(4096)
        except socket.timeout:
            continue
        got += chunk
        if not chunk or b"\r\n" in got:
            break
    c.buf += got
    c.sock.settimeout(10)
    r = c.reply()
    assert starts(r, f"421 4.4.2 {HOSTNAME} timeout"), r
    assert c.is_closed()


def test_slow_but_complete_commands_keep_the_session(make_smtpd, sink):
    """The deadline starts again with each complete line: an honest client that pauses
    between commands, or sends a line in pieces, each time within timeout_command,
    goes on for longer than timeout_command in all."""
    d = make_smtpd({"example.net": sink.addr}, timeout_command=2)
    c = d.client()
    time.sleep(1.2)
    c.ehlo()
    time.sleep(1.2)
    c.send(b"MAIL FROM:")
    time.sleep(0.5)
    c.send(b"<a@example.org>\r\n")
    assert c.reply().code == 250
    time.sleep(1.2)
    assert c.cmd("RCPT TO:<b@example.net>").code == 250
    time.sleep(1.2)
    assert c.cmd("DATA").code == 354
    c.send(message())
    time.sleep(1.2)
    assert c.cmd(b".").code == 250
    time.sleep(1.2)
    assert c.cmd("QUIT").code == 221
    assert len(sink.messages()) == 1


def test_waiting_for_the_next_hop_is_not_the_clients_delay(make_smtpd, make_sink):
    """While ecluse waits for a slow next hop, the client waits for ecluse: the
    command deadline must not run out against it."""
    slow = make_sink("--delay", "4")
    d = make_smtpd({"example.net": slow.addr}, timeout_command=2)
    c = d.client()
    c.ehlo()
    assert c.cmd("MAIL FROM:<a@example.org>").code == 250
    assert c.cmd("RCPT TO:<b@example.net>").code == 250
    assert c.cmd("DATA").code == 354
    r = c.cmd(message() + b".")
    assert r.code == 250, r
    assert c.cmd("NOOP").code == 250
    assert len(slow.messages()) == 1
