"""harness.py - real processes on loopback for ecluse's integration tests.

What it gives a test (conftest.py wraps these in fixtures):
  Procs       every process a test starts, its log file, and its stop by PID at teardown
              (with a check that it did not crash or print a sanitizer report);
  Sink        tests/sink.py as a next hop: its port, and what it recorded (messages,
              envelopes, connections, transcripts);
  Smtpd       ecluse-smtpd with a config file written from Python values, started in the
              foreground on a free port and waited for until it listens;
  Client      a raw-socket SMTP client for byte-exact control (pipelining, bare LF, ...);
  helpers     free ports, the shared test data directory, a certificate made with openssl.

Everything binds 127.0.0.1 only. Waits are polls on an observable state (a listening
socket, a file in the sink's directory, a reply on a socket) bounded by WAIT_MAX, which
only stops a hung test; no test relies on how fast anything is.
"""

import json
import os
import random
import re
import signal
import smtplib
import socket
import ssl
import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SINK = REPO / "tests" / "sink.py"
PYTHON = "/usr/bin/python3"
# Upper bound for any wait on a process or a reply: a hung test fails instead of blocking
# the suite. Generous, because tests run under ASan on a shared two-core machine.
WAIT_MAX = 60.0
POLL = 0.02

# Names used by the default configuration.
HOSTNAME = "mx.ecluse.test"
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                     "ERROR: UndefinedBehaviorSanitizer")


def build_dir():
    """$ECLUSE_BUILD, else the worktree's build/dev then build/test."""
    env = os.environ.get("ECLUSE_BUILD")
    if env:
        return Path(env)
    for d in ("build/dev", "build/test"):
        if (REPO / d / "smtpd" / "ecluse-smtpd").exists():
            return REPO / d
    return REPO / "build" / "dev"


def shared_testdata():
    """$SHARED_TESTDATA, else <repo>/../shared/testdata."""
    env = os.environ.get("SHARED_TESTDATA")
    return Path(env) if env else REPO.parent / "shared" / "testdata"


def free_port():
    """A port that was free a moment ago (for daemons that cannot report the one they got)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ClosedPort:
    """A bound, never-listening socket: connecting to it is refused, and nobody else can
    take the port while the object lives. A next hop that is down."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.addr = f"127.0.0.1:{self.port}"

    def close(self):
        self.sock.close()


class SilentPort:
    """A listening socket that never accepts: the TCP handshake completes (the kernel's
    backlog) but no greeting ever comes. A next hop that hangs."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.addr = f"127.0.0.1:{self.port}"

    def close(self):
        self.sock.close()


def poll(what, check, timeout=WAIT_MAX):
    """Calls check() until it returns a true value, which is returned; fails after timeout."""
    end = time.monotonic() + timeout
    while True:
        v = check()
        if v:
            return v
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(POLL)


def listening_inodes(port):
    """Socket inodes listening on 127.0.0.1/0.0.0.0/:: port (from /proc/net/tcp*)."""
    found = set()
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(name).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            f = line.split()
            if f[3] == "0A" and int(f[1].rsplit(":", 1)[1], 16) == port:
                found.add(f[9])
    return found


def pid_socket_inodes(pid):
    inodes = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if link.startswith("socket:["):
                inodes.add(link[8:-1])
    except OSError:
        pass
    return inodes


class Proc:
    def __init__(self, name, argv, log_path, popen):
        self.name, self.argv, self.log_path, self.popen = name, argv, log_path, popen
        self.stopped = False

    @property
    def pid(self):
        return self.popen.pid

    def alive(self):
        return self.popen.poll() is None

    def log(self):
        try:
            return self.log_path.read_text(errors="backslashreplace")
        except OSError:
            return ""

    def stop(self):
        """SIGTERM by PID, SIGKILL if it does not exit. Returns the exit status."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        self.stopped = True
        return self.popen.returncode


class Procs:
    """The processes of one test. Stopped in reverse order at teardown."""

    def __init__(self, workdir):
        self.workdir = Path(workdir)
        self.procs = []

    def start(self, name, argv, env=None):
        log_path = self.workdir / f"{name}.log"
        n = 1
        while log_path.exists():
            n += 1
            log_path = self.workdir / f"{name}-{n}.log"
        logf = open(log_path, "wb")
        popen = subprocess.Popen([str(a) for a in argv], stdin=subprocess.DEVNULL,
                                 stdout=logf, stderr=subprocess.STDOUT,
                                 env=env, cwd=self.workdir, start_new_session=True)
        logf.close()
        p = Proc(name, argv, log_path, popen)
        self.procs.append(p)
        return p

    def logs(self):
        return [(p.name, p.log_path) for p in self.procs]

    def stop_all(self):
        """Stops everything; returns a list of problems (crash, sanitizer report)."""
        problems = []
        for p in reversed(self.procs):
            died_before = p.popen.poll() is not None and not p.stopped
            rc = p.stop()
            if died_before:
                problems.append(f"{p.name} (pid {p.pid}) exited by itself with status {rc}")
            text = p.log()
            for marker in SANITIZER_MARKERS:
                if marker in text:
                    problems.append(f"{p.name} (pid {p.pid}) log has '{marker}'")
                    break
        return problems


