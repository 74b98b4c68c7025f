"""authcheck.py - runs "eclusectl auth" against the nsd of dnsserver.py and reads its
output: the Authentication-Results field (methods and properties) and the SPF and
DMARC lines. Messages are signed at test time with python3-dkim.

Fixture: ctl(dns) -> Ctl, with .run(mail_from, message, ip=..., helo=...) -> Outcome.
"""

import os
import re
import subprocess
from pathlib import Path

import dkim
import pytest

BUILD = Path(os.environ.get("ECLUSE_BUILD", Path(__file__).resolve().parents[2] / "build/dev"))
ECLUSECTL = BUILD / "ctl" / "eclusectl"
AUTHSERV_ID = "mx.ecluse.test"


def message(from_="Alice <alice@reject.test>", extra=b"", body=b"Hello, world.\r\n",
            subject=b"test"):
    head = b"From: " + from_.encode() + b"\r\n" if from_ is not None else b""
    return (head + b"To: bob@example.org\r\nSubject: " + subject + b"\r\n" +
            b"Message-ID: <1@reject.test>\r\n" + extra + b"\r\n" + body)


def sign(msg, keys, domain, selector, algorithm="rsa"):
    if algorithm == "rsa":
        sig = dkim.sign(msg, selector.encode(), domain.encode(), keys.rsa_private,
                        include_headers=[b"from", b"to", b"subject", b"message-id"])
    else:
        sig = dkim.sign(msg, selector.encode(), domain.encode(), keys.ed_private,
                        signature_algorithm=b"ed25519-sha256",
                        include_headers=[b"from", b"to", b"subject", b"message-id"])
    return sig + msg


class Outcome:
    def __init__(self, proc):
        self.proc = proc
        self.status = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.header = ""
        self.methods = []      # [(method, result, {property: value})]
        self.spf = {}
        self.dmarc = {}
        self.dmarc_reason = ""
        self.remove = None
        lines = proc.stdout.splitlines()
        field = []
        while lines and (lines[0].startswith("Authentication-Results:") or
                         (field and lines[0].startswith("\t"))):
            field.append(lines.pop(0))
        self.header = "\n".join(field)
        for part in " ".join(field).split(";")[1:]:
            words = part.split()
            method, result = words[0].split("=", 1)
            props = dict(w.split("=", 1) for w in re.findall(r'\S+=(?:"[^"]*"|\S+)', " ".join(words[1:])))
            self.methods.append((method, result, props))
        for line in lines:
            if line.startswith("SPF: "):
                self.spf = dict(re.findall(r'(\S+)=("[^"]*"|\S+)', line[5:]))
            elif line.startswith("DMARC: "):
                self.dmarc = dict(re.findall(r"(\S+)=(\S+)", line[7:]))
            elif line.startswith("DMARC-Reason: "):
                self.dmarc_reason = line[14:]
            elif line.startswith("Remove: "):
                self.remove = line[8:]

    def method(self, name):
        found = [m for m in self.methods if m[0] == name]
        assert found, f"no {name}= in {self.header!r}"
        return found

    def one(self, name):
        found = self.method(name)
        assert len(found) == 1, found
        return found[0]


class Ctl:
    def __init__(self, conf):
        self.conf = conf

    def run(self, mail_from, msg, ip="127.0.0.1", helo="mx.reject.test", stdin=False,
            extra_args=(), expect_status=0):
        if not os.access(ECLUSECTL, os.X_OK):
            pytest.fail(f"{ECLUSECTL} not built (set ECLUSE_BUILD)", pytrace=False)
        argv = [str(ECLUSECTL), "-c", str(self.conf), "auth", "--ip", ip, "--helo", helo,
                "--mail-from", mail_from, *extra_args]
        if stdin:
            proc = subprocess.run(argv, input=msg, capture_output=True, timeout=120)
        else:
            path = self.conf.parent / "message.eml"
            path.write_bytes(msg)
            proc = subprocess.run(argv + [str(path)], capture_output=True, timeout=120)
        proc.stdout = proc.stdout.decode(errors="replace")
        proc.stderr = proc.stderr.decode(errors="replace")
        out = Outcome(proc)
        assert out.status == expect_status, (out.status, out.stdout, out.stderr)
        return out


def write_conf(path, servers, timeout_ms=1000, tries=2, authserv_id=AUTHSERV_ID):
    path.write_text(f"[smtpd]\nhostname = mx.ecluse.test\n"
                    f"[dns]\nservers = {servers}\ntimeout_ms = {timeout_ms}\ntries = {tries}\n"
                    f"[policy]\nauthserv_id = {authserv_id}\n")
    return path


@pytest.fixture
def ctl(dns, tmp_path):
    return Ctl(write_conf(tmp_path / "ecluse.conf", dns.servers))
