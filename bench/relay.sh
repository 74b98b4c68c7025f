#!/bin/bash
# bench/relay.sh - relay throughput of ecluse-smtpd against the same load sent straight
# to the sink, in the same run, and the ratio; CPU time per message of ecluse-smtpd
# and of smtp-sink; ecluse-smtpd's peak RSS, and its RSS per idle connection with
# IDLE connections open (each greeted, then silent).
#
#   bench/relay.sh [MESSAGES] [SESSIONS] [SIZE_BYTES] [IDLE]   (defaults 10000 20 4096 5000)
#
# Load: Postfix's smtp-source, unauthenticated mail from bench@example.org; every check
# runs against a loopback nsd that answers NXDOMAIN (bench/lib.sh). bench/auth.sh
# measures the same relay with authenticated mail, checks on against checks off.
set -eu
. "$(dirname "$0")/lib.sh"
N=${1:-10000}; S=${2:-20}; SZ=${3:-4096}; IDLE=${4:-5000}
ulimit -n $(( IDLE + 1024 ))
bench_build
start_nsd
start_sink
sink_pid=$(cat "$work/sink.pid")
# every check runs; the thresholds make the verdict relay (the held path: quarantine.sh)
MAXCONN=$(( IDLE + 100 )) start_smtpd relay "[policy]" "quarantine_threshold = 100000" \
    "reject_threshold = 100000"
smtpd_pid=$(cat "$work/relay.pid")
load=(-s "$S" -l "$SZ" -f bench@example.org -t rcpt@example.net)
s0=$(cpu_ms "$sink_pid")
direct=$(rate "$SINK" "$N" "${load[@]}")
s1=$(cpu_ms "$sink_pid")
e0=$(cpu_ms "$smtpd_pid")
relay=$(rate "$PORT" "$N" "${load[@]}")
e1=$(cpu_ms "$smtpd_pid")
relayed=$(grep -c 'outcome=relayed' "$work/relay/log" || true)
peak=$(rss_kb "$smtpd_pid" VmHWM)
before=$(rss_kb "$smtpd_pid")
mkfifo "$work/idle.in"
/usr/bin/python3 "$top/bench/idle.py" "$PORT" "$IDLE" < "$work/idle.in" > "$work/idle.out" &
echo $! > "$work/idle.pid"
exec 3> "$work/idle.in"
while ! grep -q '^open' "$work/idle.out" 2>/dev/null; do
	kill -0 "$(cat "$work/idle.pid")" 2>/dev/null || { echo "idle connections failed"; exit 1; }
	sleep 0.2
done
held=$(rss_kb "$smtpd_pid")
exec 3>&-
us() { echo "$1 $N" | awk '{ printf "%.0f", $1 * 1000 / $2 }'; }
echo "relay: $N messages of $SZ bytes over $S sessions"
echo "  direct to smtp-sink:     $direct msg/s"
echo "  through ecluse-smtpd:    $relay msg/s ($relayed relayed)"
echo "  ratio relay/direct:      $(ratio "$relay" "$direct")"
echo "  CPU per message:         ecluse-smtpd $(us $(( e1 - e0 ))) us, smtp-sink $(us $(( s1 - s0 ))) us (ratio $(ratio $(( e1 - e0 )) $(( s1 - s0 ))))"
echo "  ecluse-smtpd peak RSS:   $peak KiB"
echo "  $IDLE idle connections:  RSS $before -> $held KiB, $(echo "$before $held $IDLE" | awk '{ printf "%.1f", ($2 - $1) / $3 }') KiB each"
