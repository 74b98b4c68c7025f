"""dnsserver.py - a real DNS server for the integration tests: Debian's nsd, in the
foreground, on 127.0.0.1 and a free port, serving zone files rendered from the
templates in tests/zones/ into a temporary directory, stopped by its PID.

Templates name their zone with "$ORIGIN"; "${NAME}" is replaced by the value given
for NAME (an unknown name is an error, so a template never ships a placeholder).
Every zone is served authoritatively, with the root zone, so that any name outside
the test zones gets NXDOMAIN rather than REFUSED.

    with NsdServer(zones_from_templates(subs)) as dns:
        dns.servers   # "127.0.0.1:PORT", the [dns] servers value

Fixtures for pytest (import them into a test module):
    dkim_keys   the keys of the test domains, made once per session
    dns         nsd serving tests/zones/ with those keys, once per session
"""

import base64
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import dnslib
import pytest

NSD = "/usr/sbin/nsd"
ZONES = Path(__file__).resolve().parent.parent / "zones"
START_TIMEOUT = 20.0


def free_port():
    """A port free for both UDP and TCP on 127.0.0.1 (c-ares falls back to TCP)."""
    for _ in range(50):
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind(("127.0.0.1", 0))
        port = u.getsockname()[1]
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            t.bind(("127.0.0.1", port))
        except OSError:
            continue
        finally:
            t.close()
            u.close()
        return port
    raise RuntimeError("no free port for both UDP and TCP")


_PLACEHOLDER = re.compile(r"\$\{([A-Z0-9_]+)\}")


def render(text, subs):
    def one(m):
        if m.group(1) not in subs:
            raise KeyError(f"zone template uses ${{{m.group(1)}}}, not given")
        return subs[m.group(1)]
    return _PLACEHOLDER.sub(one, text)


def zones_from_templates(subs, directory=ZONES):
    """{zone name: zone text} for every *.zone template of directory."""
    zones = {}
    for path in sorted(directory.glob("*.zone")):
        text = render(path.read_text(), subs)
        m = re.search(r"^\$ORIGIN\s+(\S+)", text, re.M)
        if not m:
            raise ValueError(f"{path}: no $ORIGIN")
        zones[m.group(1)] = text
    return zones


def txt_strings(data):
    """A long TXT value as several quoted character-strings (at most 255 bytes each)."""
    return " ".join(f'"{data[i:i + 250]}"' for i in range(0, len(data), 250))


class NsdServer:
    def __init__(self, zones):
        self.zones = zones
        self.dir = None
        self.proc = None
        self.port = None

    @property
    def servers(self):
        return f"127.0.0.1:{self.port}"

    def _write(self):
        self.dir = Path(tempfile.mkdtemp(prefix="ecluse-nsd-"))
        self.port = free_port()
        conf = [
            "server:",
            f"    ip-address: 127.0.0.1@{self.port}",
            f"    port: {self.port}",
            "    do-ip6: no",
            '    username: ""',
            '    chroot: ""',
            f'    zonesdir: "{self.dir}"',
            f'    pidfile: "{self.dir}/nsd.pid"',
            '    database: ""',
            f'    zonelistfile: "{self.dir}/zone.list"',
            f'    xfrdfile: "{self.dir}/xfrd.state"',
            f'    xfrdir: "{self.dir}"',
            f'    logfile: "{self.dir}/nsd.log"',
            "    server-count: 1",
            "    verbosity: 1",
            "    hide-version: yes",
            # Response Rate Limiting is on by default: tests and benchmarks ask
            # thousands of questions a second from 127.0.0.1, which RRL would drop.
            "    rrl-ratelimit: 0",
            "remote-control:",
            "    control-enable: no",
        ]
        for i, (name, text) in enumerate(self.zones.items()):
            (self.dir / f"zone{i}.zone").write_text(text)
            conf += ["zone:", f'    name: "{name}"', f'    zonefile: "zone{i}.zone"']
        (self.dir / "nsd.conf").write_text("\n".join(conf) + "\n")

    def log(self):
        try:
            return (self.dir / "nsd.log").read_text(errors="replace")
        except (OSError, TypeError):
            return ""

    def _answers(self):
        q = dnslib.DNSRecord.question(".", "SOA")
        try:
            reply = dnslib.DNSRecord.parse(q.send("127.0.0.1", self.port, timeout=0.5))
        except (OSError, socket.timeout, dnslib.DNSError):
            return False
        return reply.header.rcode == dnslib.RCODE.NOERROR and len(reply.rr) == 1

    def start(self):
        self._write()
        check = subprocess.run(["/usr/sbin/nsd-checkconf", str(self.dir / "nsd.conf")],
                               capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError(f"nsd-checkconf: {check.stderr}")
        self.proc = subprocess.Popen([NSD, "-d", "-c", str(self.dir / "nsd.conf")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nsd exited with {self.proc.returncode}:\n{self.log()}")
            if self._answers():
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"nsd did not answer within {START_TIMEOUT} s:\n{self.log()}")

    def stop(self):
        if self.proc is not None:
            if self.proc.poll() is None:
                os.kill(self.proc.pid, signal.SIGTERM)
                try:
                    self.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.kill(self.proc.pid, signal.SIGKILL)
                    self.proc.wait()
            self.proc = None
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class DkimKeys:
    """An RSA 2048 and an ed25519 key pair, in the forms python3-dkim signs with and
    the zone files publish."""

    def __init__(self):
        import nacl.encoding
        import nacl.signing

        # PKCS#1, the form python3-dkim reads; the public key as SubjectPublicKeyInfo
        self.rsa_private = subprocess.run(
            ["openssl", "genrsa", "-traditional", "2048"], check=True,
            capture_output=True).stdout
        spki = subprocess.run(["openssl", "rsa", "-pubout", "-outform", "DER"],
                              input=self.rsa_private, check=True,
                              capture_output=True).stdout
        self.rsa_public = base64.b64encode(spki).decode()
        ed = nacl.signing.SigningKey.generate()
        self.ed_private = ed.encode(encoder=nacl.encoding.Base64Encoder)
        self.ed_public = ed.verify_key.encode(encoder=nacl.encoding.Base64Encoder).decode()

    def zone_subs(self):
        return {"RSA_PUB": txt_strings(self.rsa_public), "ED_PUB": self.ed_public}


@pytest.fixture(scope="session")
def dkim_keys():
    return DkimKeys()


@pytest.fixture(scope="session")
def dns(dkim_keys):
    server = NsdServer(zones_from_templates(dkim_keys.zone_subs()))
    server.start()
    yield server
    server.stop()
