"""Re-injection when the next hop cannot take the message now: retries with backoff,
delivery once it can, and the end of the message's lifetime."""

import re
import time
from datetime import datetime, timezone

import harness
from reinjectlib import SlowRcpt, epoch, split_release_header
from reinjectlib import make_runner, store  # noqa: F401  (fixtures)


def log_time(stamp):
    return (datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=timezone.utc)
            .timestamp())


def attempts_and_deferrals(runner):
    """The runner's attempts (wall-clock times) and deferrals (time, retry_in), from its
    log lines."""
    log = runner.log()
    attempts = [log_time(m) for m in
                re.findall(r"^(\S+)Z \S+ held=\d+ event=reinject_attempt", log, re.M)]
    deferred = [(log_time(t), int(r)) for t, r in
                re.findall(r"^(\S+)Z \S+ held=\d+ event=reinject_deferred .* retry_in=(\d+)",
                           log, re.M)]
    return attempts, deferred


def test_next_hop_down_then_back(store, make_sink, make_runner):
    sink = make_sink()
    sink.stop()                     # the port is free: connections are refused
    msg = harness.message(subject="hop down")
    held = store.hold(msg)
    runner = make_runner({"example.net": sink.addr}, retry_first=1, retry_max=2)
    store.release(held, "token")
    runner.wait_log("reinject_deferred", 2)
    info = store.show(held)
    assert info["state"] == "released"
    assert info["error"].startswith("connect: ")

    sink.start()                    # same port, same directory
    (got,) = sink.wait_messages(1)
    assert split_release_header(got["data"])[2] == msg
    store.wait_state(held, "delivered")
    time.sleep(4)
    assert len(sink.all_messages()) == 1


def test_backoff_schedule_then_lifetime_ends(store, make_sink, make_runner):
    """4xx to MAIL: retried after 1, 2, 4, 4... s (first 1, factor 2, max 4); at the
    end of the lifetime (14 s after the release) one last attempt, then failed."""
    sink = make_sink("--mail-reply", "451 4.3.0 try again later")
    held = store.hold(harness.message(subject="backoff"))
    runner = make_runner({"example.net": sink.addr}, retry_first=1, retry_max=4,
                         lifetime=14)
    store.release(held, "token")
    info = store.wait_state(held, "failed")
    assert info["error"].startswith("MAIL: 451 4.3.0 try again later")
    assert "given up" in info["error"]
    end = epoch(info["released"]) + 14
    times, deferred = attempts_and_deferrals(runner)
    # the schedule the runner chose: 1, 2, 4, 4... s; only the last delay before the end
    # of the lifetime may be cut short by it
    delays = [r for _, r in deferred]
    expected = [min(1 * 2 ** k, 4) for k in range(len(delays))]
    assert delays[:-1] == expected[:-1], (delays, times, end)
    assert 1 <= delays[-1] <= expected[-1], (delays, times, end)
    # and kept it: no attempt before it was due. The runner counts whole seconds
    # (time(2)), so "due" is at most a second before the deferral's time plus the delay.
    # No upper bound: how soon a busy machine wakes the runner is not asserted.
    assert len(times) == len(deferred) + 1
    for (t_def, retry_in), t_next in zip(deferred, times[1:]):
        assert t_next >= t_def - 1.1 + retry_in, (deferred, times)
    assert times[-1] >= end - 1.1
    assert len(times) >= 5
    assert len([c for c in sink.commands() if c.startswith("MAIL")]) == len(times)
    assert sink.all_messages() == []
    assert runner.count("reinject_failed") == 1


def test_data_4xx_retried_then_delivered(store, make_sink, make_runner, tmp_path):
    busy = make_sink("--data-reply", "452 4.3.1 insufficient system storage")
    msg = harness.message(subject="4xx data")
    held = store.hold(msg)
    runner = make_runner({"example.net": busy.addr}, retry_first=2, retry_max=2)
    store.release(held, "token")
    runner.wait_log("reinject_deferred", 1)
    assert store.show(held)["error"] == "DATA: 452 4.3.1 insufficient system storage"
    busy.stop()
    ok = harness.Sink(busy.procs, busy.dir, port=busy.port)   # the same hop, fixed
    got = ok.wait_messages(1)
    store.wait_state(held, "delivered")
    assert len(got) == 1 and split_release_header(got[0]["data"])[2] == msg
    # what the busy hop refused is recorded as refused, not as delivered
    assert [m["accepted"] for m in ok.all_messages()][0] is False


