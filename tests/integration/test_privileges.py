"""test_privileges.py - [smtpd] user: started as root, as a packaged install starts
them, ecluse-smtpd and ecluse-web run as that user, and everything they share (the
store, its -wal and -shm, the token key) belongs to it, so that the other daemon and
eclusectl, also that user, can open it: a held message's release link works through
ecluse-web. Needs root (to start as root and become another user); skipped elsewhere,
saying so."""
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import urllib.request
from pathlib import Path

import pytest

from dnsserver import dkim_keys, dns  # noqa: F401  (fixtures)
from harness import REPO, Smtpd, free_port, wait_listening

BUILD = Path(os.environ.get("ECLUSE_BUILD", REPO / "build" / "dev"))
USER = "nobody"

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="starts the daemons as root")


def uid_of(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Uid:"):
            return {int(x) for x in line.split()[1:]}
    raise AssertionError("no Uid line")


@pytest.fixture
def shared_dir():
    """A folder the user can reach (pytest's tmp_path is root's, mode 0700), with a
    state folder of its own, as a package makes /var/lib/ecluse."""
    d = Path(tempfile.mkdtemp(prefix="ecluse-priv-", dir="/tmp"))
    d.chmod(0o755)
    state = d / "state"
    state.mkdir()
    pw = pwd.getpwnam(USER)
    os.chown(state, pw.pw_uid, pw.pw_gid)
    yield d
    shutil.rmtree(d)


def test_daemons_run_as_user_and_share_the_store(procs, smtpd_binary, sink, dns,  # noqa: F811
                                                 shared_dir):
    pw = pwd.getpwnam(USER)
    web_port = free_port()
    state = shared_dir / "state"
    mx = Smtpd(procs, smtpd_binary, shared_dir, {"example.net": sink.addr},
               smtpd={"user": USER},
               sections={"dns": {"servers": dns.servers},
                         "store": {"path": state / "ecluse.db"},
                         "web": {"listen": f"127.0.0.1:{web_port}",
                                 "base_url": f"http://127.0.0.1:{web_port}"},
                         "policy": {"mode": "enforce"}})
    mx.config.chmod(0o644)
    assert uid_of(mx.proc.pid) == {pw.pw_uid}

    c = mx.client()
    c.ehlo("mail.client.test")
    assert c.cmd("MAIL FROM:<stranger@unknown.test>").code == 250
    assert c.cmd("RCPT TO:<b@example.net>").code == 250
    assert c.cmd("DATA").code == 354
    r = c.cmd(b"From: stranger@unknown.test\r\nTo: b@example.net\r\nSubject: hi\r\n\r\n"
              b"hello\r\n.")
    assert r.code == 550, r
    url = r.lines[-1][10:]
    assert re.match(rf"^http://127\.0\.0\.1:{web_port}/r/[A-Za-z0-9_-]+$", url), r

    for f in ("ecluse.db", "ecluse.db-wal", "ecluse.db-shm", "token.key"):
        st = (state / f).stat()
        assert (st.st_uid, st.st_gid) == (pw.pw_uid, pw.pw_gid), f"{f} owned by {st.st_uid}"

    web = procs.start("ecluse-web", [BUILD / "release-web" / "ecluse-web", "-c", mx.config,
                                     "-f", "-D", REPO])
    assert wait_listening(web, web_port), web.log()
    assert uid_of(web.pid) == {pw.pw_uid}
    with urllib.request.urlopen(url, timeout=30) as resp:
        assert resp.status == 200
        assert b"stranger@unknown.test" in resp.read()

    # eclusectl, as the user too, reads what both daemons share
    p = subprocess.run(["setpriv", f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}",
                        "--clear-groups", BUILD / "ctl" / "eclusectl", "-c", mx.config,
                        "held", "list"], capture_output=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert b"stranger@unknown.test" in p.stdout
