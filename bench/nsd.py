#!/usr/bin/python3
"""bench/nsd.py - a real DNS server for benchmarks: nsd serving the root zone (every
name NXDOMAIN at once) on a free loopback port. Prints "servers HOST:PORT", runs until
SIGTERM. Benchmarks must not time the machine's resolver."""
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "integration"))
from dnsserver import NsdServer, ZONES  # noqa: E402

with NsdServer({".": (ZONES / "root.zone").read_text()}) as server:
    print(f"servers {server.servers}", flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