# --- the sink --------------------------------------------------------------------------

class Sink:
    """tests/sink.py on a port of its choosing; options are its command-line modes."""

    def __init__(self, procs, directory, *options, port=0):
        self.procs = procs
        self.dir = Path(directory)
        self.options = [str(o) for o in options]
        self.port = port
        self.proc = None
        self.start()

    def start(self):
        self.proc = self.procs.start(
            "sink", [PYTHON, SINK, "--listen", f"127.0.0.1:{self.port}", "--dir", self.dir,
                     *self.options])

        def started():
            if not self.proc.alive():
                raise AssertionError(f"sink exited: {self.proc.log()}")
            m = re.search(r"sink: listening on 127\.0\.0\.1:(\d+)", self.proc.log())
            return m and int(m.group(1))
        self.port = poll("the sink to listen", started)
        self.addr = f"127.0.0.1:{self.port}"

    def restart(self):
        """Stops the sink and starts it again on the same port (same directory)."""
        self.proc.stop()
        self.start()

    def stop(self):
        self.proc.stop()

    def messages(self, accepted_only=True):
        """Envelopes (dicts, sorted by n) with "data" set to the message bytes."""
        out = []
        for j in self.dir.glob("*.json"):
            env = json.loads(j.read_text())
            if accepted_only and not env["accepted"]:
                continue
            env["data"] = (self.dir / f"{env['n']}.eml").read_bytes()
            out.append(env)
        return sorted(out, key=lambda e: e["n"])

    def all_messages(self):
        return self.messages(accepted_only=False)

    def wait_messages(self, n, accepted_only=True):
        """Waits until the sink has recorded at least n messages; returns them all."""
        def enough():
            msgs = self.messages(accepted_only)
            return msgs if len(msgs) >= n else None
        return poll(f"{n} message(s) in {self.dir}", enough)

    def connections(self):
        return len(list(self.dir.glob("conn-*.log")))

    def transcripts(self):
        """Every connection's transcript, in connection order."""
        return [(self.dir / f"conn-{i}.log").read_text()
                for i in range(1, self.connections() + 1)]

    def commands(self):
        """Every command line the sink received, all connections, in order."""
        return [line[3:] for t in self.transcripts() for line in t.splitlines()
                if line.startswith("C: ")]


# --- ecluse-smtpd ----------------------------------------------------------------------

def config_text(sections, domains=None):
    """An ecluse.conf from {section: {key: value}} (in order), then one
    [domain NAME] per entry of domains ({name: next_hop} or {name: {key: value}})."""
    lines = []
    for section, keys in sections.items():
        lines += [f"[{section}]"] + [f"{k} = {v}" for k, v in keys.items()] + [""]
    for name, hop in (domains or {}).items():
        keys = hop if isinstance(hop, dict) else {"next_hop": hop}
        lines += [f"[domain {name}]"] + [f"{k} = {v}" for k, v in keys.items()] + [""]
    return "\n".join(lines)


def wait_listening(proc, port):
    """Waits until proc has a socket listening on port (True), or has exited (False)."""
    def ready():
        if not proc.alive():
            return "exited"
        return "ok" if listening_inodes(port) & pid_socket_inodes(proc.pid) else None
    return poll(f"{proc.name} to listen on port {port}", ready) == "ok"


def start_daemon(procs, name, prepare):
    """Starts a daemon that listens on a port we choose: prepare(port) writes its config
    and returns its argv. Tries another port when the chosen one was taken meanwhile.
    Returns (proc, port)."""
    for attempt in range(3):
        port = free_port()
        proc = procs.start(name, prepare(port))
        if wait_listening(proc, port):
            return proc, port
        if "in use" not in proc.log() or attempt == 2:
            raise AssertionError(f"{name} exited with status {proc.popen.returncode} "
                                 f"before listening:\n{proc.log()}")


class Smtpd:
    """ecluse-smtpd -c FILE -f, listening on a free port of 127.0.0.1.
    smtpd: more [smtpd] keys; sections: more sections ({name: {key: value}}), e.g.
    {"dns": {"servers": "127.0.0.1:5353"}}; [store] path defaults to a file in workdir;
    datadir: where its templates are (-D), the checkout unless given."""

    def __init__(self, procs, binary, workdir, domains, smtpd=None, sections=None,
                 hostname=HOSTNAME, datadir=REPO):
        self.procs = procs
        self.binary = binary
        self.workdir = Path(workdir)
        self.hostname = hostname
        self.config = self.workdir / "ecluse.conf"
        more = dict(sections or {})
        more.setdefault("store", {"path": self.workdir / "ecluse.db"})

        def prepare(port):
            smtpd_keys = {"listen": f"127.0.0.1:{port}", "hostname": hostname,
                          **(smtpd or {})}
            self.config.write_text(config_text({"smtpd": smtpd_keys, **more}, domains))
            return [binary, "-c", self.config, "-f", "-D", datadir]
        self.proc, self.port = start_daemon(procs, "ecluse-smtpd", prepare)

    @property
    def addr(self):
        return f"127.0.0.1:{self.port}"

    def log(self):
        return self.proc.log()

    def client(self, **kw):
        return Client(self.port, **kw)

    def smtplib(self, **kw):
        s = smtplib.SMTP("127.0.0.1", self.port, timeout=WAIT_MAX, **kw)
        return s


