"""test_dkim_verify_diff.py - messages signed by python3-dkim, verified by ecluse's DKIM
verifier (auth/dkim_verify.c through tests/integration/dkim_verify_tool, as the daemon
runs it), on generated messages.

Each message has random header fields (folded values, runs of whitespace, 8-bit text,
names in any case, duplicated names with distinct values, Received fields) and a random
body, and is signed with rsa-sha256 (2048-bit key) or ed25519-sha256, a random
header/body canonicalization pair, l= or not, and a random h= list: From, a random
subset of the other names, sometimes each name over-signed (named once more than it
occurs) and names that do not occur. Then:
  - the signed message must pass;
  - one byte changed in a signed field value, the body, or a tag of the signature
    (outside b=) must not pass (fail for fields and body);
  - one byte changed in a field that h= does not select (the unsigned upper copies of
    a duplicated name, fields left out of h=), or text appended after an l= body,
    must still pass.
A changed byte is always a letter or digit replaced by another that differs in lower
case too, so the canonical form changes whichever canonicalization is used. Every
expectation is also checked against dkimpy's own verifier: a case where dkimpy
disagrees with the expectation is a broken case, not an ecluse result.

The seed is printed and is in every failure message; ECLUSE_DIFF_SEED=N replays it,
ECLUSE_DIFF_SEED=random draws a fresh one (harness.diff_seed).
"""

import base64
import random
import subprocess
import time

import dkim
import nacl.encoding
import nacl.signing

import harness

MESSAGES = 800
DOMAIN = b"example.org"
NOW = int(time.time())
ALNUM = b"abcdefghijklmnopqrstuvwxyz0123456789"
WORD = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,;-_=+!?'\"()<>@"


class Key:
    def __init__(self, kind, selector):
        self.kind, self.selector = kind, selector
        if kind == "rsa":
            self.private = subprocess.run(["openssl", "genrsa", "-traditional", "2048"],
                                          check=True, capture_output=True).stdout
            der = subprocess.run(["openssl", "rsa", "-pubout", "-outform", "DER"],
                                 input=self.private, check=True, capture_output=True).stdout
            p = base64.b64encode(der)
            self.record = b"v=DKIM1; k=rsa; p=" + p
            self.alg = b"rsa-sha256"
        else:
            k = nacl.signing.SigningKey.generate()
            self.private = k.encode(encoder=nacl.encoding.Base64Encoder)
            p = k.verify_key.encode(encoder=nacl.encoding.Base64Encoder)
            self.record = b"v=DKIM1; k=ed25519; p=" + p
            self.alg = b"ed25519-sha256"
        self.name = selector + b"._domainkey." + DOMAIN


# --- messages ----------------------------------------------------------------

def ws(rng, lo=1, hi=6):
    return bytes(rng.choice(b" \t") for _ in range(rng.randint(lo, hi)))


def words(rng, n_lo=1, n_hi=8, eight_bit=True):
    out = b""
    for i in range(rng.randint(n_lo, n_hi)):
        if i:
            out += b" " if rng.random() < 0.7 else ws(rng)
        r = rng.random()
        if r < 0.1 and eight_bit:
            out += "é€ü".encode() * rng.randint(1, 2)
        else:
            out += bytes(rng.choice(WORD) for _ in range(rng.randint(1, 10)))
    return out


def value(rng):
    """A field value after the colon, folded at random, without the final CRLF."""
    v = b" " if rng.random() < 0.8 else ws(rng)
    v += words(rng)
    for _ in range(rng.choice((0, 0, 1, 2))):
        v += b"\r\n" + ws(rng, 1, 4) + words(rng)
    if rng.random() < 0.2:
        v += ws(rng)
    return v


def field_name(rng, name):
    r = rng.random()
    if r < 0.15:
        return name.upper()
    if r < 0.3:
        return name.lower()
    return name


