#!/bin/bash
# bench/relay.sh - relay throughput of ecluse-smtpd against the same load sent straight
# to the sink, in the same run, and the ratio.
#
#   bench/relay.sh [MESSAGES] [SESSIONS] [SIZE_BYTES]      (defaults 10000 20 4096)
#
# Load: Postfix's smtp-source, unauthenticated mail from bench@example.org; every check
# runs against a loopback nsd that answers NXDOMAIN (bench/lib.sh). bench/auth.sh
# measures the same relay with authenticated mail, checks on against checks off.
set -eu
. "$(dirname "$0")/lib.sh"
N=${1:-10000}; S=${2:-20}; SZ=${3:-4096}
bench_build
start_nsd
start_sink
# every check runs; the thresholds make the verdict relay (the held path: quarantine.sh)
start_smtpd relay "[policy]" "quarantine_threshold = 100000" "reject_threshold = 100000"
load=(-s "$S" -l "$SZ" -f bench@example.org -t rcpt@example.net)
direct=$(rate "$SINK" "$N" "${load[@]}")
relay=$(rate "$PORT" "$N" "${load[@]}")
relayed=$(grep -c 'outcome=relayed' "$work/relay/log" || true)
echo "relay: $N messages of $SZ bytes over $S sessions"
echo "  direct to smtp-sink:     $direct msg/s"
echo "  through ecluse-smtpd:    $relay msg/s ($relayed relayed)"
echo "  ratio relay/direct:      $(ratio "$relay" "$direct")"
