#!/usr/bin/python3
"""bench/idle.py PORT N - opens N SMTP connections to 127.0.0.1:PORT, reads each
greeting, prints "open N" and holds them until stdin closes (bench/relay.sh measures
ecluse-smtpd's memory meanwhile)."""
import socket
import sys

port, n = int(sys.argv[1]), int(sys.argv[2])
socks = []
for _ in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    socks.append(s)
for s in socks:
    s.settimeout(30)
    if not s.recv(512).startswith(b"220"):
        sys.exit("no greeting")
print(f"open {len(socks)}", flush=True)
sys.stdin.read()