def gen_headers(rng):
    """[(name, raw field with CRLF)], one From, some names repeated."""
    fields = []

    def add(name, val=None):
        fields.append((name.lower(), field_name(rng, name) + b":" + (val or value(rng)) + b"\r\n"))

    for i in range(rng.randint(0, 3)):
        add(b"Received", b" from relay%d.example.net by mx.example.org;\r\n\t%s" % (i, words(rng, 2, 4, False)))
    add(b"From", b" Alice %s <alice@example.org>" % words(rng, 1, 2, False))
    add(b"To")
    for _ in range(rng.randint(0, 2)):
        add(b"Cc")
    for _ in range(rng.randint(1, 2)):
        add(b"Subject")
    add(b"Date", b" Mon, 1 Jan 2024 10:00:00 +0000")
    add(b"Message-ID", b" <%d@example.org>" % rng.randrange(1 << 30))
    for _ in range(rng.randint(0, 3)):
        add(b"X-List-Tag")
    if rng.random() < 0.5:
        add(b"Reply-To")
    if rng.random() < 0.5:
        add(b"MIME-Version", b" 1.0")
        add(b"Content-Type", b" text/plain;\r\n\tcharset=utf-8")
    rng.shuffle(fields)
    # From stays unique; Received fields are traces: keep them on top
    fields.sort(key=lambda f: f[0] != b"received")
    return fields


def gen_body(rng):
    lines = []
    for _ in range(rng.choice((0, 1, 3, 10, 30))):
        r = rng.random()
        if r < 0.15:
            lines.append(b"")
        elif r < 0.25:
            lines.append(ws(rng, 1, 10))
        elif r < 0.3:
            lines.append(words(rng, 200, 600))  # long line
        else:
            ln = words(rng, 1, 14)
            if rng.random() < 0.3:
                ln = ws(rng) + ln
            if rng.random() < 0.3:
                ln += ws(rng)
            lines.append(ln)
    lines += [b""] * rng.choice((0, 0, 1, 3))
    return b"".join(ln + b"\r\n" for ln in lines)


def choose_h(rng, fields):
    names = sorted(set(n for n, _ in fields) - {b"from"})
    h = [b"from"] + [n for n in names if rng.random() < 0.6]
    count = {n: sum(1 for m, _ in fields if m == n) for n in h}
    if rng.random() < 0.3:
        # over-signing: every instance, plus one more, so that none can be added
        h = [n for n in h for _ in range(count[n] + 1)]
    else:
        # sign some names several times (the lower copies), never more than present
        h += [n for n in h if count[n] > 1 and rng.random() < 0.5]
    if rng.random() < 0.3:
        h.append(rng.choice((b"reply-to", b"x-absent", b"in-reply-to")))
    rng.shuffle(h)
    return h


def sign(key, msg, canon, h, length):
    d = dkim.DKIM(msg, signature_algorithm=key.alg, linesep=b"\r\n")
    d.should_not_sign = set()
    return d.sign(key.selector, DOMAIN, key.private, canonicalize=canon,
                  include_headers=h, length=length) + msg


# --- tampering -----------------------------------------------------------------

def change_byte(rng, msg, lo, hi):
    """msg with one letter or digit in [lo, hi) replaced by another that differs in
    lower case too; None when the range has none."""
    spots = [i for i in range(lo, hi) if msg[i:i + 1].lower() in ALNUM and msg[i:i + 1] != b""]
    if not spots:
        return None
    i = rng.choice(spots)
    old = msg[i:i + 1].lower()
    new = rng.choice([bytes([c]) for c in ALNUM if bytes([c]) != old])
    return msg[:i] + new + msg[i + 1:]


def value_span(msg, start, end):
    """The value of the field at msg[start:end] (after its colon, before its CRLF)."""
    return msg.index(b":", start) + 1, end - 2