def test_connection_lost_after_data_is_retried(store, make_sink, make_runner):
    """No reply to the end of data: it may or may not have arrived (RFC 1047); the
    runner prefers a second copy to a loss (DESIGN rule 1) and tries again."""
    dropping = make_sink("--drop-after-data")
    msg = harness.message(subject="dropped")
    held = store.hold(msg)
    runner = make_runner({"example.net": dropping.addr}, retry_first=2, retry_max=2)
    store.release(held, "token")
    runner.wait_log("reinject_deferred", 1)
    assert store.show(held)["error"].startswith("DATA: ")
    dropping.stop()
    ok = harness.Sink(dropping.procs, dropping.dir, port=dropping.port)
    ok.wait_messages(1)
    store.wait_state(held, "delivered")
    assert len(ok.messages()) == 1


def test_silent_next_hop_times_out_and_is_retried(store, make_runner):
    silent = harness.SilentPort()
    try:
        held = store.hold(harness.message(subject="silent"))
        runner = make_runner({"example.net": silent.addr}, timeouts=(1, 1, 2),
                             retry_first=30, retry_max=60)
        store.release(held, "token")
        runner.wait_log("reinject_deferred", 1)
        info = store.show(held)
        assert info["state"] == "released"
        assert "timed out" in info["error"]
        # the next attempt is the backoff's, not at once
        time.sleep(4)
        assert runner.count("reinject_attempt") == 1
    finally:
        silent.close()


def test_released_while_no_runner_runs(store, sink, make_runner):
    """The queue is in the store: a release made while ecluse-smtpd is down is
    delivered when it starts."""
    held = store.hold(harness.message(subject="queued"))
    store.release(held, "token")
    make_runner({"example.net": sink.addr})
    sink.wait_messages(1)
    store.wait_state(held, "delivered")


class BusyMailbox:
    """A next hop (aiosmtpd, in the test's process) that answers 451 to RCPT for one
    mailbox the first `busy` times, and records the transactions it accepts."""

    def __init__(self, mailbox, busy):
        self.mailbox, self.busy = mailbox, busy
        self.rcpt_replies = []
        self.delivered = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == self.mailbox and self.busy > 0:
            self.busy -= 1
            self.rcpt_replies.append((address, 451))
            return "451 4.2.1 mailbox busy, try later"
        envelope.rcpt_tos.append(address)
        self.rcpt_replies.append((address, 250))
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        self.delivered.append((list(envelope.rcpt_tos), envelope.original_content))
        return "250 2.0.0 OK"


def test_one_recipient_deferred_defers_the_whole_message(store, make_runner):
    """reinject.h: a 4xx to one RCPT among accepted ones sends nothing; the whole
    message is retried, so no recipient ever gets it twice."""
    from aiosmtpd.controller import Controller

    hop = BusyMailbox("busy@example.net", busy=1)
    ctl = Controller(hop, hostname="127.0.0.1", port=harness.free_port())
    ctl.start()
    try:
        msg = harness.message(subject="one busy")
        held = store.hold(msg, rcpts=["ok@example.net", "busy@example.net"])
        runner = make_runner({"example.net": f"127.0.0.1:{ctl.port}"}, retry_first=1,
                             retry_max=1)
        store.release(held, "token")
        store.wait_state(held, "delivered")
        assert runner.count("reinject_deferred") == 1
        assert hop.rcpt_replies == [("ok@example.net", 250), ("busy@example.net", 451),
                                    ("ok@example.net", 250), ("busy@example.net", 250)]
        assert len(hop.delivered) == 1
        rcpts, data = hop.delivered[0]
        assert rcpts == ["ok@example.net", "busy@example.net"]
        assert split_release_header(data)[2] == msg
    finally:
        ctl.stop()



def test_attempt_ends_at_its_time_budget(store, make_runner):
    """The lease must outlast the attempt: an attempt longer than its budget (relay
    timeouts 1, 1, 2: 1 + 6 * 1 + 2 = 9 s) is cut before it reaches DATA, and retried
    later; nothing is delivered by the cut attempt."""
    from aiosmtpd.controller import Controller

    hop = SlowRcpt(0.8)
    ctl = Controller(hop, hostname="127.0.0.1", port=harness.free_port())
    ctl.start()
    try:
        held = store.hold(harness.message(subject="slow"),
                          rcpts=[f"r{i}@example.net" for i in range(15)])
        runner = make_runner({"example.net": f"127.0.0.1:{ctl.port}"},
                             timeouts=(1, 1, 2), retry_first=60, retry_max=60)
        store.release(held, "token")
        runner.wait_log("reinject_deferred", 1, timeout=30)
        info = store.show(held)
        assert info["state"] == "released"
        assert info["error"] == "attempt over its time budget of 9 s"
        assert hop.delivered == []
    finally:
        ctl.stop()
