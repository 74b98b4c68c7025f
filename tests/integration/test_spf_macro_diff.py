"""test_spf_macro_diff.py - ecluse's SPF macro expansion (auth/spf_macro.c, through
tests/integration/spf_macro_tool) against python3-spf's (spf.query.expand), on generated
macro strings and sender, HELO, receiver, client name and IPv4/IPv6 inputs.

Macro strings mix literals (dots, hyphens, every macro-literal byte), %%, %_, %-, and
%{...} with every letter in either case (upper case: URL-escaped), digit counts
(leading zeros, counts above the number of parts), "r" in either case, and runs of
the seven delimiters; sender local parts and names carry those delimiters too. Each
string is expanded as a domain-spec (the name to query: trailing dot removed) with the
letters of 7.3, and as explanation text (6.2) with all letters. Expansions longer
than 253 characters are compared too, but not with pyspf's cut (see pyspf_expand).

python3-spf departs from RFC 7208 in five places, corrected here (pyspf_expand) so
that the rest is compared byte for byte; the cases where each one mattered are
counted and printed, and a difference none of them explains fails the test:
  - the parts of a value split on a delimiter other than "." are joined again with
    that delimiter for every letter but l and s; 7.3 says the parts are reassembled
    "using '.' as the delimiter" (%{dr-} of "a-b.c" is "b.c.a", not "b.c-a");
  - the "r" transformer is taken in lower case only; the ABNF of 7.1 is
    case-insensitive (RFC 5234 2.3), so %{dR} reverses;
  - %{i} of an IPv6 client is written with upper-case nibbles; the examples of 7.4
    write them in lower case, as every reverse name is (DNS ignores the case, an
    explanation shows it);
  - an expansion longer than 253 characters loses one label on the left, in
    explanations too; 7.3 removes labels "until the total length does not exceed 253
    characters", and only from a name to query;
  - a string that ends with "%%" is refused (its check for a lone "%" at the end
    does not look at the "%" before); "%%" is a macro-expand anywhere (7.1).
A string pyspf refuses must be refused by ecluse too; ecluse also refuses strings
pyspf lets through (a zero digit count, 7.3: "If a DIGIT is specified, the value
MUST be nonzero"; a delimiter outside the seven of 7.1), so those are generated
only as refusals checked on ecluse's side.

The seed is printed and is in every failure message; ECLUSE_DIFF_SEED=N replays it,
ECLUSE_DIFF_SEED=random draws a fresh one (harness.diff_seed).
"""

import random
import re
import subprocess

import spf

import harness

CASES = 4000
NOW = 1700000000
DELIMS = ".-+,/_="
LITERAL = bytes(c for c in range(0x21, 0x7F) if c != ord("%")).decode()
LETTERS_DOMAIN = "slodipvh"
LETTERS_EXPLAIN = "slodipvhcrt"


def label(rng, delims=False):
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789" + ("-" if delims else "")
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 10)))


def name(rng):
    return ".".join(label(rng, True) for _ in range(rng.randint(1, 5)))


def local_part(rng):
    parts = []
    for _ in range(rng.randint(1, 4)):
        # atext of RFC 5322, for the URL escaping of upper-case macros
        parts.append("".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789" * 3 +
                                        "~!#$&'*^`{|}?")
                             for _ in range(rng.randint(1, 6))))
    out = parts[0]
    for p in parts[1:]:
        out += rng.choice(DELIMS) + p
    return out


def ip(rng):
    if rng.random() < 0.5:
        return ".".join(str(rng.randrange(256)) for _ in range(4))
    words = [rng.choice((0, 0, rng.randrange(0x10000))) for _ in range(8)]
    words[0] = 0x2001
    return spf.ipaddress.ip_address(":".join("%x" % w for w in words)).compressed


def macro(rng, letters):
    r = rng.random()
    if r < 0.06:
        return "%%"
    if r < 0.1:
        return "%_"
    if r < 0.14:
        return "%-"
    letter = rng.choice(letters)
    if rng.random() < 0.25:
        letter = letter.upper()
    t = ""
    if rng.random() < 0.4:
        t += rng.choice(("1", "2", "3", "5", "9", "12", "01", "128"))
    if rng.random() < 0.35:
        t += rng.choice("rR")
    if rng.random() < 0.35:
        t += "".join(rng.choice(DELIMS) for _ in range(rng.randint(1, 3)))
    return "%{" + letter + t + "}"


def macro_string(rng, letters, explain):
    if rng.random() < 0.06:
        # long enough for the cut of 7.3; without dots, too long for any cut
        sep = "." if rng.random() < 0.8 else ""
        return sep.join(macro(rng, letters) for _ in range(rng.randint(8, 30)))
    out = ""
    for _ in range(rng.randint(1, 6)):
        r = rng.random()
        if r < 0.5:
            out += macro(rng, letters)
        elif r < 0.8:
            out += rng.choice((".", "-", "._spf.", ".example.net", "_x."))
        elif r < 0.9 and explain:
            out += " " + "".join(rng.choice(LITERAL) for _ in range(rng.randint(1, 6))) + " "
        else:
            out += "".join(rng.choice(LITERAL) for _ in range(rng.randint(1, 4)))
    if not explain and rng.random() < 0.2:
        out += "."
    return out


def bad_string(rng, letters):
    """Macro strings RFC 7208 7.1 refuses, with what pyspf does with them: True when
    it refuses them too."""
    good = macro_string(rng, letters, False)
    r = rng.random()
    if r < 0.2:
        return good + "%", True
    if r < 0.35:
        # pyspf's check misses a "%x" after "%%" (it looks at one byte before the "%")
        return good + "%x", not good.endswith("%")
    if r < 0.5:
        return good + "%{" + rng.choice(letters) + "0}", False      # zero count
    if r < 0.65:
        return good + "%{" + rng.choice(letters) + "r!}", False     # bad delimiter
    if r < 0.8:
        return good + "%{" + rng.choice("crt") + "}", True          # domain: not allowed
    return good + "%{" + rng.choice(letters), False                 # unterminated


