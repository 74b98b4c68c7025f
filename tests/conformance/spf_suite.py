#!/usr/bin/python3
"""Turns the RFC 7208 test suite (YAML) into the line format spf_suite.c reads.

The YAML is read as is, at test time. This script owns the suite's zone conventions,
those of its reference driver (pyspf test/testspf.py) and of the suite header:
  - a TXT or SPF value given as a list is one record made of several strings, glued
    without separator (an empty list is a record with no string);
  - "SPF:" entries are type 99, which RFC 7208 code never asks for; each is also
    published as a TXT record at its name unless the name has a "TXT:" entry;
  - "TXT: NONE" publishes nothing (and stops that duplication);
  - a bare "TIMEOUT" item: a query for a type with no record listed before it times
    out; names absent from the zone do not exist (the C side answers NXDOMAIN, or a
    timeout for names starting with "error.");
  - CNAME: the answer is the target's, as a recursive resolver gives it; a loop is a
    server failure.
It answers every (name, type) the evaluator can ask about: A, AAAA, MX, PTR, TXT.

Output, one record per line, fields separated by TAB, each field with every byte
outside 0x21-0x7e, and "\\", written as \\xHH:
  Z <scenario description>
  D <name> <type> <OK|NODATA|NXDOMAIN|TIMEOUT|SERVFAIL> <count> <rr>...
      (rr: A/AAAA address text, "pref name" for MX, name for PTR, bytes for TXT)
  T <name> <spec> <helo> <host> <mailfrom> <results, comma-separated> <-|=explanation>
  N <number of tests>
"""
import sys

import yaml

TYPES = ("A", "AAAA", "MX", "PTR", "TXT")
CNAME_DEPTH = 8


def raw(value):
    """A YAML string as the bytes the zone serves: code points below 256 are bytes."""
    if isinstance(value, bytes):
        return value
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8")


def field(value):
    if isinstance(value, str):
        value = raw(value)
    out = []
    for b in value:
        if 0x21 <= b <= 0x7E and b != 0x5C:
            out.append(chr(b))
        else:
            out.append("\\x%02x" % b)
    return "".join(out)


def name_key(name):
    return raw(name).lower().rstrip(b".")


def load_zone(zonedata):
    """name -> list of items in order: "TIMEOUT", or (type, value)."""
    zone = {}
    for name, items in zonedata.items():
        entries, spf, txt_given = [], [], False
        for item in items:
            if item == "TIMEOUT":
                entries.append("TIMEOUT")
                continue
            for rtype, value in item.items():
                if rtype == "TXT":
                    txt_given = True
                if rtype == "SPF":
                    spf.append(value)
                if value == "NONE":
                    continue
                entries.append((rtype, value))
        if not txt_given:
            entries.extend(("TXT", value) for value in spf)
        zone[name_key(name)] = entries
    return zone


def rdata(rtype, value):
    if rtype in ("TXT", "SPF"):
        strings = value if isinstance(value, list) else [value]
        return b"".join(raw(s) for s in strings)
    if rtype == "MX":
        return b"%d " % value[0] + name_key(value[1])
    if rtype in ("PTR", "CNAME"):
        return name_key(value)
    return raw(str(value))


def answer(zone, name, rtype, depth=0):
    if name not in zone:
        return None     # the C side's default: NXDOMAIN, or TIMEOUT for error.*
    records, cname, seen = [], None, False
    for item in zone[name]:
        if item == "TIMEOUT":
            if not seen:
                return ("TIMEOUT", [])
            break
        itype, value = item
        if itype == rtype:
            seen = True
            records.append(rdata(itype, value))
        elif itype == "CNAME":
            cname = rdata(itype, value)
    if records:
        return ("OK", records)
    if cname is not None:
        if depth >= CNAME_DEPTH:
            return ("SERVFAIL", [])
        target = answer(zone, cname, rtype, depth + 1)
        return target if target is not None else ("NXDOMAIN", [])
    return ("NODATA", [])


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: spf_suite.py rfc7208-tests.yml")
    out = sys.stdout
    count = 0
    with open(sys.argv[1], "rb") as f:
        docs = list(yaml.safe_load_all(f))
    for doc in docs:
        out.write("Z\t%s\n" % field(doc.get("description", "")))
        zone = load_zone(doc.get("zonedata") or {})
        for name in zone:
            for rtype in TYPES:
                ans = answer(zone, name, rtype)
                out.write("\t".join(["D", field(name), rtype, ans[0], str(len(ans[1]))] +
                                    [field(r) for r in ans[1]]) + "\n")
        for tname, t in doc["tests"].items():
            results = t["result"] if isinstance(t["result"], list) else [t["result"]]
            exp = "-" if "explanation" not in t else "=" + field(t["explanation"])
            out.write("\t".join(["T", field(tname), field(str(t.get("spec", ""))),
                                 field(t["helo"]), field(t["host"]), field(t["mailfrom"]),
                                 ",".join(results), exp]) + "\n")
            count += 1
    out.write("N\t%d\n" % count)


if __name__ == "__main__":
    main()
