#!/bin/bash
# bench/auth.sh - what the authentication checks cost, in one run:
#   1. DKIM verifications per second of a 4 KB message, rsa2048 and ed25519
#      (bench_dkim: the daemon's whole per-message path), against the raw verify
#      rates: OpenSSL's "openssl speed -seconds 2 rsa2048" verify/s (the best of three
#      runs, as bench_dkim keeps its best bursts: interference only slows a run),
#      and bench_dkim's own raw EVP_DigestVerify and crypto_sign_verify_detached;
#      and, when configure found libopendkim, OpenDKIM on the same kind of message
#      (bench_opendkim) for comparison;
#   2. SPF checks per second against a loopback nsd (bench_spf_dns), against the bare
#      question rate of the same resolver and server;
#   3. relay rate of authenticated mail (SPF, DKIM and DMARC pass: bench/nsd.py --auth
#      publishes example.org and signs the message) through ecluse-smtpd with every
#      check on ([policy] mode = enforce, the shipped policy) against the same load
#      with the checks off (mode = off), and straight to the sink.
#
#   bench/auth.sh [MESSAGES] [SESSIONS]      (defaults 10000 20)
set -eu
. "$(dirname "$0")/lib.sh"
N=${1:-10000}; S=${2:-20}
bench_build
start_nsd --auth "$work"
start_sink

echo "== DKIM (4 KB message, relaxed/relaxed)"
"$B/bench/bench_dkim" 3 | tee "$work/dkim.out"
ossl=$(for i in 1 2 3; do openssl speed -seconds 2 rsa2048 2>/dev/null; done |
	awk '/^rsa 2048 bits/ && $NF > best { best = $NF } END { print best }')
dkim=$(awk '/rsa2048  dkim, key cache  / { print $5 }' "$work/dkim.out" | tr -d '/s')
prose=$(awk '/rsa2048  dkim, key cache, prose body/ { print $7 }' "$work/dkim.out" | tr -d '/s')
echo "openssl speed -seconds 2 rsa2048, best of 3: verify $ossl/s"
echo "rsa2048 dkim (key cache) / openssl speed verify: $(ratio "$dkim" "$ossl")" \
	"(prose body: $(ratio "$prose" "$ossl"))"
if [ -x "$B/bench/bench_opendkim" ]; then
	"$B/bench/bench_opendkim" 3 | tee "$work/opendkim.out"
	odkim=$(awk '/OpenDKIM/ { print $4 }' "$work/opendkim.out" | tr -d '/s')
	echo "rsa2048 OpenDKIM / openssl speed verify: $(ratio "$odkim" "$ossl")"
fi

echo "== SPF against nsd"
"$B/bench/bench_spf_dns" "$DNS" example.org 127.0.0.1 3 32

echo "== relay of authenticated mail, checks on and off"
load=(-s "$S" -F "$work/message.eml" -f bench@example.org -t rcpt@example.net)
direct=$(rate "$SINK" "$N" "${load[@]}")
# CPU per message: ecluse-smtpd's own, and nsd's answers to its questions; less
# sensitive than the rates to what else runs on a shared machine
descendants() {  # PID: its children, theirs...
	for c in $(pgrep -P "$1"); do echo "$c"; descendants "$c"; done
}
nsd_cpu_ms() {  # bench/nsd.py's nsd: xfrd, main and server processes
	t=0
	for p in $(descendants "$(cat "$work/nsd.pid")"); do t=$(( t + $(cpu_ms "$p") )); done
	echo "$t"
}
measure() {  # name
	smtpd_pid=$(cat "$work/$1.pid")
	n0=$(nsd_cpu_ms)
	r=$(rate "$PORT" "$N" "${load[@]}")
	echo "$r $(cpu_ms "$smtpd_pid") $(( $(nsd_cpu_ms) - n0 ))"
}
start_smtpd off "[policy]" "mode = off"
read -r off off_cpu off_nsd < <(measure off)
stop_smtpd off
start_smtpd on "[policy]" "mode = enforce"
read -r on on_cpu on_nsd < <(measure on)
stop_smtpd on
pass=$(grep -c 'event=auth spf=pass dkim_signatures=1 dmarc=pass' "$work/on/log" || true)
relayed_on=$(grep -c 'outcome=relayed' "$work/on/log" || true)
relayed_off=$(grep -c 'outcome=relayed' "$work/off/log" || true)
echo "relay: $N signed messages of $(wc -c < "$work/message.eml") bytes over $S sessions"
echo "  direct to smtp-sink:        $direct msg/s"
echo "  ecluse-smtpd, checks off:   $off msg/s ($relayed_off relayed)"
echo "  ecluse-smtpd, checks on:    $on msg/s ($relayed_on relayed, $pass with SPF, DKIM and DMARC pass)"
us() { echo "$1 $N" | awk '{ printf "%.0f", $1 * 1000 / $2 }'; }
echo "  CPU per message, checks off: ecluse-smtpd $(us "$off_cpu") us, nsd $(us "$off_nsd") us"
echo "  CPU per message, checks on:  ecluse-smtpd $(us "$on_cpu") us, nsd $(us "$on_nsd") us"
echo "  ratio on/off:               $(ratio "$on" "$off")"
echo "  ratio on/direct:            $(ratio "$on" "$direct")"
