#!/bin/sh
# bench/relay.sh - relay throughput of ecluse-smtpd against the same load sent straight
# to the sink, in the same run, and the ratio.
#
#   bench/relay.sh [MESSAGES] [SESSIONS] [SIZE_BYTES]      (defaults 10000 20 4096)
#
# Load: Postfix's smtp-source (Debian package postfix, installed without a mail system
# by "No configuration"); sink: Postfix's smtp-sink. Uses the optimized build in
# build/bench (configured without sanitizers). Not part of tests/run: timings on a
# shared machine are figures, not pass/fail.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-10000}; S=${2:-20}; SZ=${3:-4096}
B=$top/build/bench
mkdir -p "$B"
(cd "$B" && { [ -f Makefile ] || "$top/configure" -q CFLAGS="-O2 -g"; } && make -s -j2 >/dev/null 2>&1)
work=$(mktemp -d)
trap 'kill $(cat "$work"/*.pid 2>/dev/null) 2>/dev/null; [ -n "${KEEP:-}" ] && cp "$work/smtpd.log" /tmp/bench-smtpd.log; rm -rf "$work"' EXIT
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
SINK=$(free_port); SMTPD=$(free_port)
/usr/bin/python3 "$top/bench/nsd.py" > "$work/nsd.out" & echo $! > "$work/nsd.pid"
while ! grep -q '^servers' "$work/nsd.out" 2>/dev/null; do sleep 0.1; done
DNS=$(sed -n 's/^servers //p' "$work/nsd.out")
smtp-sink -u "$(id -un)" 127.0.0.1:$SINK 256 >/dev/null 2>&1 & echo $! > "$work/sink.pid"
cat > "$work/ecluse.conf" <<CONF
[smtpd]
listen = 127.0.0.1:$SMTPD
hostname = bench.ecluse.test
max_connections = 1000
max_connections_per_ip = 1000
relay_pool_idle = 64
relay_max_connections = 256
[store]
path = $work/ecluse.db
[dns]
servers = $DNS
[domain example.net]
next_hop = 127.0.0.1:$SINK
CONF
"$B/smtpd/ecluse-smtpd" -c "$work/ecluse.conf" -f -D "$top" 2>"$work/smtpd.log" & echo $! > "$work/smtpd.pid"
sleep 1
run() {  # port -> messages per second
	t0=$(date +%s.%N)
	smtp-source -s "$S" -m "$N" -l "$SZ" -f bench@example.org -t rcpt@example.net \
		127.0.0.1:"$1" >/dev/null 2>&1
	t1=$(date +%s.%N)
	echo "$N $t0 $t1" | awk '{ printf "%.0f", $1 / ($3 - $2) }'
}
direct=$(run "$SINK")
relay=$(run "$SMTPD")
relayed=$(grep -c 'outcome=relayed' "$work/smtpd.log" || true)
echo "relay: $N messages of $SZ bytes over $S sessions"
echo "  direct to smtp-sink:     $direct msg/s"
echo "  through ecluse-smtpd:    $relay msg/s ($relayed relayed)"
echo "$relay $direct" | awk '{ printf "  ratio relay/direct:      %.2f\n", $1 / $2 }'
