"""test_store_durability.py - DESIGN rule 1 ("nothing lost") where the quarantine
meets a store that cannot take the held copy: ecluse-smtpd on the real sqlite file,
a real client, nsd with the test zones (a first-time sender is held).

  - another process (ecluse-web, eclusectl, an operator's sqlite3) holds the write lock
    longer than STORE_BUSY_TIMEOUT_MS: the client gets 451 4.3.0, nothing is stored;
    once the lock is gone, the same message is held and gets its 550;
  - the file system of the store is full: 451 4.3.0, no held row; with room again,
    the 550 and a readable copy;
  - a store on a read-only file system: ecluse-smtpd refuses to start, naming it.
Never a 250, never a 550 whose copy is not committed.

The full and read-only file systems are tmpfs mounts made by the test (root only: the
test is skipped, and says so, elsewhere).
"""

import contextlib
import json
import os
import re
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

import harness

from dnsserver import dkim_keys, dns  # noqa: F401  (fixtures)

BUILD = Path(os.environ.get("ECLUSE_BUILD", Path(__file__).resolve().parents[2] / "build/dev"))
ECLUSECTL = BUILD / "ctl" / "eclusectl"
URL = re.compile(r"^https://release\.test/r/([A-Za-z0-9_-]{66})$")
SENDER = "stranger@unknown.test"
MESSAGE = (b"From: stranger@unknown.test\r\nTo: b@example.net\r\nSubject: durable?\r\n"
           b"Message-ID: <d1@client.test>\r\n\r\nHold me or tell me to retry.\r\n")
# store.h STORE_BUSY_TIMEOUT_MS, in seconds
BUSY_TIMEOUT = 5


def make_mx(make_smtpd, sink, dns, db):  # noqa: F811
    return make_smtpd({"example.net": sink.addr},
                      sections={"dns": {"servers": dns.servers},
                                "web": {"base_url": "https://release.test"},
                                "policy": {"mode": "enforce"},
                                "store": {"path": db}})


def ctl_held(d):
    p = subprocess.run([ECLUSECTL, "-c", d.config, "held", "list", "--json"],
                       capture_output=True, timeout=60)
    assert p.returncode == 0, p.stderr.decode(errors="replace")
    return json.loads(p.stdout)["held"]


def send(d):
    """One transaction of the suspicious message; the end-of-data reply."""
    c = d.client()
    c.ehlo("mail.client.test")
    assert c.cmd(f"MAIL FROM:<{SENDER}>").code == 250
    assert c.cmd("RCPT TO:<b@example.net>").code == 250
    assert c.cmd("DATA").code == 354
    r = c.cmd(MESSAGE + b".")
    c.close()
    return r


def assert_tempfail(r):
    assert r.code == 451, r
    assert r.lines[-1].startswith("451 4.3.0 "), "an enhanced status code (RFC 3463)"


def assert_held(r):
    assert r.code == 550, r
    assert URL.match(r.lines[0][10:]), r


def rows(db, sql):
    con = sqlite3.connect(db, timeout=30)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_write_lock_held_by_another_process(make_smtpd, sink, dns, tmp_path):  # noqa: F811
    db = tmp_path / "ecluse.db"
    d = make_mx(make_smtpd, sink, dns, db)
    other = sqlite3.connect(db, timeout=30, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        t0 = time.monotonic()
        r = send(d)
        waited = time.monotonic() - t0
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert_tempfail(r)
    assert waited >= BUSY_TIMEOUT - 0.5, "the writer waited for the lock first"
    assert "event=hold_failed" in d.log()
    assert rows(db, "SELECT count(*) FROM held") == [(0,)], "nothing half-stored"
    assert sink.messages() == []
    # the lock is gone: the client's retry is held
    assert_held(send(d))
    (h,) = ctl_held(d)
    assert h["state"] == "held"


@contextlib.contextmanager
def tmpfs(path, size):
    path.mkdir()
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs",
                        path], capture_output=True)
    if p.returncode != 0:
        path.rmdir()
        pytest.skip(f"cannot mount a tmpfs here (needs root): {p.stderr.decode().strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", path], capture_output=True)


def fill(directory):
    """Fills the file system of directory; returns the filler file."""
    filler = directory / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for size in (65536, 512, 1):
            with contextlib.suppress(OSError):
                while True:
                    os.write(fd, b"\0" * size)
    finally:
        os.close(fd)
    return filler


def test_disk_full(make_smtpd, sink, dns, procs, tmp_path):  # noqa: F811
    with tmpfs(tmp_path / "fs", "4m") as fs:
        db = fs / "ecluse.db"
        d = make_mx(make_smtpd, sink, dns, db)
        filler = fill(fs)
        try:
            r = send(d)
        finally:
            filler.unlink()
        assert_tempfail(r)
        assert rows(db, "SELECT count(*) FROM held") == [(0,)], "nothing half-stored"
        assert_held(send(d))
        (h,) = ctl_held(d)
        assert h["state"] == "held" and h["size"] > len(MESSAGE)
        procs.stop_all()


def test_read_only_store_refused_at_start(smtpd_binary, procs, tmp_path):
    """A store on a read-only file system is refused at start with the path in the
    error, rather than a daemon that answers 451 to every suspicious message."""
    with tmpfs(tmp_path / "fs", "16m") as fs:
        db = fs / "ecluse.db"
        conf = tmp_path / "ctl.conf"
        conf.write_text(f"[store]\npath = {db}\n")
        p = subprocess.run([ECLUSECTL, "-c", conf, "held", "list"], capture_output=True,
                           timeout=60)
        assert p.returncode == 0, p.stderr
        subprocess.run(["mount", "-o", "remount,ro", fs], check=True)
        conf.write_text(f"[smtpd]\nlisten = 127.0.0.1:{harness.free_port()}\n"
                        f"hostname = mx.test\n"
                        f"[store]\npath = {db}\ntoken_key = {tmp_path / 'token.key'}\n"
                        f"[domain example.net]\n"
                        f"next_hop = 127.0.0.1:9\n")
        p = subprocess.run([smtpd_binary, "-c", conf, "-f", "-D", harness.REPO],
                           capture_output=True, timeout=60)
        assert p.returncode != 0
        assert str(db).encode() in p.stderr, p.stderr


def test_kill_before_the_550_leaves_nothing_the_client_was_told(make_smtpd, sink, dns,  # noqa: F811
                                                                 procs, tmp_path):
    """kill -9 of ecluse-smtpd while the held copy waits for the write lock: the client
    gets no reply (its message is still its own, it retries), and the store has no
    half-written copy; the retry, to a restarted daemon, is held once."""
    db = tmp_path / "ecluse.db"
    d = make_mx(make_smtpd, sink, dns, db)
    other = sqlite3.connect(db, timeout=30, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        c = d.client()
        c.ehlo("mail.client.test")
        assert c.cmd(f"MAIL FROM:<{SENDER}>").code == 250
        assert c.cmd("RCPT TO:<b@example.net>").code == 250
        assert c.cmd("DATA").code == 354
        c.send(MESSAGE + b".\r\n")
        time.sleep(1)
        d.proc.popen.kill()
        d.proc.popen.wait()
        d.proc.stopped = True
        assert c.is_closed() and c.buf == b"", "no reply at all before the kill"
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert rows(db, "SELECT count(*) FROM held") == [(0,)]
    d2 = make_mx(make_smtpd, sink, dns, db)
    assert_held(send(d2))
    assert len(ctl_held(d2)) == 1
