#!/bin/bash
# bench/quarantine.sh - quarantine throughput against relay throughput, same run.
#
#   bench/quarantine.sh [MESSAGES] [SESSIONS] [SIZE_BYTES]      (defaults 10000 20 4096)
#
# The same load (Postfix's smtp-source; -A goes on after a refusal) is sent through
# ecluse-smtpd twice: once with a policy that relays everything (to Postfix's
# smtp-sink), once with the default policy, under which every message is from an
# unauthenticated first-time sender and is held: each held copy is committed and synced
# (group commit) before its 550. Both run every check (bench/lib.sh: loopback nsd).
set -eu
. "$(dirname "$0")/lib.sh"
N=${1:-10000}; S=${2:-20}; SZ=${3:-4096}
bench_build
start_nsd
start_sink
load=(-A -s "$S" -l "$SZ" -f bench@unknown.test -t rcpt@example.net)
start_smtpd relayed "[policy]" "quarantine_threshold = 100000" "reject_threshold = 100000"
relay=$(rate "$PORT" "$N" "${load[@]}")
stop_smtpd relayed
start_smtpd held "[policy]" "quarantine_threshold = 5" "reject_threshold = 100000"
held=$(rate "$PORT" "$N" "${load[@]}")
stop_smtpd held
nheld=$(grep -c 'outcome=held' "$work/held/log" || true)
nrelayed=$(grep -c 'outcome=relayed' "$work/relayed/log" || true)
echo "quarantine: $N messages of $SZ bytes over $S sessions"
echo "  relayed (nothing held):  $relay msg/s ($nrelayed relayed)"
echo "  held (default policy):   $held msg/s ($nheld held, each committed before its 550)"
echo "  ratio held/relayed:      $(ratio "$held" "$relay")"
