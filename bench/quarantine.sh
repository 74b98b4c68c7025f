#!/bin/sh
# bench/quarantine.sh - quarantine throughput against relay throughput, same run.
#
#   bench/quarantine.sh [MESSAGES] [SESSIONS] [SIZE_BYTES]      (defaults 10000 20 4096)
#
# The same load (Postfix's smtp-source; -A goes on after a refusal) is sent through
# ecluse-smtpd twice: once with a policy that relays everything (to Postfix's
# smtp-sink), once with the default policy, under which every message is from an
# unauthenticated first-time sender and is held: each held copy is committed and synced
# (group commit) before its 550. Optimised build in build/bench; DNS is a loopback nsd.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-10000}; S=${2:-20}; SZ=${3:-4096}
B=$top/build/bench
mkdir -p "$B"
(cd "$B" && { [ -f Makefile ] || "$top/configure" -q CFLAGS="-O2 -g"; } && make -s -j2 >/dev/null 2>&1)
work=$(mktemp -d)
trap 'kill $(cat "$work"/*.pid 2>/dev/null) 2>/dev/null; rm -rf "$work"' EXIT
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
SINK=$(free_port)
/usr/bin/python3 "$top/bench/nsd.py" > "$work/nsd.out" & echo $! > "$work/nsd.pid"
while ! grep -q '^servers' "$work/nsd.out" 2>/dev/null; do sleep 0.1; done
DNS=$(sed -n 's/^servers //p' "$work/nsd.out")
smtp-sink -u "$(id -un)" 127.0.0.1:$SINK 256 >/dev/null 2>&1 & echo $! > "$work/sink.pid"

run() {  # name, quarantine_threshold -> messages per second
	port=$(free_port)
	mkdir -p "$work/$1"
	cat > "$work/$1/ecluse.conf" <<CONF
[smtpd]
listen = 127.0.0.1:$port
hostname = bench.ecluse.test
max_connections = 1000
max_connections_per_ip = 1000
relay_pool_idle = 64
relay_max_connections = 256
[store]
path = $work/$1/ecluse.db
[dns]
servers = $DNS
[policy]
quarantine_threshold = $2
reject_threshold = 100000
[domain example.net]
next_hop = 127.0.0.1:$SINK
CONF
	"$B/smtpd/ecluse-smtpd" -c "$work/$1/ecluse.conf" -f -D "$top" 2>"$work/$1/log" &
	echo $! > "$work/$1.pid"
	sleep 1
	t0=$(date +%s.%N)
	smtp-source -A -s "$S" -m "$N" -l "$SZ" -f bench@unknown.test -t rcpt@example.net \
		127.0.0.1:"$port" >/dev/null 2>&1
	t1=$(date +%s.%N)
	kill "$(cat "$work/$1.pid")"; rm -f "$work/$1.pid"
	echo "$N $t0 $t1" | awk '{ printf "%.0f", $1 / ($3 - $2) }'
}
relay=$(run relay 100000)
held=$(run held 5)
nheld=$(grep -c 'outcome=held' "$work/held/log" || true)
nrelayed=$(grep -c 'outcome=relayed' "$work/relay/log" || true)
echo "quarantine: $N messages of $SZ bytes over $S sessions"
echo "  relayed (policy off):    $relay msg/s ($nrelayed relayed)"
echo "  held (default policy):   $held msg/s ($nheld held, each committed before its 550)"
echo "$held $relay" | awk '{ printf "  ratio held/relayed:      %.2f\n", $1 / $2 }'