# --- a raw client ----------------------------------------------------------------------

class Reply:
    def __init__(self, lines):
        self.lines = lines            # full lines, without CRLF, e.g. "250-PIPELINING"
        self.code = int(lines[-1][:3])
        self.text = "\n".join(line[4:] for line in lines)

    @property
    def last(self):
        return self.lines[-1]

    def __repr__(self):
        return f"Reply({' | '.join(self.lines)!r})"


class Client:
    """Raw SMTP over a socket: exact bytes out, replies parsed in."""

    def __init__(self, port, source=None, greeting=True, timeout=WAIT_MAX):
        self.sock = socket.socket()
        self.sock.settimeout(timeout)
        if source:
            self.sock.bind((source, 0))
        self.sock.connect(("127.0.0.1", port))
        self.buf = b""
        self.greeting = self.reply() if greeting else None

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError(f"connection closed; unread: {self.buf!r}")
        self.buf += chunk

    def line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line.decode("utf-8", "backslashreplace")

    def reply(self):
        lines = []
        while True:
            line = self.line()
            if not re.match(r"[2-5][0-9][0-9]([ -]|$)", line):
                raise AssertionError(f"not an SMTP reply line: {line!r} (after {lines})")
            lines.append(line)
            if len(line) < 4 or line[3] == " ":
                return Reply(lines)

    def replies(self, n):
        return [self.reply() for _ in range(n)]

    def cmd(self, line):
        self.send(line.encode() + b"\r\n" if isinstance(line, str) else line + b"\r\n")
        return self.reply()

    def ehlo(self, name="client.test"):
        r = self.cmd(f"EHLO {name}")
        assert r.code == 250, r
        return r

    def is_closed(self):
        """True when the server has closed (reads what is left; fails on other data)."""
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return True
                self.buf += chunk
        except ConnectionResetError:
            return True

    def starttls(self, context=None, server_hostname=HOSTNAME):
        r = self.cmd("STARTTLS")
        assert r.code == 220, r
        ctx = context or client_tls_context()
        self.sock = ctx.wrap_socket(self.sock, server_hostname=server_hostname)
        return r

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def client_tls_context():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def make_certificate(directory, cn=HOSTNAME):
    """A self-signed certificate and key made with openssl; returns (cert, key) paths."""
    directory = Path(directory)
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec",
                    "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                    "-subj", f"/CN={cn}", "-addext", f"subjectAltName=DNS:{cn}",
                    "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


def message(subject="test", body="hello\r\n", sender="a@example.org", to="b@example.net",
            extra_headers=""):
    """A small RFC 5322 message as bytes with CRLF line ends."""
    text = (f"From: <{sender}>\r\nTo: <{to}>\r\nSubject: {subject}\r\n"
            f"Message-ID: <{subject.replace(' ', '.')}@example.org>\r\n{extra_headers}\r\n"
            f"{body}")
    return text.encode()


def dot_stuff(data):
    """RFC 5321 4.5.2 transparency, as a client applies it: a "." is added before every
    line that starts with "."; only CRLF ends a line."""
    return b"\r\n".join(b"." + ln if ln.startswith(b".") else ln
                         for ln in data.split(b"\r\n"))


def split_received(eml):
    """Splits what the sink recorded into (the header fields ecluse added, the rest).
    ecluse adds a Received field first, then its Authentication-Results field (RFC
    8601); each is one line plus its folded continuation lines (RFC 5322 2.2.3)."""
    assert eml.startswith(b"Received:"), f"no Received header first: {eml[:200]!r}"

    def field_end(pos):
        while True:
            pos = eml.index(b"\r\n", pos) + 2
            if eml[pos:pos + 1] not in (b" ", b"\t"):
                return pos

    pos = field_end(0)
    if eml.startswith(b"Authentication-Results:", pos):
        pos = field_end(pos)
    return eml[:pos], eml[pos:]


DIFF_SEED = 20261122


def diff_seed():
    """The seed of a differential test: the same one in every run unless
    $ECLUSE_DIFF_SEED names another, or is "random" to draw a fresh one (how new cases
    are explored; a seed that fails becomes a fixed case). Printed, so that a failure's
    output says how to replay it."""
    s = os.environ.get("ECLUSE_DIFF_SEED")
    if s == "random":
        s = random.SystemRandom().randrange(1 << 32)
    s = int(s) if s else DIFF_SEED
    print(f"ECLUSE_DIFF_SEED={s}")
    return s


def helper_program(name):
    """The path of a helper program built in tests/integration (fails when not built)."""
    path = build_dir() / "tests" / "integration" / name
    assert os.access(path, os.X_OK), f"{path} not built (set ECLUSE_BUILD)"
    return str(path)
