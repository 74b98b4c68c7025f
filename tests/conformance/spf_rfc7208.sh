#!/bin/sh
# spf_rfc7208.sh - the RFC 7208 test suite (203 tests) against spf_check(), one TAP
# line per test. The YAML is read as is from the shared test data at test time;
# spf_suite.py turns it into lines that tests/conformance/spf_suite runs.
set -u
yml="${SHARED_TESTDATA:-}/spf/rfc7208-tests.yml"
if [ ! -r "$yml" ]; then
	echo "Bail out! $yml not readable (SHARED_TESTDATA)"
	exit 1
fi
tmp=$(mktemp "${TMPDIR:-/tmp}/ecluse-spf-suite.XXXXXX") || { echo "Bail out! mktemp"; exit 1; }
if ! /usr/bin/python3 "${top_srcdir:-.}/tests/conformance/spf_suite.py" "$yml" >"$tmp"; then
	rm -f "$tmp"
	echo "Bail out! cannot convert $yml"
	exit 1
fi
./tests/conformance/spf_suite "$tmp"
status=$?
rm -f "$tmp"
exit $status