def make_cases(rng, keys):
    cases = []  # (name, message, expect) expect: "pass", "fail", "notpass"
    for n in range(MESSAGES):
        key = rng.choice(keys)
        canon = (rng.choice((b"simple", b"relaxed")), rng.choice((b"simple", b"relaxed")))
        length = rng.random() < 0.3
        fields = gen_headers(rng)
        body = gen_body(rng)
        h = choose_h(rng, fields)
        msg = b"".join(raw for _, raw in fields) + b"\r\n" + body
        signed = sign(key, msg, canon, h, length)
        sig_len = len(signed) - len(msg)
        tag = (f"#{n} {key.alg.decode()} {canon[0].decode()}/{canon[1].decode()}"
               f"{' l=' if length else ''} h={b':'.join(h).decode()}")
        cases.append((tag + ": signed", signed, "pass"))

        # field spans in the signed message, and which ones h= selects (dkimpy's rule)
        spans, pos = [], sig_len
        for name, raw in fields:
            spans.append((name, pos, pos + len(raw)))
            pos += len(raw)
        body_start = pos + 2
        pairs = [[name, raw] for name, raw in fields]
        chosen = dkim.select_headers(pairs, h)
        signed_idx = {i for i, p in enumerate(pairs) if any(p is c for c in chosen)}

        i = rng.choice(sorted(signed_idx))
        lo, hi = value_span(signed, spans[i][1], spans[i][2])
        t = change_byte(rng, signed, lo, hi)
        if t is not None:
            cases.append((tag + f": signed field {spans[i][0].decode()} changed", t, "fail"))
        t = change_byte(rng, signed, body_start, len(signed))
        if t is not None:
            cases.append((tag + ": body changed", t, "fail"))
        # the signature's own tags, all but the b= value
        b_at = signed.index(b"b=", signed.index(b"bh=") + 3)
        t = change_byte(rng, signed, signed.index(b":") + 1, b_at)
        if t is not None:
            cases.append((tag + ": signature tag changed", t, "notpass"))
        unsigned = sorted(set(range(len(fields))) - signed_idx)
        if unsigned:
            i = rng.choice(unsigned)
            lo, hi = value_span(signed, spans[i][1], spans[i][2])
            t = change_byte(rng, signed, lo, hi)
            if t is not None:
                cases.append((tag + f": unsigned field {spans[i][0].decode()} changed", t,
                              "pass"))
        if length and body:
            # (an empty body is CRLF in simple: text after it changes the first l bytes)
            cases.append((tag + ": text appended after l=",
                          signed + words(rng, 1, 8) + b"\r\n", "pass"))
    return cases


def run_tool(keys, cases):
    data = b"".join(b"txt %s %d\n%s" % (k.name, len(k.record), k.record) for k in keys)
    data += b"".join(b"msg %d %d\n%s" % (len(m), NOW, m) for _, m, _ in cases)
    out = subprocess.run([harness.helper_program("dkim_verify_tool")], input=data, capture_output=True, timeout=300)
    assert out.returncode == 0, out.stderr.decode(errors="replace")[-2000:]
    assert b"runtime error" not in out.stderr, out.stderr.decode(errors="replace")[-2000:]
    lines = out.stdout.decode().splitlines()
    assert len(lines) == len(cases), f"{len(lines)} answers for {len(cases)} messages"
    return [ln.split("\t") for ln in lines]


def test_dkim_signed_by_dkimpy_verified_by_ecluse():
    s = harness.diff_seed()
    rng = random.Random(s)
    keys = [Key("rsa", b"rsa"), Key("ed25519", b"ed")]
    records = {k.name: k.record for k in keys}
    cases = make_cases(rng, keys)
    answers = run_tool(keys, cases)
    bad = []
    counts = {}
    for (name, msg, expect), ans in zip(cases, answers):
        results = [a.split(":", 2) for a in ans]
        counts[expect] = counts.get(expect, 0) + 1
        oracle = dkim.verify(msg, dnsfunc=lambda q, timeout=5: records.get(q.rstrip(b".")))
        if oracle != (expect == "pass"):
            bad.append(f"{name}: dkimpy says {oracle}, the case expects {expect}: "
                       "the case is wrong")
            continue
        got = results[0][0] if len(results) == 1 else ",".join(r[0] for r in results)
        ok = (got == expect) if expect != "notpass" else got not in ("pass", "none")
        if not ok:
            reason = "; ".join(r[2] for r in results if len(r) == 3)
            bad.append(f"{name}: ecluse {got} ({reason}), expected {expect}\n"
                       f"  message: {msg[:1500]!r}")
    print(f"{len(cases)} verifications ({MESSAGES} signed messages; {counts}), "
          f"{len(bad)} disagreements")
    assert not bad, f"seed {s}: {len(bad)} of {len(cases)} wrong:\n" + "\n".join(bad[:6])
