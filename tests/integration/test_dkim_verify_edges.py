"""test_dkim_verify_edges.py - the DKIM verifier (auth/dkim_verify.c through
tests/integration/dkim_verify_tool, one key cache for all messages as the daemon has)
on signatures python3-dkim cannot make: each is signed here, ed25519 (RFC 8463) over
RFC 6376 3.7 computed by this file, so that b= can sit anywhere in the field.

  - b= first or last in the value, folded, with whitespace around its value: RFC 6376
    3.7 leaves out the value "including all surrounding whitespace", at every place;
  - several TXT records at one name (RFC 6376 6.1.2): records that are no usable key
    are passed over, a revoked one ends the search; records longer than the cache
    keeps (auth/dkim_keys.h DKIM_KEYREC_MAX, parsed at each use into one scratch
    entry), several of them in one answer and in one message;
  - several signatures in one message, each with its own key, in any order.
"""

import base64
import hashlib
import re
import subprocess

import nacl.signing

import harness

NOW = 1700000000
DOMAIN = b"example.org"
KEY = nacl.signing.SigningKey(b"\x01" * 32)
OTHER = nacl.signing.SigningKey(b"\x02" * 32)
# A tag ignored by verifiers (RFC 6376 3.6.1 n=) making a record longer than the
# 2048 bytes the cache keeps.
LONG = b"; n=" + b"x" * 2100


def record(key):
    return b"v=DKIM1; k=ed25519; p=" + base64.b64encode(key.verify_key.encode())


def relaxed_header(name, value):
    value = re.sub(rb"\r\n(?=[ \t])", b"", value)
    value = re.sub(rb"[ \t]+", b" ", value).strip(b" ")
    return name.strip().lower() + b":" + value


def relaxed_body(body):
    lines = [re.sub(rb"[ \t]+", b" ", line).rstrip(b" ") for line in body.split(b"\r\n")]
    text = re.sub(rb"(\r\n)*$", b"", b"\r\n".join(lines))
    return text + b"\r\n" if text else b""


def sign(headers, body, template, key=KEY):
    """template: the DKIM-Signature value with @BH@ and @B@ for bh= and b= values.
    Relaxed/relaxed; header fields selected bottom-up (RFC 6376 5.4.2)."""
    bh = base64.b64encode(hashlib.sha256(relaxed_body(body)).digest())
    value = template.replace(b"@BH@", bh)
    m = re.fullmatch(rb"(.*b[ \t]*=)[ \t\r\n]*@B@[ \t\r\n]*(.*)", value, re.S)
    unsigned = m.group(1) + m.group(2)
    names = [n.strip() for n in re.search(rb"(?:^|;)\s*h\s*=\s*([^;]*)", value).group(1).split(b":")]
    taken, data = set(), b""
    for n in names:
        for k in range(len(headers) - 1, -1, -1):
            if k not in taken and headers[k][0].lower() == n.lower():
                taken.add(k)
                data += relaxed_header(*headers[k]) + b"\r\n"
                break
    data += relaxed_header(b"DKIM-Signature", unsigned)
    b = base64.b64encode(key.sign(hashlib.sha256(data).digest()).signature)
    return value.replace(b"@B@", b)


HEADERS = [(b"From", b" a@example.org"), (b"Subject", b" hello  there \t")]
BODY = b"some  text \r\n\r\n"


def template(selector, b_at="end"):
    tags = [b"v=1", b"a=ed25519-sha256", b"c=relaxed/relaxed", b"d=" + DOMAIN,
            b"s=" + selector, b"h=from:subject", b"bh=@BH@"]
    if b_at == "start":
        return b"b=@B@; " + b"; ".join(tags)
    return b" " + b"; ".join(tags) + b"; b=@B@"


def message(signatures, headers=HEADERS, body=BODY):
    return (b"".join(b"DKIM-Signature:" + s + b"\r\n" for s in signatures) +
            b"".join(n + b":" + v + b"\r\n" for n, v in headers) + b"\r\n" + body)


def verify(records, messages):
    data = b"".join(b"txt %s %d\n" % (name, len(rec)) + rec for name, rec in records)
    data += b"".join(b"msg %d %d\n" % (len(m), NOW) + m for m in messages)
    out = subprocess.run([harness.helper_program("dkim_verify_tool")], input=data,
                         capture_output=True, timeout=60)
    assert out.returncode == 0, out.stderr.decode(errors="replace")[-2000:]
    assert b"runtime error" not in out.stderr, out.stderr.decode(errors="replace")[-2000:]
    lines = out.stdout.decode().splitlines()
    assert len(lines) == len(messages)
    return [[r.split(":", 2) for r in line.split("\t")] for line in lines]


def name(selector):
    return selector + b"._domainkey." + DOMAIN


def test_b_anywhere_in_the_field():
    templates = [
        template(b"s"),
        template(b"s", "start"),
        b"b=@B@;" + template(b"s")[1:].replace(b"; b=@B@", b""),
        template(b"s").replace(b"; b=@B@", b"; b=\r\n\t@B@ \r\n ; t=1"),
        template(b"s").replace(b"; b=@B@", b"; b = @B@ ;"),
        template(b"s").replace(b"; b=@B@", b"; b=@B@  \t"),
    ]
    signed = [sign(HEADERS, BODY, t) for t in templates]
    results = verify([(name(b"s"), record(KEY))], [message([s]) for s in signed])
    for t, res in zip(templates, results):
        assert [r[0] for r in res] == ["pass"], (t, res)
    # and a changed Subject still fails for each placement
    changed = [(b"From", HEADERS[0][1]), (b"Subject", b" hello  theRe")]
    results = verify([(name(b"s"), record(KEY))],
                     [message([s], headers=changed) for s in signed])
    for t, res in zip(templates, results):
        assert [r[0] for r in res] == ["fail"], (t, res)


def test_several_records_and_long_ones():
    records = [
        (name(b"a"), b"v=DKIM1; k=ed25519; p=AAAA" + LONG),   # long, no usable key
        (name(b"a"), record(KEY) + LONG),                    # long, the key
        (name(b"b"), record(OTHER) + LONG),                  # long, another key
        (name(b"c"), b"v=spf1 -all"),                        # no key record
        (name(b"c"), record(KEY)),
        (name(b"d"), b"v=DKIM1; p="),                        # revoked: ends the search
        (name(b"d"), record(KEY)),
        (name(b"e"), b"v=DKIM2; p=" + base64.b64encode(b"x" * 32) + LONG),  # discarded
        (name(b"e"), record(KEY)),
    ]
    sig = {s: sign(HEADERS, BODY, template(s)) for s in (b"a", b"b", b"c", b"d", b"e")}
    messages = [
        message([sig[b"a"]]),
        message([sig[b"b"]]),
        message([sig[b"a"], sig[b"b"], sig[b"a"]]),
        message([sig[b"b"], sig[b"a"], sig[b"c"], sig[b"d"], sig[b"e"], sig[b"a"]]),
    ]
    want = [
        [("pass", "ok")],
        [("fail", "signature did not verify")],
        [("pass", "ok"), ("fail", "signature did not verify"), ("pass", "ok")],
        [("fail", "signature did not verify"), ("pass", "ok"), ("pass", "ok"),
         ("permerror", "key revoked"), ("pass", "ok"), ("pass", "ok")],
    ]
    # twice: the second run of each message finds the short records in the cache
    results = verify(records, messages + messages)
    for m, res in enumerate(results):
        assert [(r[0], r[2]) for r in res] == want[m % len(want)], (m, res)
        assert all(r[1] == DOMAIN.decode() for r in res)
