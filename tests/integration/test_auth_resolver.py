"""test_auth_resolver.py - auth/resolver.c (c-ares in a libevent loop) against a real
DNS server: nsd on loopback serving tests/zones/. Driven through the small program
tests/integration/resolve, which asks its questions in parallel and prints each answer
as the DNS cache holds it."""

import os
import re
import socket
import subprocess
from pathlib import Path

import pytest

from dnsserver import dkim_keys, dns  # noqa: F401  (fixtures)

BUILD = Path(os.environ.get("ECLUSE_BUILD", Path(__file__).resolve().parents[2] / "build/dev"))
RESOLVE = BUILD / "tests" / "integration" / "resolve"


def resolve(servers, qtype, *names, timeout_ms=2000, tries=2, check=True):
    if not os.access(RESOLVE, os.X_OK):
        pytest.fail(f"{RESOLVE} not built (set ECLUSE_BUILD)", pytrace=False)
    p = subprocess.run([str(RESOLVE), servers, str(timeout_ms), str(tries), qtype, *names],
                       capture_output=True, text=True, timeout=60)
    if check:
        assert p.returncode == 0, p.stdout + p.stderr
    return {line.split(" ", 1)[0]: line.split(" ", 2)[2]
            for line in p.stdout.splitlines()}


def test_txt(dns):
    got = resolve(dns.servers, "TXT", "reject.test", "_dmarc.reject.test",
                  "multi.reject.test", "_dmarc.nodmarc.test", "nosuch.reject.test",
                  "ns.reject.test", "_dmarc.test", "_dmarc.a.b.sub.reject.test")
    assert got["reject.test"] == 'OK "v=spf1 ip4:127.0.0.1 -all"'
    assert got["_dmarc.reject.test"].startswith('OK "v=DMARC1; p=reject; sp=quarantine')
    # character-strings of one record joined without a separator, records apart
    assert got["multi.reject.test"].startswith("OK ")
    records = sorted(re.findall(r'"([^"]*)"', got["multi.reject.test"]))
    assert records == ["another record", "first second third"]
    assert got["_dmarc.nodmarc.test"] == "NXDOMAIN"
    assert got["nosuch.reject.test"] == "NXDOMAIN"
    assert got["ns.reject.test"] == "NODATA"       # the name has an A record only
    assert got["_dmarc.test"] == "NXDOMAIN"        # from the root zone: not REFUSED
    assert got["_dmarc.a.b.sub.reject.test"] == "NXDOMAIN"


def test_long_txt_key(dns, dkim_keys):
    # a 2048-bit key is one record of several strings, over 400 bytes
    got = resolve(dns.servers, "TXT", "rsa._domainkey.reject.test")
    assert got["rsa._domainkey.reject.test"] == \
        f'OK "v=DKIM1; k=rsa; p={dkim_keys.rsa_public}"'


def test_addresses_mx_ptr(dns):
    assert resolve(dns.servers, "A", "v6.reject.test")["v6.reject.test"] == "OK 192.0.2.25"
    assert resolve(dns.servers, "AAAA", "v6.reject.test")["v6.reject.test"] == \
        "OK 2001:db8::25"
    assert resolve(dns.servers, "AAAA", "ns.reject.test")["ns.reject.test"] == "NODATA"
    assert resolve(dns.servers, "MX", "reject.test")["reject.test"] == "OK 10:mx.reject.test"
    ptr = resolve(dns.servers, "PTR", "1.2.0.192.reject.test")["1.2.0.192.reject.test"]
    # names lower-cased, no trailing dot
    assert sorted(ptr.split()[1:]) == ["mx.reject.test", "other.reject.test"]
    assert ptr.startswith("OK ")


def test_names_never_sent(dns):
    got = resolve(dns.servers, "TXT", "bad..name.test", "x" * 64 + ".reject.test",
                  "a" * 300)
    assert set(got.values()) == {"NXDOMAIN"}


def test_timeout_and_refused():
    # a UDP socket that never answers: the question times out after every try
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    try:
        port = silent.getsockname()[1]
        got = resolve(f"127.0.0.1:{port}", "TXT", "reject.test", timeout_ms=100, tries=2)
        assert got["reject.test"] == "TIMEOUT"
    finally:
        silent.close()
    # nothing listens any more: refused, a temporary failure all the same
    got = resolve(f"127.0.0.1:{port}", "TXT", "reject.test", timeout_ms=100, tries=1)
    assert got["reject.test"] in ("SERVFAIL", "TIMEOUT")


def test_bad_servers():
    p = subprocess.run([str(RESOLVE), "not-an-address:53", "100", "1", "TXT", "x.test"],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 1
    assert "not-an-address:53" in p.stderr
