"""ecluse-smtpd's digest schedule ([digest] interval, at): a scheduled round mails each
recipient with newly held messages one digest, and a round with nothing pending makes no
connection; a restart neither resends nor skips a round (the last round's time is in the
store); a concurrent `eclusectl digest send` never makes a second digest of the same
messages (the store's claims). What counts is what the sink received."""
import datetime
import email
import email.policy
import json
import os
import re
import signal
import sqlite3
import subprocess
import threading
import time

from harness import poll
from webenv import BUILD, SEED, SRC

CTL = os.path.join(BUILD, "ctl", "eclusectl")
BASE = "http://127.0.0.1:9"        # links only; no page is fetched here


def hold(db, rcpt, subject, sender="alice@example.net"):
    key = os.path.join(os.path.dirname(db), "token.key")
    out = subprocess.run([SEED, "hold", db, key, sender, rcpt, subject, "86400"],
                         check=True, capture_output=True, text=True).stdout.split()
    return int(out[0])


def start(make_smtpd, sink, db, **digest):
    return make_smtpd({"example.org": sink.addr},
                      sections={"digest": digest, "web": {"base_url": BASE},
                                "store": {"path": db}})


def rounds(smtpd):
    return re.findall(r"event=digest_round sent=(\d+) failed=(\d+)", smtpd.log())


def wait_rounds(smtpd, n):
    return poll(f"{n} digest rounds", lambda: len(rounds(smtpd)) >= n and rounds(smtpd))


def listed(msg):
    """(recipient, the held ids its digest lists), from the text part."""
    m = email.message_from_bytes(msg["data"], policy=email.policy.default)
    text = next(m.iter_parts()).get_content()
    return msg["rcpt_to"][0], sorted(int(i) for i in re.findall(r"#held-(\d+)", text))


def test_scheduled_rounds_mail_each_recipient_once(make_smtpd, sink, tmp_path):
    db = str(tmp_path / "ecluse.db")
    smtpd = start(make_smtpd, sink, db, interval=1)
    # a store that never ran a round runs one at start; nothing pending: no connection
    assert ("0", "0") in wait_rounds(smtpd, 2)
    assert sink.connections() == 0

    b1 = hold(db, "bob@example.org", "one")
    b2 = hold(db, "bob@example.org", "two")
    c1 = hold(db, "carol@example.org", "three")
    msgs = sink.wait_messages(2)
    seen = len(rounds(smtpd))
    wait_rounds(smtpd, seen + 3)   # later rounds find nothing new
    msgs = sink.all_messages()
    assert len(msgs) == 2 and sink.connections() == 2
    assert sorted(listed(m) for m in msgs) == [("bob@example.org", [b1, b2]),
                                               ("carol@example.org", [c1])]
    assert all(m["mail_from"] == "" for m in msgs)
    log = smtpd.log()
    assert "event=digest_sent rcpt=bob@example.org messages=2" in log
    assert "event=digest_sent rcpt=carol@example.org messages=1" in log
    assert "event=digest_round sent=2 failed=0" in log

    # a new message: the next round mails its recipient that message alone
    b3 = hold(db, "bob@example.org", "four")
    sink.wait_messages(3)
    assert listed(sink.all_messages()[-1]) == ("bob@example.org", [b3])


def test_failed_digest_logged_and_retried(make_smtpd, make_sink, tmp_path):
    sink = make_sink("--data-reply", "451 4.3.0 try later")
    db = str(tmp_path / "ecluse.db")
    hold(db, "bob@example.org", "retry me")
    smtpd = start(make_smtpd, sink, db, interval=1)
    # failed sends give the messages back: each round tries again
    poll("two failed digests", lambda: len(re.findall(
        r'event=digest_failed rcpt=bob@example.org messages=1 error="DATA: 451 ',
        smtpd.log())) >= 2)
    assert "event=digest_round sent=0 failed=1" in smtpd.log()


def hhmm_in(hours):
    return (datetime.datetime.now() + datetime.timedelta(hours=hours)).strftime("%H:%M")


