"""The re-injection runner killed (kill -9) in the step test_reinject_restart.py does
not reach: the next hop has answered 250, and the runner has not yet written
"delivered" (store_reinject_done waits for a write lock another process holds).

What a user may see is bounded: one more copy, after the dead runner's lease; never a
loss, never a third copy, and the message ends "delivered".
"""

import sqlite3
import time
from datetime import datetime, timezone

import harness
from reinjectlib import LEASE_MARGIN, SlowRcpt, split_release_header
from reinjectlib import make_runner, store  # noqa: F401  (fixtures)

# How long the claim waits for the lock in the lease test: under
# STORE_BUSY_TIMEOUT_MS (5 s), and well over the 1 s tolerance of the check.
WAIT = 4


def test_kill_after_250_before_done_delivers_one_more_copy(store, make_sink, make_runner):
    hop = make_sink("--delay", "2")
    msg = harness.message(subject="killed between the 250 and done")
    held = store.hold(msg)
    runner = make_runner({"example.net": hop.addr}, timeouts=(1, 1, 4))
    store.release(held, "token")
    runner.wait_log("reinject_attempt")
    claimed = time.time()
    harness.poll("the next hop to have the data",
                 lambda: hop.connections() and "<DATA" in hop.transcripts()[0])
    # another process takes the write lock before the hop's 250 (2 s after the data)
    lock = sqlite3.connect(store.path, timeout=30, isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")
    try:
        hop.wait_messages(1)
        harness.poll("the runner to fail writing done",
                     lambda: "op=done" in runner.log(), timeout=30)
        runner.kill()
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    assert store.state(held) == "released", "done was never written"
    runner.restart()
    msgs = hop.wait_messages(2)
    assert (hop.dir / "2.eml").stat().st_mtime >= claimed + runner.lease - 1.5, \
        "not before the dead runner's lease ended"
    assert [split_release_header(m["data"])[2] for m in msgs] == [msg, msg]
    store.wait_state(held, "delivered")
    time.sleep(4)
    assert len(hop.all_messages()) == 2, "one duplicate at most"


def log_time(line):
    """Unix seconds of a log line's timestamp (2026-11-23T04:59:26.198Z ...)."""
    stamp = line.split(" ", 1)[0]
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=timezone.utc).timestamp()



def claim_after_lock(store, make_runner, hop_addr, timeouts, **kw):
    """Releases a message, then starts a runner while another process holds the write
    lock for WAIT seconds: the runner's first claim waits that long. Returns (runner,
    the lease_until the store recorded)."""
    lock = sqlite3.connect(store.path, timeout=30, isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")
    # its first look at the queue comes after "event=start"
    runner = make_runner({"example.net": hop_addr}, timeouts=timeouts, retry_first=60,
                         retry_max=60, **kw)
    time.sleep(WAIT)
    lock.execute("ROLLBACK")

    def leased():
        rows = lock.execute("SELECT lease_until FROM reinject").fetchall()
        if not rows:
            return "delivered already"
        return rows[0][0] or None
    lease_until = harness.poll("the claim", leased)
    lock.close()
    return runner, lease_until


def test_claim_that_waited_for_a_lock_keeps_its_timeouts(store, sink, make_runner):
    """A claim that waited WAIT s for the lock: the attempt's relay timeouts (1 s to
    connect here) count from when it starts, not from before the wait. The next hop
    is up and fast: delivered on the first attempt, not deferred for retry_first."""
    msg = harness.message(subject="claimed late")
    held = store.hold(msg)
    store.release(held, "token")
    runner, _ = claim_after_lock(store, make_runner, sink.addr, (1, 1, 2))
    (got,) = sink.wait_messages(1)
    assert split_release_header(got["data"])[2] == msg
    store.wait_state(held, "delivered")
    assert runner.count("reinject_deferred") == 0, runner.log()


def test_attempt_ends_before_the_lease_the_store_wrote(store, make_runner):
    """The claim waits for another process's write lock (up to STORE_BUSY_TIMEOUT_MS,
    once per message claimed in a row): the attempt's time budget must still end
    REINJECT_LEASE_MARGIN before the lease the store recorded, or a second runner may
    claim the message while the first still sends it (a duplicate outside the RFC 1047
    window, once the waits add up past the margin)."""
    from aiosmtpd.controller import Controller

    hop = SlowRcpt(0.8)
    ctl = Controller(hop, hostname="127.0.0.1", port=harness.free_port())
    ctl.start()
    try:
        held = store.hold(harness.message(subject="late claim"),
                          rcpts=[f"r{i}@example.net" for i in range(40)])
        store.release(held, "token")
        # connect timeout over WAIT: only the attempt's budget (8 + 6 + 2 s) ends it
        runner, lease_until = claim_after_lock(store, make_runner,
                                               f"127.0.0.1:{ctl.port}", (8, 1, 2))
        runner.wait_log("reinject_deferred", timeout=40)
        assert hop.delivered == []
    finally:
        ctl.stop()
    (line,) = [x for x in runner.log().splitlines() if "event=reinject_deferred" in x]
    assert "time budget" in line, line
    assert log_time(line) <= lease_until - LEASE_MARGIN + 1.0, \
        (log_time(line) - lease_until, "the attempt outlived its lease minus the margin")
