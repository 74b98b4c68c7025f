"""Re-injection of released messages: what reaches the next hop, and the outcome the
store records. The runner is tests/integration/reinject_run (ecluse-smtpd's wiring of
smtpd/reinject.c); the next hop is tests/sink.py; the held copy and the release are
written to the store as the quarantine and ecluse-web write them."""

import time

import harness
from reinjectlib import POLL, epoch, split_release_header
from reinjectlib import make_runner, store  # noqa: F401  (fixtures)


def body_with_dots():
    # dot-stuffing both ways (RFC 5321 4.5.2) must give back the same bytes
    return (b".leading dot\r\n..two dots\r\n.\r\nmiddle\r\n" + b"x" * 998 + b"\r\n"
            b"last line\r\n")


def test_released_message_delivered_once_byte_identical(store, sink, make_runner):
    msg = harness.message(subject="released", body=body_with_dots().decode())
    held = store.hold(msg, mail_from="alice@example.org", rcpts=["bob@example.net"])
    runner = make_runner({"example.net": sink.addr})
    assert store.state(held) == "held"
    store.release(held, "token")

    (got,) = sink.wait_messages(1)
    hid, how, rest = split_release_header(got["data"])
    assert (hid, how) == (held, "sender after challenge")
    assert rest == msg
    assert got["mail_from"] == "alice@example.org"
    assert got["rcpt_to"] == ["bob@example.net"]
    assert got["helo"] == harness.HOSTNAME
    # RFC 1870: the size declared is what was sent
    assert f"SIZE={len(got['data'])}" in got["mail_params"]
    info = store.wait_state(held, "delivered")
    assert epoch(info["delivered"]) >= epoch(info["released"]) > 0

    # later looks at the queue find nothing more to send
    time.sleep(2 * POLL + 1)
    assert len(sink.all_messages()) == 1
    assert runner.count("reinject_delivered") == 1
    assert any(f"reinject held={held} delivered to {sink.addr}" in a for a in store.audit())


def test_repeated_release_delivers_once(store, sink, make_runner):
    held = store.hold(harness.message(subject="twice"))
    make_runner({"example.net": sink.addr})
    store.release(held, "token")
    # the web request repeated: the token is spent, the store refuses
    again = store.release(held, "token", check=False)
    assert again.returncode == 1 and b"already used" in again.stderr
    sink.wait_messages(1)
    store.wait_state(held, "delivered")
    # and an operator cannot release what was delivered
    assert store.release(held, "operator", check=False).returncode == 1
    time.sleep(2 * POLL + 1)
    assert len(sink.all_messages()) == 1


def test_operator_release_header(store, sink, make_runner):
    msg = harness.message(subject="by operator")
    held = store.hold(msg)
    make_runner({"example.net": sink.addr})
    store.release(held, "operator")
    (got,) = sink.wait_messages(1)
    assert split_release_header(got["data"]) == (held, "operator", msg)


def test_several_messages_and_recipients(store, sink, make_runner):
    make_runner({"example.net": sink.addr, "example.com": sink.addr})
    ids = {}
    for i in range(5):
        msg = harness.message(subject=f"msg {i}")
        rcpts = [f"r{i}@example.net", f"s{i}@example.com"]
        held = store.hold(msg, rcpts=rcpts)
        ids[held] = (msg, rcpts)
        store.release(held, "token")
    got = sink.wait_messages(5)
    seen = {}
    for m in got:
        hid, _, rest = split_release_header(m["data"])
        assert hid not in seen, f"message {hid} delivered twice"
        seen[hid] = (rest, m["rcpt_to"])
    assert seen == {h: (msg, rcpts) for h, (msg, rcpts) in ids.items()}
    for held in ids:
        store.wait_state(held, "delivered")


def test_partly_refused_recipients(store, make_sink, make_runner):
    """RFC 5321: the message goes to the recipients the next hop accepts; the refused
    one is recorded (log and audit log), and the message counts as delivered."""
    sink = make_sink("--rcpt-reject", "^nobody@")
    held = store.hold(harness.message(subject="partial"),
                      rcpts=["one@example.net", "nobody@example.net", "two@example.net"])
    runner = make_runner({"example.net": sink.addr})
    store.release(held, "token")
    (got,) = sink.wait_messages(1)
    assert got["rcpt_to"] == ["one@example.net", "two@example.net"]
    store.wait_state(held, "delivered")
    audit = "\n".join(store.audit())
    assert f"reinject held={held} rcpt=<nobody@example.net> refused: RCPT: 550" in audit
    assert "rcpts=2 refused=1" in audit
    assert "event=reinject_rcpt_refused rcpt=<nobody@example.net>" in runner.log()


def test_every_recipient_refused_fails(store, make_sink, make_runner):
    sink = make_sink("--rcpt-reject", "example")
    held = store.hold(harness.message(subject="nobody"),
                      rcpts=["x@example.net", "y@example.net"])
    make_runner({"example.net": sink.addr})
    store.release(held, "token")
    info = store.wait_state(held, "failed")
    assert "every recipient refused" in info["error"] and "550" in info["error"]
    assert sink.all_messages() == []
    # no DATA was sent, and the next hop's transaction was reset
    assert "DATA" not in sink.commands() and "RSET" in sink.commands()


