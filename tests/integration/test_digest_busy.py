"""eclusectl digest send while another process holds the store's write lock for a
few seconds (under STORE_BUSY_TIMEOUT_MS): the claim of the recipient's messages
waits for it, and the send that follows still has its whole relay timeouts (a claim
must not make a next hop that is up look timed out, which left the recipient without
a digest until the next round)."""

import json
import os
import sqlite3
import subprocess
import threading
import time

import harness
from reinjectlib import Store

# Seconds the lock is held: under the busy timeout (5 s), over the connect timeout.
WAIT = 3


def test_digest_after_a_claim_that_waited(sink, tmp_path):
    store = Store(tmp_path / "ecluse.db")
    store.hold(harness.message(subject="waiting"), mail_from="alice@example.net",
               rcpts=("bob@example.net",))
    # 32 random bytes, mode 0600, as the daemons make it at their first start
    key = tmp_path / "token.key"
    key.write_bytes(os.urandom(32))
    key.chmod(0o600)
    conf = tmp_path / "ctl.conf"
    conf.write_text(harness.config_text(
        {"smtpd": {"hostname": "mx.test.example", "relay_timeout_connect": 1,
                   "relay_timeout_reply": 2, "relay_timeout_data_end": 2},
         "web": {"base_url": "https://release.test"},
         "store": {"path": store.path}},
        {"example.net": sink.addr}))
    lock = sqlite3.connect(store.path, timeout=30, isolation_level=None,
                           check_same_thread=False)
    lock.execute("BEGIN IMMEDIATE")
    unlock = threading.Timer(WAIT, lambda: lock.execute("ROLLBACK"))
    unlock.start()
    t0 = time.monotonic()
    try:
        p = subprocess.run([harness.build_dir() / "ctl" / "eclusectl", "-c", conf,
                            "digest", "send", "--json", "-D", harness.REPO],
                           capture_output=True, text=True, timeout=60)
    finally:
        unlock.join()
        lock.close()
    assert time.monotonic() - t0 >= WAIT - 0.5, "the claim waited for the lock"
    assert p.returncode == 0, p.stdout + p.stderr
    out = json.loads(p.stdout)
    assert out["sent"] == 1 and out["failed"] == 0, out
    (m,) = sink.wait_messages(1)
    assert m["rcpt_to"] == ["bob@example.net"]
