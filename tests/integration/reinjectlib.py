"""reinjectlib.py - what test_reinject_*.py share: a store with held messages in it
(tests/integration/store_tool), and the re-injection runner as a process.

  Store(path)     one store file: hold() and token releases through store_tool (the
                  calls ecluse-smtpd's quarantine and ecluse-web make), operator
                  releases and show() through eclusectl, audit() through store_tool;
  Runner          the runner (tests/integration/reinject_run, wired as ecluse-smtpd's
                  main wires it) with a config written from Python values; kill() is
                  a kill -9, restart() starts it again on the same config and store.
  release_header  the regular expression of the header the runner adds.
"""

import asyncio
import json
import os
import re
import signal
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

import harness

# The header that records a release, as reinject_header() writes it.
RELEASE_HEADER = re.compile(
    rb"X-Ecluse-Released: by (sender after challenge|operator); id=(\d+);\r\n"
    rb"\tat=(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct"
    rb"|Nov|Dec) \d{4} \d\d:\d\d:\d\d [+-]\d{4}\r\n")
# reinject.h
LEASE_MARGIN = 10
ATTEMPT_REPLIES = 6
POLL = 3


def tool(name):
    path = harness.build_dir() / "tests" / "integration" / name
    assert os.access(path, os.X_OK), f"{path} not built (make in the build directory)"
    return path


def epoch(text):
    """Unix seconds of a time eclusectl prints ("2024-03-05T10:00:00Z")."""
    return int(datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")
               .replace(tzinfo=timezone.utc).timestamp())


def split_release_header(data):
    """(id, how, rest) of a delivered message that starts with the release header."""
    m = RELEASE_HEADER.match(data)
    assert m, f"no release header first: {data[:200]!r}"
    return int(m.group(2)), m.group(1).decode(), data[m.end():]


class Store:
    def __init__(self, path):
        self.path = Path(path)
        self.tool = tool("store_tool")
        self.config = self.path.parent / "eclusectl.conf"
        self.config.write_text(harness.config_text({"store": {"path": self.path}}))

    def run(self, *args, check=True):
        r = subprocess.run([self.tool, self.path, *map(str, args)], capture_output=True,
                           timeout=harness.WAIT_MAX)
        if check:
            assert r.returncode == 0, f"store_tool {args}: {r.stderr.decode()}"
        return r

    def ctl(self, *args, check=True):
        r = subprocess.run([harness.build_dir() / "ctl" / "eclusectl", "-c", self.config,
                            *map(str, args)], capture_output=True, timeout=harness.WAIT_MAX)
        if check:
            assert r.returncode == 0, f"eclusectl {args}: {r.stderr.decode()}"
        return r

    def hold(self, message, mail_from="a@example.org", rcpts=("b@example.net",)):
        """Holds message (bytes); returns its id."""
        f = self.path.parent / f"msg-{time.monotonic_ns()}.eml"
        f.write_bytes(message)
        out = self.run("hold", mail_from, ",".join(rcpts), f).stdout
        return int(out)

    def release(self, held_id, how="token", check=True):
        """how: "token" (the sender solved the challenge, as ecluse-web releases) or
        "operator" (eclusectl held release)."""
        if how == "operator":
            return self.ctl("held", "release", held_id, check=check)
        return self.run("release", held_id, "token", check=check)

    def show(self, held_id):
        """eclusectl held show ID --json, as a dict."""
        return json.loads(self.ctl("held", "show", held_id, "--json").stdout)

    def state(self, held_id):
        return self.show(held_id)["state"]

    def wait_state(self, held_id, state, timeout=harness.WAIT_MAX):
        def reached():
            s = self.show(held_id)
            return s if s["state"] == state else None
        return harness.poll(f"message {held_id} to be {state}", reached, timeout)

    def audit(self):
        return self.run("audit").stdout.decode().splitlines()


class Runner:
    """reinject_run -c FILE: the re-injection runner over a store, with relay timeouts
    and [domain] sections from Python values; limits are its -r/-m/-l/-j options."""

    def __init__(self, procs, workdir, store, domains, timeouts=(2, 2, 5),
                 retry_first=1, retry_max=4, lifetime=3600, concurrency=4):
        self.procs = procs
        self.workdir = Path(workdir)
        self.workdir.mkdir(exist_ok=True)
        self.config = self.workdir / "ecluse.conf"
        connect, reply, data_end = timeouts
        self.lease = connect + ATTEMPT_REPLIES * reply + data_end + LEASE_MARGIN
        self.config.write_text(harness.config_text({
            "smtpd": {"hostname": harness.HOSTNAME, "relay_timeout_connect": connect,
                      "relay_timeout_reply": reply, "relay_timeout_data_end": data_end},
            "store": {"path": store.path}}, domains))
        self.argv = [tool("reinject_run"), "-c", self.config, "-r", retry_first,
                     "-m", retry_max, "-l", lifetime, "-j", concurrency]
        self.proc = None
        self.start()

    def start(self):
        self.proc = self.procs.start("reinject_run", self.argv)

        def started():
            if not self.proc.alive():
                raise AssertionError(f"reinject_run exited: {self.proc.log()}")
            return "event=start" in self.proc.log()
        harness.poll("the runner to start", started)

    def restart(self):
        self.start()

    def log(self):
        return self.proc.log()

    def count(self, event):
        return len(re.findall(rf"event={event}\b", self.log()))

    def wait_log(self, event, n=1, timeout=harness.WAIT_MAX):
        return harness.poll(f"{n} '{event}' in the runner's log",
                            lambda: self.count(event) >= n, timeout)

    def kill(self):
        """kill -9: no clean-up of any kind."""
        self.proc.popen.send_signal(signal.SIGKILL)
        self.proc.popen.wait()
        self.proc.stopped = True

    def stop(self):
        return self.proc.stop()


class SlowRcpt:
    """An aiosmtpd handler for a next hop that answers each RCPT after `delay`
    seconds: every reply within the reply timeout, the whole attempt over its
    budget."""

    def __init__(self, delay):
        self.delay = delay
        self.delivered = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        await asyncio.sleep(self.delay)
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        self.delivered.append(envelope.original_content)
        return "250 2.0.0 OK"


# --- fixtures (import them by name into a test file) ------------------------------------

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
