#!/usr/bin/python3
"""bench/nsd.py - a real DNS server for benchmarks: nsd on a free loopback port.
Prints "servers HOST:PORT", runs until SIGTERM. Benchmarks must not time the
machine's resolver.

    bench/nsd.py              the root zone only: every name NXDOMAIN at once
    bench/nsd.py --auth DIR   also example.org as an authenticated sender publishes
                              it, and DIR/message.eml: a 4 KB message from it, signed

example.org: SPF "redirect" to a record with ip4/ip6 ranges, an include of a mail
provider (which includes its own netblocks) and "mx", where 127.0.0.1 matches as the
second MX host, so every term runs before the match (as bench_spf's table); a
DKIM RSA-2048 key made here (selector "bench"); DMARC p=reject; 127.0.0.1's PTR is
that MX host (reverse DNS confirmed). The message is signed with python3-dkim, rsa-sha256
relaxed/relaxed, with LF line ends (smtp-source -F sends each line with CRLF)."""
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "integration"))
from dnsserver import DkimKeys, NsdServer, ZONES, txt_strings  # noqa: E402

SOA = "@ IN SOA ns.{0}. hostmaster.{0}. 1 3600 600 86400 300\n@ IN NS ns.{0}.\n"


def auth_zones(keys):
    org = ("$ORIGIN example.org.\n$TTL 300\n" + SOA.format("example.org") +
           '@ IN TXT "v=spf1 redirect=_spf.example.org"\n'
           '@ IN MX 10 mx1.example.org.\n@ IN MX 20 mx2.example.org.\n'
           '_spf IN TXT "v=spf1 ip4:192.0.2.0/25 ip4:192.0.2.128/26 ip6:2001:db8:1::/48 '
           'include:_spf.provider.example mx:example.org ~all"\n'
           "mx1 IN A 198.51.100.10\nmx2 IN A 198.51.100.20\nmx2 IN A 127.0.0.1\n"
           f"bench._domainkey IN TXT {txt_strings('v=DKIM1; k=rsa; p=' + keys.rsa_public)}\n"
           '_dmarc IN TXT "v=DMARC1; p=reject"\n')
    provider = ("$ORIGIN provider.example.\n$TTL 300\n" + SOA.format("provider.example") +
                '_spf IN TXT "v=spf1 ip4:203.0.113.0/26 ip4:203.0.113.64/27 '
                'ip6:2001:db8:ff::/48 include:_netblocks.provider.example -all"\n'
                '_netblocks IN TXT "v=spf1 ip4:198.18.0.0/20 ip4:198.18.16.0/21 '
                'ip4:198.18.32.0/22 ip6:2001:db8:fe::/48 ~all"\n')
    ptr = ("$ORIGIN 127.in-addr.arpa.\n$TTL 300\n" + SOA.format("example.org") +
           "1.0.0 IN PTR mx2.example.org.\n")
    return {"example.org.": org, "provider.example.": provider, "127.in-addr.arpa.": ptr}


def signed_message(keys):
    import dkim
    line = b"The quarterly figures follow; nothing in them needs an answer today.\r\n"
    body = line * (4096 // len(line))
    head = (b"From: Bench Sender <bench@example.org>\r\nTo: <rcpt@example.net>\r\n"
            b"Subject: Quarterly figures\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n"
            b"Message-ID: <bench-1@example.org>\r\n")
    msg = head + b"\r\n" + body
    sig = dkim.sign(msg, b"bench", b"example.org", keys.rsa_private,
                    canonicalize=(b"relaxed", b"relaxed"),
                    include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
    return (sig + msg).replace(b"\r\n", b"\n")


zones = {".": (ZONES / "root.zone").read_text()}
if len(sys.argv) == 3 and sys.argv[1] == "--auth":
    keys = DkimKeys()
    zones.update(auth_zones(keys))
    (Path(sys.argv[2]) / "message.eml").write_bytes(signed_message(keys))
elif len(sys.argv) != 1:
    sys.exit("usage: bench/nsd.py [--auth DIR]")
# blocked first: sigwait() must take the signal, or its default action kills this
# process without stopping nsd
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
with NsdServer(zones) as server:
    print(f"servers {server.servers}", flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
