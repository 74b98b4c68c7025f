"""test_auth_ctl.py - the "eclusectl auth" command itself: stdin, the fields claiming
our authserv-id, DNS that does not answer, and clear errors with a non-zero status."""

import socket

from authcheck import AUTHSERV_ID, ECLUSECTL, Ctl, ctl, message, write_conf  # noqa: F401
from dnsserver import dkim_keys, dns  # noqa: F401  (fixtures)

import subprocess


def test_stdin_and_lf_line_ends(ctl):
    msg = message().replace(b"\r\n", b"\n")
    out = ctl.run("alice@reject.test", msg, stdin=True)
    assert out.one("dmarc")[1] == "pass"
    assert out.header.startswith(f"Authentication-Results: {AUTHSERV_ID};")


def test_forged_results_are_listed_for_removal(ctl):
    extra = (b"Authentication-Results: MX.ECLUSE.TEST; dmarc=pass header.from=reject.test\r\n"
             b"Authentication-Results: other.example; spf=pass\r\n")
    out = ctl.run("x@nodmarc.test", message(extra=extra))
    assert out.remove == "1 Authentication-Results field(s)"
    assert out.one("dmarc")[1] == "fail"


def test_dns_down_is_temperror(tmp_path):
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    try:
        conf = write_conf(tmp_path / "ecluse.conf", f"127.0.0.1:{silent.getsockname()[1]}",
                          timeout_ms=100, tries=1)
        out = Ctl(conf).run("alice@reject.test", message())
    finally:
        silent.close()
    assert out.one("spf")[1] == "temperror"
    assert out.one("dmarc")[1] == "temperror"
    assert "timeout" in out.dmarc_reason


def run(*args, input=b""):
    return subprocess.run([str(ECLUSECTL), *args], input=input, capture_output=True,
                          timeout=60)


def test_errors(dns, tmp_path):
    conf = write_conf(tmp_path / "ecluse.conf", dns.servers)
    p = run("-c", str(conf), "auth", "--ip", "127.0.0.1", "--helo", "h")
    assert p.returncode != 0 and b"usage: eclusectl" in p.stderr
    p = run("-c", str(conf), "auth", "--ip", "999.1.1.1", "--helo", "h", "--mail-from", "a@b")
    assert p.returncode != 0 and b"not an IPv4 or IPv6 address" in p.stderr
    p = run("-c", str(conf), "auth", "--ip", "127.0.0.1", "--helo", "h", "--mail-from", "a@b",
            str(tmp_path / "missing.eml"))
    assert p.returncode != 0 and b"missing.eml" in p.stderr
    p = run("-c", str(tmp_path / "nope.conf"), "auth")
    assert p.returncode == 2 and b"nope.conf" in p.stderr
    bad = tmp_path / "bad.conf"
    bad.write_text("[dns]\nservers = nowhere:53\n")
    p = run("-c", str(bad), "auth", "--ip", "127.0.0.1", "--helo", "h", "--mail-from", "a@b",
            input=message())
    assert p.returncode != 0 and b"nowhere:53" in p.stderr
    p = run("-c", str(conf), "frobnicate")
    assert p.returncode != 0 and b"unknown command" in p.stderr
