# bench/lib.sh - what the SMTP benchmarks share (sourced, not run): the optimised
# build, a loopback nsd, Postfix's smtp-sink as next hop, ecluse-smtpd instances and
# Postfix's smtp-source as load. Everything started is killed on exit.
#
# Postfix (smtp-source, smtp-sink) is installed with "No configuration": no mail
# system runs. Benchmarks are not part of tests/run: timings on a shared machine are
# figures, not pass/fail.

top=$(cd "$(dirname "$0")/.." && pwd)
B=$top/build/bench
work=$(mktemp -d)
trap 'kill $(cat "$work"/*.pid 2>/dev/null) 2>/dev/null; [ -n "${KEEP:-}" ] && cp -r "$work" "$KEEP"; rm -rf "$work"' EXIT

# The optimised build (no sanitizers), in build/bench.
bench_build() {
	mkdir -p "$B"
	(cd "$B" && { [ -f Makefile ] || "$top/configure" -q CFLAGS="-O2 -g"; } &&
	    make -s -j2 >/dev/null 2>&1)
}

free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_nsd [bench/nsd.py options]: sets DNS to its "host:port".
start_nsd() {
	/usr/bin/python3 "$top/bench/nsd.py" "$@" > "$work/nsd.out" & echo $! > "$work/nsd.pid"
	while ! grep -q '^servers' "$work/nsd.out" 2>/dev/null; do
		kill -0 "$(cat "$work/nsd.pid")" 2>/dev/null || { cat "$work/nsd.out"; exit 1; }
		sleep 0.1
	done
	DNS=$(sed -n 's/^servers //p' "$work/nsd.out")
}

# Sets SINK to the port of an smtp-sink (256 connections).
start_sink() {
	SINK=$(free_port)
	smtp-sink -u "$(id -un)" 127.0.0.1:"$SINK" 256 >/dev/null 2>&1 &
	echo $! > "$work/sink.pid"
}

# start_smtpd NAME [CONFIG LINES]: ecluse-smtpd relaying example.net to the sink,
# with the extra lines appended (a [policy] section...); sets PORT. Log in
# $work/NAME/log.
start_smtpd() {
	name=$1; shift
	PORT=$(free_port)
	mkdir -p "$work/$name"
	{
		cat <<CONF
[smtpd]
listen = 127.0.0.1:$PORT
hostname = bench.ecluse.test
max_connections = ${MAXCONN:-1000}
max_connections_per_ip = ${MAXCONN:-1000}
relay_pool_idle = 64
relay_max_connections = 256
relay_max_connections_per_client = 256
[store]
path = $work/$name/ecluse.db
[dns]
servers = $DNS
[domain example.net]
next_hop = 127.0.0.1:$SINK
CONF
		for line in "$@"; do echo "$line"; done
	} > "$work/$name/ecluse.conf"
	"$B/smtpd/ecluse-smtpd" -c "$work/$name/ecluse.conf" -f -D "$top" \
	    2>"$work/$name/log" & echo $! > "$work/$name.pid"
	while ! (echo > /dev/tcp/127.0.0.1/"$PORT") 2>/dev/null; do
		kill -0 "$(cat "$work/$name.pid")" 2>/dev/null || { cat "$work/$name/log"; exit 1; }
		sleep 0.1
	done
}

# cpu_ms PID: user + system CPU time the process has used so far, in ms.
cpu_ms() {
	# the name in field 2 may hold spaces ("nsd: server 1"): count from after it
	sed 's/.*) //' "/proc/$1/stat" |
	    awk -v hz="$(getconf CLK_TCK)" '{ printf "%.0f", ($12 + $13) * 1000 / hz }'
}

# rss_kb PID [VmRSS|VmHWM]: resident memory now, or its peak, in KiB.
rss_kb() {
	awk -v k="${2:-VmRSS}:" '$1 == k { print $2 }' "/proc/$1/status"
}

stop_smtpd() {
	kill "$(cat "$work/$1.pid")"; rm -f "$work/$1.pid"
}

# rate PORT MESSAGES [smtp-source options]: messages per second of smtp-source's run.
rate() {
	port=$1; n=$2; shift 2
	t0=$(date +%s.%N)
	smtp-source "$@" -m "$n" 127.0.0.1:"$port" >/dev/null 2>&1
	t1=$(date +%s.%N)
	echo "$n $t0 $t1" | awk '{ printf "%.0f", $1 / ($3 - $2) }'
}

# ratio A B: A/B with two decimals.
ratio() {
	echo "$1 $2" | awk '{ printf "%.2f", $1 / $2 }'
}
