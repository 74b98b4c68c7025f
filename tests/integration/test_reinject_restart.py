"""Re-injection across crashes, restarts and several runners on one store: never a
loss, never a second delivery except in the RFC 1047 window (a runner that dies after
sending the end of data and before reading the reply), which the store's lease turns
into exactly one more delivery, after the lease."""

import os
import signal
import time

import harness
from reinjectlib import split_release_header
from reinjectlib import make_runner, store  # noqa: F401  (fixtures)


def test_kill_before_the_next_hop_has_it_delivers_once(store, sink, make_runner):
    """kill -9 while the runner waits for the next hop's greeting (the next hop is
    frozen): the claim's lease keeps the message from any runner until it ends, then
    the restarted runner delivers it exactly once."""
    msg = harness.message(subject="killed early")
    held = store.hold(msg)
    runner = make_runner({"example.net": sink.addr}, timeouts=(5, 1, 2))
    os.kill(sink.proc.pid, signal.SIGSTOP)
    try:
        store.release(held, "token")
        runner.wait_log("reinject_attempt")
        claimed = time.time()
        runner.kill()
    finally:
        os.kill(sink.proc.pid, signal.SIGCONT)
    runner.restart()
    (got,) = sink.wait_messages(1)
    arrived = os.stat(sink.dir / "1.eml").st_mtime
    # not before the lease of the dead runner's claim ended (whole seconds)
    assert arrived >= claimed + runner.lease - 1.5, (arrived - claimed, runner.lease)
    assert split_release_header(got["data"])[2] == msg
    store.wait_state(held, "delivered")
    time.sleep(4)
    assert len(sink.all_messages()) == 1
    # the frozen hop saw the first connection, without a transaction
    assert "MAIL" not in sink.transcripts()[0]


def test_kill_after_end_of_data_is_the_documented_window(store, make_sink, make_runner):
    """kill -9 after the end of data, before the next hop's reply: the next hop has
    the message, the store does not know it. After the lease the message is delivered
    again: exactly two copies, never three, the second one after the lease."""
    # The hop answers the end of data after 4 s, and the runner waits 10 s for that
    # answer: the kill falls between the data and the reply whatever the load (with
    # a wait shorter than the hop's delay, the runner gave up first and deferred the
    # message itself, and the test raced that retry).
    slow = make_sink("--delay", "4")
    msg = harness.message(subject="killed in the window")
    held = store.hold(msg)
    runner = make_runner({"example.net": slow.addr}, timeouts=(1, 1, 10))
    store.release(held, "token")
    runner.wait_log("reinject_attempt")
    claimed = time.time()
    harness.poll("the next hop to have the data",
                 lambda: slow.connections() and "<DATA" in slow.transcripts()[0])
    runner.kill()
    assert not (slow.dir / "1.eml").exists(), "the hop answered before the kill"
    # the slow hop finishes its side: it took the message and answers a dead client
    slow.wait_messages(1)
    slow.stop()
    fast = harness.Sink(slow.procs, slow.dir, port=slow.port)
    runner.restart()
    msgs = fast.wait_messages(2)
    assert os.stat(fast.dir / "2.eml").st_mtime >= claimed + runner.lease - 1.5
    assert [split_release_header(m["data"])[2] for m in msgs] == [msg, msg]
    store.wait_state(held, "delivered")
    time.sleep(4)
    assert len(fast.all_messages()) == 2


def test_stop_during_attempt_puts_it_back_at_once(store, sink, make_runner):
    """SIGTERM while the next hop is frozen: the runner closes the connection and puts
    the message back, due now, so the next start delivers it without waiting for the
    lease; exactly once."""
    msg = harness.message(subject="stopped")
    held = store.hold(msg)
    runner = make_runner({"example.net": sink.addr}, timeouts=(20, 20, 20))
    os.kill(sink.proc.pid, signal.SIGSTOP)
    try:
        store.release(held, "token")
        runner.wait_log("reinject_attempt")
        assert runner.stop() == 0
    finally:
        os.kill(sink.proc.pid, signal.SIGCONT)
    assert store.show(held)["error"] == "ecluse-smtpd stopped during the attempt"
    stopped = time.time()
    runner.restart()
    sink.wait_messages(1)
    # well before the lease (20 + 6 * 20 + 20 + 10 s)
    assert time.time() - stopped < 30
    store.wait_state(held, "delivered")
    time.sleep(4)
    assert len(sink.all_messages()) == 1


def test_two_runners_never_deliver_the_same_message_twice(store, make_sink, make_runner):
    """Two ecluse-smtpd on one store (a cluster, or an old and a new one during an
    upgrade): the lease gives each message to one of them."""
    sink = make_sink("--delay", "0.5")
    domains = {"example.net": sink.addr}
    # released before the runners start, so that both find work at once
    held = [store.hold(harness.message(subject=f"m{i}")) for i in range(12)]
    for h in held:
        store.release(h, "token")
    a = make_runner(domains, concurrency=2)
    b = make_runner(domains, concurrency=2)
    got = sink.wait_messages(len(held))
    ids = [split_release_header(m["data"])[0] for m in got]
    assert sorted(ids) == sorted(held), "each message exactly once"
    for h in held:
        store.wait_state(h, "delivered")
    # both took part, and neither lost a lease to the other
    assert a.count("reinject_delivered") > 0 and b.count("reinject_delivered") > 0
    assert a.count("reinject_delivered") + b.count("reinject_delivered") == len(held)
    assert "reinject_store_error" not in a.log() + b.log()
    time.sleep(4)
    assert len(sink.all_messages()) == len(held)