def pyspf_query(v):
    q = spf.query(i=v["ip"], s=v["sender"], h=v["helo"], receiver=v["receiver"])
    q.p = v["ptr"]
    q.t = str(NOW)
    return q


def rfc_cut(name):
    """7.3: one trailing dot goes, then labels on the left until 253 characters fit;
    None when no cut fits."""
    if name.endswith("."):
        name = name[:-1]
    while len(name) > 253:
        if "." not in name:
            return None
        name = name.split(".", 1)[1]
    return name


SIMPLE = {"%%": "%", "%_": " ", "%-": "%20"}


def pyspf_expand(v, s, explain):
    """The expansion RFC 7208 gives, from pyspf's expansion of each macro-expand (with
    the corrections named in the module's doc) joined with the literals between them,
    then for a domain-spec the cut of 7.3 (rfc_cut). Also which of pyspf's departures,
    if any, made its own expansion of the whole string differ: "" for none, "?" for a
    difference none of them explains. Raises spf.PermError where pyspf refuses a
    macro-expand."""
    def whole_string(q):
        try:
            return q.expand(s, stripdot=not explain)
        except spf.PermError:
            return None

    plain = whole_string(pyspf_query(v))
    saved = spf.JOINERS, spf.RE_ARGS
    try:
        spf.JOINERS = {c: "." for c in LETTERS_EXPLAIN}
        spf.RE_ARGS = re.compile(r"([0-9]*)([rR]?)([^0-9a-zA-Z]*)")
        q = pyspf_query(v)
        if ":" in v["ip"]:
            q.i = q.i.lower()
        fixed = whole_string(q)
        whole, pos = "", 0
        for mt in spf.RE_CHAR.finditer(s):
            tok = mt.group(0)
            exp = SIMPLE[tok] if tok in SIMPLE else q.expand(tok, stripdot=False)
            whole += s[pos:mt.start()] + exp
            pos = mt.end()
        whole += s[pos:]
    finally:
        spf.JOINERS, spf.RE_ARGS = saved
    ref = whole if explain else rfc_cut(whole)
    if plain == ref:
        return ref, ""
    if fixed == ref:
        return ref, "values"
    if len(whole) > 253:
        return ref, "cut"
    if s.endswith("%%") and fixed is None:
        return ref, "trailing %%"
    return ref, "?"


def run_tool(cases):
    data = b""
    for v, s, ctx in cases:
        parts = [v["sender"], v["helo"], v["receiver"], v["ptr"], s]
        enc = [p.encode() for p in parts]
        data += b"%s %s %s %d\n" % (ctx.encode(), b" ".join(b"%d" % len(p) for p in enc),
                                    v["ip"].encode(), NOW)
        data += b"".join(enc)
    out = subprocess.run([harness.helper_program("spf_macro_tool")], input=data, capture_output=True, timeout=120)
    assert out.returncode == 0, out.stderr.decode(errors="replace")[-2000:]
    assert b"runtime error" not in out.stderr, out.stderr.decode(errors="replace")[-2000:]
    lines = out.stdout.decode().split("\n")[:-1]
    assert len(lines) == len(cases), f"{len(lines)} answers for {len(cases)} cases"
    return [ln.split(" ", 1) for ln in lines]


def test_spf_macro_expansion_against_pyspf():
    s = harness.diff_seed()
    rng = random.Random(s)
    cases, kinds = [], []
    for _ in range(CASES):
        v = {"sender": local_part(rng) + "@" + name(rng), "helo": name(rng),
             "receiver": name(rng), "ptr": name(rng), "ip": ip(rng)}
        explain = rng.random() < 0.4
        letters = LETTERS_EXPLAIN if explain else LETTERS_DOMAIN
        if rng.random() < 0.1 and not explain:
            m, pyspf_refuses = bad_string(rng, letters)
            kinds.append(("bad", pyspf_refuses))
        else:
            m = macro_string(rng, letters, explain)
            kinds.append(("good", None))
        cases.append((v, m, "explain" if explain else "domain"))
    answers = run_tool(cases)
    bad, departures, refused = [], {}, 0
    for (v, m, ctx), (kind, pyspf_refuses), (status, got) in zip(cases, kinds, answers):
        where = f"{ctx} {m!r} with {v}"
        if kind == "bad":
            refused += 1
            if status != "err":
                bad.append(f"{where}: ecluse expands a bad string to {got!r}")
            if pyspf_refuses:
                try:
                    pyspf_query(v).expand(m, stripdot=True)
                    bad.append(f"{where}: pyspf takes it: the case is wrong")
                except spf.PermError:
                    pass
            continue
        want, why = pyspf_expand(v, m, ctx == "explain")
        departures[why] = departures.get(why, 0) + 1
        if why == "?":
            bad.append(f"{where}: pyspf gives something none of its known departures "
                       f"explains; RFC 7208 gives {want!r}")
        if want is None:
            if status != "err":
                bad.append(f"{where}: ecluse {got!r}, but no cut of 7.3 fits")
        elif status != "ok" or got != want:
            bad.append(f"{where}: ecluse {status} {got!r}, pyspf {want!r}")
    print(f"{len(cases)} expansions: {refused} bad strings; pyspf's departures from "
          f"RFC 7208 by kind (\"\" none): {departures}; {len(bad)} disagreements")
    assert not bad, f"seed {s}: {len(bad)} of {len(cases)} disagree:\n" + "\n".join(bad[:8])
