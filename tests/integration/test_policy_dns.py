"""test_policy_dns.py - the connect-time DNS signals of the verdict policy against a real
DNS server: DNSBL lookups (smtpd/dnsbl.c, RFC 5782) and forward-confirmed reverse DNS
(smtpd/rdns.c), on the resolver of auth/resolver.c, with nsd serving tests/zones/
(dnsbl.test, dnsbl2.test, rdns.test, 127.in-addr.arpa, 8.b.d.0.1.0.0.2.ip6.arpa).
Driven through tests/integration/dnssignals, which starts every lookup at once as the
daemon does when clients connect, and prints each result."""

import os
import socket
import subprocess
from pathlib import Path

import pytest

from dnsserver import dkim_keys, dns  # noqa: F401  (fixtures)

BUILD = Path(os.environ.get("ECLUSE_BUILD", Path(__file__).resolve().parents[2] / "build/dev"))
DNSSIGNALS = BUILD / "tests" / "integration" / "dnssignals"
ZONES = "dnsbl.test,dnsbl2.test"


def signals(servers, *addresses, zones=ZONES, timeout_ms=2000, tries=2, status=0):
    """{address: {"rdns": "status [name]", zone: "status [code]"}}"""
    if not os.access(DNSSIGNALS, os.X_OK):
        pytest.fail(f"{DNSSIGNALS} not built (set ECLUSE_BUILD)", pytrace=False)
    p = subprocess.run([str(DNSSIGNALS), servers, str(timeout_ms), str(tries), zones,
                        *addresses], capture_output=True, text=True, timeout=60)
    assert p.returncode == status, p.stdout + p.stderr
    got = {}
    for line in p.stdout.splitlines():
        addr, kind, rest = line.split(" ", 2)
        if kind == "rdns":
            got.setdefault(addr, {})["rdns"] = rest
        else:
            zone, result = rest.split(" ", 1)
            got.setdefault(addr, {})[zone] = result
    return got


def test_dnsbl_ipv4(dns):
    got = signals(dns.servers, "127.0.0.1", "127.0.0.2", "127.0.0.10", "127.0.0.20",
                  "127.0.0.21", "127.0.0.22", "127.0.0.23")
    # RFC 5782 5: the test entry is listed, 127.0.0.1 is not
    assert got["127.0.0.2"]["dnsbl.test"] == "listed 2"
    assert got["127.0.0.2"]["dnsbl2.test"] == "not_listed"
    assert got["127.0.0.1"]["dnsbl.test"] == "not_listed"
    assert got["127.0.0.1"]["dnsbl2.test"] == "not_listed"
    # on both lists, each with its own code
    assert got["127.0.0.10"]["dnsbl.test"] == "listed 4"
    assert got["127.0.0.10"]["dnsbl2.test"] == "listed 2"
    # answers that are not listings: an error code, 127.0.0.1, no A record
    assert got["127.0.0.20"]["dnsbl.test"] == "unknown"
    assert got["127.0.0.21"]["dnsbl.test"] == "unknown"
    assert got["127.0.0.22"]["dnsbl.test"] == "not_listed"
    # an error code next to a listing: listed
    assert got["127.0.0.23"]["dnsbl.test"] == "listed 9"


def test_dnsbl_ipv6_and_mapped(dns):
    got = signals(dns.servers, "2001:db8::10", "2001:db8::11", "::ffff:127.0.0.2")
    assert got["2001:db8::10"]["dnsbl.test"] == "listed 3"   # 32 nibbles (RFC 5782 2.4)
    assert got["2001:db8::11"]["dnsbl.test"] == "not_listed"
    # a dual-stack socket's IPv4 client is looked up as IPv4
    assert got["::ffff:127.0.0.2"]["dnsbl.test"] == "listed 2"


def test_rdns_ipv4(dns):
    got = signals(dns.servers, "127.0.0.10", "127.0.0.11", "127.0.0.12", "127.0.0.13",
                  "127.0.0.14", "127.0.0.15")
    assert got["127.0.0.10"]["rdns"] == "confirmed good.rdns.test"
    assert got["127.0.0.11"]["rdns"] == "mismatch liar.rdns.test"
    assert got["127.0.0.12"]["rdns"] == "none"
    # two PTR names: the one leading back confirms, lower-cased
    assert got["127.0.0.13"]["rdns"] == "confirmed multi.rdns.test"
    assert got["127.0.0.14"]["rdns"] == "mismatch nowhere.rdns.test"
    # an IPv4 client is confirmed by A records only
    assert got["127.0.0.15"]["rdns"] == "mismatch good6.rdns.test"


def test_rdns_more_addresses_than_kept(dns):
    """crowd.rdns.test has 70 addresses, more than the resolver keeps (DNS_RR_MAX):
    not finding the client among those kept proves nothing, so the result is unknown,
    not a mismatch that would count against the client."""
    got = signals(dns.servers, "127.0.0.16")
    assert got["127.0.0.16"]["rdns"] == "unknown"


def test_rdns_ipv6_and_mapped(dns):
    got = signals(dns.servers, "2001:db8::10", "2001:db8::11", "2001:db8::12",
                  "::ffff:127.0.0.10")
    assert got["2001:db8::10"]["rdns"] == "confirmed good6.rdns.test"
    # an IPv6 client is confirmed by AAAA records only
    assert got["2001:db8::11"]["rdns"] == "mismatch good.rdns.test"
    assert got["2001:db8::12"]["rdns"] == "none"
    assert got["::ffff:127.0.0.10"]["rdns"] == "confirmed good.rdns.test"


def test_no_zone(dns):
    got = signals(dns.servers, "127.0.0.2", zones="")
    assert got["127.0.0.2"] == {"rdns": "none"}


def test_dns_down_is_unknown():
    # a UDP socket that never answers: every question times out, nothing is known
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    try:
        port = silent.getsockname()[1]
        got = signals(f"127.0.0.1:{port}", "127.0.0.2", "2001:db8::10", timeout_ms=100,
                      tries=1)
    finally:
        silent.close()
    for addr in ("127.0.0.2", "2001:db8::10"):
        assert got[addr] == {"rdns": "unknown", "dnsbl.test": "unknown",
                             "dnsbl2.test": "unknown"}


def test_bad_zone_list():
    p = subprocess.run([str(DNSSIGNALS), "127.0.0.1:53", "100", "1", "a..b", "127.0.0.1"],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 2
    assert "not a host name" in p.stderr