def test_next_hop_5xx_after_data_fails(store, make_sink, make_runner):
    sink = make_sink("--data-reply", "554 5.7.1 message refused by policy")
    held = store.hold(harness.message(subject="refused"))
    runner = make_runner({"example.net": sink.addr})
    store.release(held, "token")
    info = store.wait_state(held, "failed")
    assert info["error"] == "DATA: 554 5.7.1 message refused by policy"
    # permanent: not tried again
    time.sleep(2 * POLL + 1)
    assert len(sink.all_messages()) == 1 and sink.messages() == []
    assert runner.count("reinject_attempt") == 1
    assert any(f"reinject held={held} failed: DATA: 554" in a for a in store.audit())
    # a failed message may be released again by an operator (the store's rule)
    store.release(held, "operator")
    store.wait_state(held, "failed")
    assert len(sink.all_messages()) == 2


def test_mail_5xx_fails(store, make_sink, make_runner):
    sink = make_sink("--mail-reply", "550 5.7.1 sender refused")
    held = store.hold(harness.message(subject="sender refused"))
    make_runner({"example.net": sink.addr})
    store.release(held, "token")
    info = store.wait_state(held, "failed")
    assert info["error"] == "MAIL: 550 5.7.1 sender refused"
    assert "RCPT TO:<b@example.net>" not in sink.commands()


def test_domain_no_longer_served_is_not_relayed(store, sink, make_runner):
    """A held message whose recipient domain left the config is never sent anywhere
    (DESIGN rule 3): it fails, and the operator sees why."""
    held = store.hold(harness.message(subject="gone"), rcpts=["b@gone.example"])
    make_runner({"example.net": sink.addr})
    store.release(held, "token")
    info = store.wait_state(held, "failed")
    assert info["error"] == "recipient domain no longer served"
    assert sink.connections() == 0


def test_recipient_moved_to_other_hop_not_sent(store, make_sink, make_runner):
    first, other = make_sink(), make_sink()
    held = store.hold(harness.message(subject="split"),
                      rcpts=["a@example.net", "b@moved.example"])
    make_runner({"example.net": first.addr, "moved.example": other.addr})
    store.release(held, "token")
    (got,) = first.wait_messages(1)
    assert got["rcpt_to"] == ["a@example.net"]
    store.wait_state(held, "delivered")
    assert other.connections() == 0
    assert any("rcpt=<b@moved.example> refused: not sent" in a for a in store.audit())


def test_8bit_and_smtputf8(store, sink, make_runner):
    msg = ("From: <jos\u00e9@example.org>\r\nTo: <b@example.net>\r\nSubject: caf\u00e9\r\n"
           "\r\nd\u00e9j\u00e0 vu\r\n").encode()
    held = store.hold(msg, mail_from="jos\u00e9@example.org", rcpts=["b@example.net"])
    make_runner({"example.net": sink.addr})
    store.release(held, "token")
    (got,) = sink.wait_messages(1)
    assert split_release_header(got["data"])[2] == msg
    assert got["mail_from"] == "jos\u00e9@example.org"
    assert "SMTPUTF8" in got["mail_params"] and "BODY=8BITMIME" in got["mail_params"]


def test_8bit_body_only_no_smtputf8(store, sink, make_runner):
    msg = harness.message(subject="latin", body="d\u00e9j\u00e0 vu\r\n")
    held = store.hold(msg)
    make_runner({"example.net": sink.addr})
    store.release(held, "token")
    (got,) = sink.wait_messages(1)
    assert "BODY=8BITMIME" in got["mail_params"]
    assert "SMTPUTF8" not in got["mail_params"]


def test_smtputf8_needed_but_not_offered_fails(store, make_sink, make_runner):
    sink = make_sink("--no-smtputf8")
    held = store.hold(harness.message(subject="utf8"), rcpts=["j\u00fcrgen@example.net"])
    make_runner({"example.net": sink.addr})
    store.release(held, "token")
    info = store.wait_state(held, "failed")
    assert "SMTPUTF8" in info["error"]
    assert not any(c.startswith("MAIL") for c in sink.commands())


def test_old_next_hop_helo(store, make_sink, make_runner):
    sink = make_sink("--no-ehlo")
    msg = harness.message(subject="helo")
    held = store.hold(msg)
    make_runner({"example.net": sink.addr})
    store.release(held, "token")
    (got,) = sink.wait_messages(1)
    assert got["esmtp"] is False and got["mail_params"] == []
    assert split_release_header(got["data"])[2] == msg


def test_connection_reused_for_the_next_message(store, sink, make_runner):
    make_runner({"example.net": sink.addr}, concurrency=1)
    first = store.hold(harness.message(subject="first"))
    store.release(first, "token")
    sink.wait_messages(1)
    second = store.hold(harness.message(subject="second"))
    store.release(second, "token")
    sink.wait_messages(2)
    assert sink.connections() == 1
    store.wait_state(second, "delivered")
