#!/bin/bash
# bench/relay.sh - relay throughput of ecluse-smtpd against the same load sent straight
# to the sink, in the same run, and the ratio; CPU time per message of ecluse-smtpd
# and of smtp-sink; ecluse-smtpd's peak RSS, and its RSS per idle connection with
# IDLE connections open (each greeted, then silent).
#
#   bench/relay.sh [MESSAGES] [SESSIONS] [SIZE_BYTES] [IDLE]   (defaults 10000 20 4096 5000)
#
# Load: Postfix's smtp-source, unauthenticated mail from bench@example.org. ecluse-smtpd
# runs twice: as the relay alone ([policy] mode = off), then with every check (SPF,
# DKIM, DMARC, reverse DNS, history, against a loopback nsd that answers NXDOMAIN;
# thresholds that relay everything: the held path is quarantine.sh's). bench/auth.sh
# measures authenticated mail with the checks on against off.
set -eu
. "$(dirname "$0")/lib.sh"
N=${1:-10000}; S=${2:-20}; SZ=${3:-4096}; IDLE=${4:-5000}
ulimit -n $(( IDLE + 1024 ))
bench_build
start_nsd
start_sink
sink_pid=$(cat "$work/sink.pid")
load=(-s "$S" -l "$SZ" -f bench@example.org -t rcpt@example.net)
us() { echo "$1 $N" | awk '{ printf "%.0f", $1 * 1000 / $2 }'; }
s0=$(cpu_ms "$sink_pid")
direct=$(rate "$SINK" "$N" "${load[@]}")
sink_cpu=$(( $(cpu_ms "$sink_pid") - s0 ))
echo "relay: $N messages of $SZ bytes over $S sessions"
echo "  direct to smtp-sink:           $direct msg/s, smtp-sink $(us "$sink_cpu") us CPU per message"
for mode in off checks; do
	if [ $mode = off ]; then
		MAXCONN=$(( IDLE + 100 )) start_smtpd $mode "[policy]" "mode = off"
	else
		start_smtpd $mode "[policy]" "quarantine_threshold = 100000" \
		    "reject_threshold = 100000"
	fi
	pid=$(cat "$work/$mode.pid")
	e0=$(cpu_ms "$pid")
	r=$(rate "$PORT" "$N" "${load[@]}")
	e=$(( $(cpu_ms "$pid") - e0 ))
	relayed=$(grep -c 'outcome=relayed' "$work/$mode/log" || true)
	printf '  ecluse-smtpd, %-7s         %s msg/s (%s relayed), ratio %s; %s us CPU per message, %s times smtp-sink\n' \
	    "$( [ $mode = off ] && echo "relay:" || echo "checks:")" "$r" "$relayed" \
	    "$(ratio "$r" "$direct")" "$(us "$e")" "$(ratio "$e" "$sink_cpu")"
	[ $mode = off ] && relay_port=$PORT && off_pid=$pid
	[ $mode = checks ] && stop_smtpd checks
done
echo "  ecluse-smtpd peak RSS:         $(rss_kb "$off_pid" VmHWM) KiB (the relay run)"
before=$(rss_kb "$off_pid")
mkfifo "$work/idle.in"
/usr/bin/python3 "$top/bench/idle.py" "$relay_port" "$IDLE" < "$work/idle.in" \
    > "$work/idle.out" & echo $! > "$work/idle.pid"
exec 3> "$work/idle.in"
while ! grep -q '^open' "$work/idle.out" 2>/dev/null; do
	kill -0 "$(cat "$work/idle.pid")" 2>/dev/null || { echo "idle connections failed"; exit 1; }
	sleep 0.2
done
held=$(rss_kb "$off_pid")
exec 3>&-
echo "  $IDLE idle connections:        RSS $before -> $held KiB, $(echo "$before $held $IDLE" | awk '{ printf "%.1f", ($2 - $1) / $3 }') KiB each"
