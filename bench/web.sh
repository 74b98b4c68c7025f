#!/bin/bash
# bench/web.sh - requests per second of ecluse-web on loopback, measured with wrk:
#   GET /r/TOKEN          the release page (token check, message read, page-view
#                         counter, new challenge stored, CAPTCHA rendered, page)
#   GET /static/style.css the baseline: the same server, headers and connection
#                         handling, no store and no rendering
# and their ratio, in the same run. Target: 10,000 release pages/s. For scale, also
#   GET /r/TOKEN/captcha.png  one CAPTCHA image: a page-view counter and a challenge
#                         written to the store (each synced), an answer drawn as PNG
# which a browser loads once per page shown.
#
#   bench/web.sh [SECONDS] [CONNECTIONS]      (defaults 10 and 16)
#
# Builds an optimised build in build/bench (no sanitizers) with the per-client page
# limit raised, since every request comes from 127.0.0.1. The store lives in a
# temporary directory under build/bench (the project's disk: a real sync per write).
# Needs wrk (Debian package wrk).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-10}
conns=${2:-16}
command -v wrk >/dev/null || { echo "bench/web.sh: wrk not found: apt-get install wrk" >&2; exit 1; }
b=$top/build/bench
mkdir -p "$b"
if [ ! -f "$b/Makefile" ]; then
	[ -x "$top/configure" ] || (cd "$top" && autoreconf -fi >/dev/null)
	(cd "$b" && "$top/configure" -q CFLAGS="-O2 -g" \
	    CPPFLAGS="-DWEB_LIMIT_VIEWS_PER_CLIENT=1000000000")
fi
make -s -C "$b" -j2 release-web/ecluse-web tests/integration/web_seed >/dev/null
tmp=$(mktemp -d "${BENCH_TMP:-$b}/run.XXXXXX")
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$tmp/ecluse.conf" <<CONF
[web]
listen = 127.0.0.1:$port
base_url = http://127.0.0.1:$port
[store]
path = $tmp/ecluse.db
CONF
"$b/release-web/ecluse-web" -c "$tmp/ecluse.conf" -f -D "$top" 2>"$tmp/web.log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 50); do
	(exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break
	sleep 0.1
done
read -r _ token < <("$b/tests/integration/web_seed" hold "$tmp/ecluse.db" "$tmp/token.key" \
    alice@example.net bob@example.org "Bench subject" 86400)
url=http://127.0.0.1:$port

run() {	# name path -> prints "name req/s non2xx"
	local out rps bad
	out=$(wrk -t2 -c"$conns" -d"${secs}s" --latency "$url$2")
	rps=$(echo "$out" | sed -n 's/^Requests\/sec: *//p')
	bad=$(echo "$out" | sed -n 's/^ *Non-2xx or 3xx responses: *//p')
	p99=$(echo "$out" | sed -n 's/^ *99% *//p')
	printf '%-22s %10s req/s  p99 %-8s non-2xx %s\n' "$1" "$rps" "$p99" "${bad:-0}" >&2
	echo "$rps"
}
echo "ecluse-web on 127.0.0.1:$port, wrk -t2 -c$conns -d${secs}s, $(nproc) cores" >&2
base=$(run "GET /static/style.css" /static/style.css)
page=$(run "GET /r/TOKEN" "/r/$token")
run "GET .../captcha.png" "/r/$token/captcha.png?n=AAAAAAAAAAAAAAAAAAAAAA" >/dev/null
/usr/bin/python3 - "$base" "$page" <<'PY'
import sys
base, page = float(sys.argv[1]), float(sys.argv[2])
print("release page: %.0f req/s = %.3f x static baseline (%.0f req/s); target 10000 req/s: %s"
      % (page, page / base, base, "met" if page >= 10000 else "NOT met"))
PY