def test_restart_neither_resends_nor_skips(make_smtpd, sink, tmp_path):
    db = str(tmp_path / "ecluse.db")
    b1 = hold(db, "bob@example.org", "before the first start")
    at = hhmm_in(12)               # the daily round is half a day away
    first = start(make_smtpd, sink, db, interval=86400, at=at)
    # never ran: the first start runs the round
    sink.wait_messages(1)
    wait_rounds(first, 1)
    assert first.proc.stop() == 0

    # a restart right after: the next round is the one at `at`; nothing is sent
    b2 = hold(db, "bob@example.org", "after the round")
    second = start(make_smtpd, sink, db, interval=86400, at=at)
    m = poll("the schedule", lambda: re.search(r"event=digest_schedule last=\d+ "
                                              r"next=\d+ in=(\d+)", second.log()))
    assert 11 * 3600 < int(m.group(1)) <= 12 * 3600 + 60
    time.sleep(1.5)
    assert rounds(second) == [] and len(sink.all_messages()) == 1
    assert second.proc.stop() == 0

    # the daemon was down when the round was due (last round: yesterday's): the
    # missed round runs at start, once
    con = sqlite3.connect(db)
    con.execute("UPDATE digest_round SET last = ?", (int(time.time()) - 86400,))
    con.commit()
    con.close()
    third = start(make_smtpd, sink, db, interval=86400, at=at)
    msgs = sink.wait_messages(2)
    wait_rounds(third, 1)
    assert [listed(m) for m in msgs] == [("bob@example.org", [b1]),
                                         ("bob@example.org", [b2])]
    assert third.proc.stop() == 0
    fourth = start(make_smtpd, sink, db, interval=86400, at=at)
    poll("the schedule", lambda: "event=digest_schedule last=" in fourth.log())
    time.sleep(1.5)
    assert rounds(fourth) == [] and len(sink.all_messages()) == 2


def test_schedule_off(make_smtpd, sink, tmp_path):
    db = str(tmp_path / "ecluse.db")
    hold(db, "bob@example.org", "only by hand")
    smtpd = start(make_smtpd, sink, db, interval=0)
    poll("the schedule", lambda: "event=digest_schedule state=off" in smtpd.log())
    time.sleep(1.5)
    assert rounds(smtpd) == [] and sink.connections() == 0
    p = subprocess.run([CTL, "-c", str(smtpd.config), "digest", "send", "--json",
                        "-D", SRC], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["sent"] == 1
    assert len(sink.wait_messages(1)) == 1


def test_concurrent_eclusectl_never_duplicates(make_smtpd, make_sink, tmp_path):
    # a slow next hop keeps each send open, so the daemon's rounds and the operator's
    # runs overlap
    sink = make_sink("--delay", "0.2")
    db = str(tmp_path / "ecluse.db")
    want = {}
    for i in range(12):
        rcpt = f"user{i}@example.org"
        want[rcpt] = sorted(hold(db, rcpt, f"m{i}-{j}") for j in range(1 + i % 2))
    smtpd = start(make_smtpd, sink, db, interval=1)
    outs = []

    def operator():
        for _ in range(3):
            p = subprocess.run([CTL, "-c", str(smtpd.config), "digest", "send",
                                "--json", "-D", SRC], capture_output=True, text=True,
                               timeout=120)
            assert p.returncode == 0, p.stdout + p.stderr
            outs.append(json.loads(p.stdout))

    threads = [threading.Thread(target=operator) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    msgs = sink.wait_messages(len(want))
    seen = len(rounds(smtpd))
    wait_rounds(smtpd, seen + 2)
    msgs = sink.all_messages()
    got = sorted(listed(m) for m in msgs)
    assert got == sorted(want.items()), got
    # every digest is counted once, by whoever sent it
    by_ctl = sum(o["sent"] for o in outs)
    by_smtpd = len(re.findall(r"event=digest_sent ", smtpd.log()))
    assert by_ctl + by_smtpd == len(want)


def test_reload(make_smtpd, sink, tmp_path):
    db = str(tmp_path / "ecluse.db")
    hold(db, "bob@example.org", "first")
    at = hhmm_in(12)
    smtpd = start(make_smtpd, sink, db, interval=86400, at=at)
    sink.wait_messages(1)
    wait_rounds(smtpd, 1)
    # a reload with the same schedule runs no extra round
    hold(db, "bob@example.org", "second")
    os.kill(smtpd.proc.pid, signal.SIGHUP)
    poll("the reload", lambda: "event=reload " in smtpd.log())
    time.sleep(1.5)
    assert len(rounds(smtpd)) == 1 and len(sink.all_messages()) == 1
    # off, then a short interval: the reloaded schedule runs from the last round
    text = smtpd.config.read_text()
    smtpd.config.write_text(text.replace("interval = 86400", "interval = 0"))
    os.kill(smtpd.proc.pid, signal.SIGHUP)
    poll("the schedule off", lambda: "event=digest_schedule state=off" in smtpd.log())
    smtpd.config.write_text(text.replace("interval = 86400", "interval = 1"))
    os.kill(smtpd.proc.pid, signal.SIGHUP)
    assert len(sink.wait_messages(2)) == 2
    # a bad [digest] value keeps the running configuration
    smtpd.config.write_text(text.replace("interval = 86400", "interval = 7"))
    os.kill(smtpd.proc.pid, signal.SIGHUP)
    poll("the refused reload", lambda: "[digest] interval must be" in smtpd.log())
