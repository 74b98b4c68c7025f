"""The re-injection runner killed (kill -9) in the step test_reinject_restart.py does
not reach: the next hop has answered 250, and the runner has not yet written
"delivered" (store_reinject_done waits for a write lock another process holds).

What a user may see is bounded: one more copy, after the dead runner's lease; never a
loss, never a third copy, and the message ends "delivered".
"""

import sqlite3
import time

import pytest

import harness
from reinjectlib import Runner, Store, split_release_header


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "ecluse.db")


@pytest.fixture
def make_runner(procs, tmp_path, store):
    count = [0]

    def make(domains, **kw):
        count[0] += 1
        return Runner(procs, tmp_path / f"runner{count[0]}", store, domains, **kw)
    return make


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
