#!/usr/bin/python3
"""test_dkim_signed.py - DKIM verification of messages signed at test time.

Keys are made at test time (RSA with the openssl command, ed25519 with python3-nacl,
so that only python3-dkim's own dependencies are needed), messages are signed by
Debian's python3-dkim (dkimpy), and each case runs the C verifier through the harness
tests/dkim/dkim_check with the case's DNS table. Every case prints one TAP line.

Where a case expects pass or fail from a single signature, dkimpy's own verifier
is asked too, as a check on the case itself (cases whose expected result comes from
a rule dkimpy does not apply, such as RFC 8301's rsa-sha1 refusal, skip that check).

Environment: DKIM_CHECK overrides the harness path (default: relative to the build
directory, where make check runs).
"""

import base64
import os
import re
import subprocess
import sys
import tempfile
import time

import dkim
import nacl.encoding
import nacl.signing
from dkim.crypto import HASH_ALGORITHMS, parse_pem_private_key

HARNESS = os.environ.get("DKIM_CHECK", "tests/dkim/dkim_check")
NOW = int(time.time())
DOMAIN = b"example.org"
DKIM_SIGS_MAX = 8  # auth/dkim.h

MESSAGE = (
    b"Received: from relay2.example.net by mx.example.org with ESMTP;\r\n"
    b"\tMon, 1 Jan 2024 10:00:02 +0000\r\n"
    b"Received: from client.example.net by relay2.example.net with ESMTP;\r\n"
    b"\tMon, 1 Jan 2024 10:00:01 +0000\r\n"
    b"From: Alice Example <alice@example.org>\r\n"
    b"To: Bob <bob@example.com>\r\n"
    b"Subject:  Quarterly   report,\r\n"
    b" folded\tsubject line  \r\n"
    b"Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n"
    b"Message-ID: <1234@example.org>\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"\r\n"
    b"Hello Bob,  \r\n"
    b"\t\r\n"
    b"this  body has   odd   whitespace\t \r\n"
    b"and trailing spaces.   \r\n"
    b"\r\n"
    b"-- \r\n"
    b"Alice\r\n"
    b"\r\n"
    b"\r\n"
)

CANONS = [(b"simple", b"simple"), (b"simple", b"relaxed"), (b"relaxed", b"simple"),
          (b"relaxed", b"relaxed")]


class Key:
    """A key pair: the private form dkimpy signs with, the p= of the record."""

    def __init__(self, kind, bits=None):
        self.kind = kind
        if kind == "rsa":
            # PKCS#1, the form dkimpy reads; the public key as SubjectPublicKeyInfo
            self.private = subprocess.run(["openssl", "genrsa", "-traditional", str(bits)],
                                          check=True, capture_output=True).stdout
            der = subprocess.run(["openssl", "rsa", "-pubout", "-outform", "DER"],
                                 input=self.private, check=True, capture_output=True).stdout
            self.p = base64.b64encode(der).decode()
        else:
            k = nacl.signing.SigningKey.generate()
            self.private = k.encode(encoder=nacl.encoding.Base64Encoder)
            self.p = k.verify_key.encode(encoder=nacl.encoding.Base64Encoder).decode()

    def record(self, extra=""):
        k = "rsa" if self.kind == "rsa" else "ed25519"
        return "v=DKIM1; k=%s; %sp=%s" % (k, extra, self.p)


def alg_of(key):
    return b"rsa-sha256" if key.kind == "rsa" else b"ed25519-sha256"


def sign(msg, sel, key, canon=(b"relaxed", b"relaxed"), alg=None, allow=(), **kw):
    """dkimpy's signing API; returns the signed message. allow: header names
    dkimpy refuses to sign by default (Received) that a case wants signed."""
    d = dkim.DKIM(msg, signature_algorithm=alg or alg_of(key), linesep=b"\r\n")
    d.should_not_sign -= set(allow)
    return d.sign(sel, DOMAIN, key.private, canonicalize=canon, **kw) + msg


def sign_tags(msg, sel, key, tags, include=(b"from", b"to", b"subject"),
              canon=(b"relaxed", b"relaxed")):
    """Signs with extra tags (t=, x=) that dkim.sign() does not take, through
    dkimpy's own header generator."""
    alg = alg_of(key)
    d = dkim.DKIM(msg, signature_algorithm=alg, linesep=b"\r\n")
    d.hasher = HASH_ALGORITHMS[alg]
    policy = dkim.CanonicalizationPolicy.from_c_value(b"/".join(canon))
    bh = base64.b64encode(d.hasher(policy.canonicalize_body(d.body)).digest())
    if key.kind == "rsa":
        pk = parse_pem_private_key(key.private)
    else:
        pk = nacl.signing.SigningKey(key.private, encoder=nacl.encoding.Base64Encoder)
    fields = ([(b"v", b"1"), (b"a", alg), (b"c", b"/".join(canon)), (b"d", DOMAIN),
               (b"s", sel)] + tags +
              [(b"h", b" : ".join(include)), (b"bh", bh), (b"b", b"0" * 60)])
    return b"DKIM-Signature: " + d.gen_header(fields, include, policy, b"DKIM-Signature",
                                             pk) + msg


def set_b(signed, cut):
    """The first signature's b= value, unfolded and shortened by cut characters."""
    end = signed.index(b"\r\n", signed.index(b"b=", signed.index(b"bh=") + 3))
    while signed[end + 2:end + 3] in (b" ", b"\t"):
        end = signed.index(b"\r\n", end + 2)
    start = signed.index(b"b=", signed.index(b"bh=") + 3) + 2
    value = re.sub(rb"\s", b"", signed[start:end])
    return signed[:start] + value[:len(value) - cut] + signed[end:]


def replace(msg, old, new):
    assert old in msg, old
    return msg.replace(old, new, 1)


def dns_name(sel):
    return "%s._domainkey.%s" % (sel.decode(), DOMAIN.decode())


class Case:
    def __init__(self, name, msg, dns, expect, testing=None, oracle=True):
        self.name, self.msg, self.dns, self.expect = name, msg, dns, expect
        self.testing = testing
        self.oracle = oracle and len(expect) == 1 and expect[0] in ("pass", "fail")


def make_cases():
    rsa2048 = Key("rsa", 2048)
    rsa1024 = Key("rsa", 1024)
    rsa512 = Key("rsa", 512)
    other = Key("rsa", 2048)
    ed = Key("ed25519")
    ed_other = Key("ed25519")
    dns = {dns_name(b"rsa"): [rsa2048.record()], dns_name(b"ed"): [ed.record()],
           dns_name(b"r1024"): [rsa1024.record()], dns_name(b"r512"): [rsa512.record()]}
    cases = []

    def add(name, msg, expect, extra_dns=None, **kw):
        table = dict(dns)
        table.update(extra_dns or {})
        cases.append(Case(name, msg, table, expect, **kw))

    for key, sel in ((rsa2048, b"rsa"), (ed, b"ed")):
        for canon in CANONS:
            tag = "%s %s/%s" % (alg_of(key).decode(), canon[0].decode(), canon[1].decode())
            signed = sign(MESSAGE, sel, key, canon)
            add(tag + ": signed", signed, ["pass"])
            add(tag + ": body byte changed", replace(signed, b"Hello Bob", b"Hello Rob"),
                ["fail"])
            add(tag + ": signed header changed",
                replace(signed, b"Subject:  Quarterly", b"Subject:  Quarterlx"), ["fail"])
            add(tag + ": unsigned header added",
                replace(signed, b"\r\nFrom:", b"\r\nX-Mailer: test\r\nFrom:"), ["pass"])
            signed_l = sign(MESSAGE, sel, key, canon, length=True)
            add(tag + ": l=", signed_l, ["pass"])
            add(tag + ": l=, text appended after the signed length",
                signed_l + b"Appended by a list\r\n", ["pass"])
            add(tag + ": l=, body cut short", signed_l[:-40] + b"\r\n", ["permerror"],
                oracle=False)

    base = sign(MESSAGE, b"rsa", rsa2048)
    add("second From added on top (From over-signed)",
        b"From: Mallory <ceo@example.org>\r\n" + base, ["fail"])
    once = sign(MESSAGE, b"rsa", rsa2048, include_headers=[b"from", b"to", b"subject"])
    add("From signed once, second From added", b"From: Mallory <ceo@example.org>\r\n" + once,
        ["permerror"], oracle=False)
    add("From signed once, second From added below",
        replace(once, b"\r\nTo:", b"\r\nFrom: Mallory <ceo@example.org>\r\nTo:"),
        ["permerror"], oracle=False)
    add("truncated b= (valid base64)", set_b(base, 4), ["fail"])
    add("truncated b= (broken base64)", set_b(base, 3), ["permerror"], oracle=False)
    add("wrong key in DNS", base, ["fail"], {dns_name(b"rsa"): [other.record()]})
    add("ed25519: wrong key in DNS", sign(MESSAGE, b"ed", ed), ["fail"],
        {dns_name(b"ed"): [ed_other.record()]})
    add("revoked key (empty p=)", base, ["permerror"],
        {dns_name(b"rsa"): ["v=DKIM1; k=rsa; p="]}, oracle=False)
    add("no key record", base, ["permerror"], {dns_name(b"rsa"): []}, oracle=False)
    add("key lookup timeout", base, ["temperror"], {dns_name(b"rsa"): "TIMEOUT"},
        oracle=False)
    add("key lookup server failure", base, ["temperror"], {dns_name(b"rsa"): "SERVFAIL"},
        oracle=False)
    add("ed25519 key for an rsa-sha256 signature", base, ["permerror"],
        {dns_name(b"rsa"): [ed.record()]}, oracle=False)
    add("key record without v= and k=", base, ["pass"],
        {dns_name(b"rsa"): ["p=" + rsa2048.p]})
    add("key h=sha256", base, ["pass"], {dns_name(b"rsa"): [rsa2048.record("h=sha256; ")]})
    add("key h=sha1 only", base, ["permerror"],
        {dns_name(b"rsa"): [rsa2048.record("h=sha1; ")]}, oracle=False)
    add("key s=email", base, ["pass"], {dns_name(b"rsa"): [rsa2048.record("s=email; ")]})
    add("key with unknown tags", base, ["pass"],
        {dns_name(b"rsa"): [rsa2048.record("n=note; zz=1; ")]})
    add("key v= not first", base, ["permerror"],
        {dns_name(b"rsa"): ["k=rsa; v=DKIM1; p=" + rsa2048.p]}, oracle=False)
    add("testing key t=y", base, ["pass"], {dns_name(b"rsa"): [rsa2048.record("t=y; ")]},
        testing=[1])
    sub = sign(MESSAGE, b"rsa", rsa2048, identity=b"alice@mail.example.org")
    add("i= in a subdomain", sub, ["pass"])
    add("i= in a subdomain, key t=s", sub, ["permerror"],
        {dns_name(b"rsa"): [rsa2048.record("t=s; ")]}, oracle=False)
    add("i= in d=, key t=s", base, ["pass"], {dns_name(b"rsa"): [rsa2048.record("t=s; ")]})
    add("rsa-sha1 (RFC 8301)", sign(MESSAGE, b"rsa", rsa2048, alg=b"rsa-sha1"),
        ["permerror"], oracle=False)
    add("512-bit RSA key (RFC 8301)", sign(MESSAGE, b"r512", rsa512), ["policy"],
        oracle=False)
    add("1024-bit RSA key", sign(MESSAGE, b"r1024", rsa1024), ["pass"])
    add("x= in the past", sign_tags(MESSAGE, b"rsa", rsa2048,
                                    [(b"t", b"%d" % (NOW - 7200)), (b"x", b"%d" % (NOW - 3600))]),
        ["permerror"], oracle=False)
    add("x= in the future", sign_tags(MESSAGE, b"ed", ed,
                                      [(b"t", b"%d" % NOW), (b"x", b"%d" % (NOW + 3600))]),
        ["pass"])
    add("t= in the future", sign_tags(MESSAGE, b"ed", ed, [(b"t", b"%d" % (NOW + 3600))]),
        ["permerror"], oracle=False)
    add("x= before t=", sign_tags(MESSAGE, b"ed", ed,
                                  [(b"t", b"%d" % NOW), (b"x", b"%d" % (NOW - 1))]),
        ["permerror"], oracle=False)

    over = sign(MESSAGE, b"rsa", rsa2048,
                include_headers=[b"from", b"to", b"subject", b"reply-to", b"reply-to"])
    add("over-signed missing header", over, ["pass"])
    add("over-signed header added", replace(over, b"\r\nTo:", b"\r\nReply-To: x@evil.test\r\nTo:"),
        ["fail"])
    recv = sign(MESSAGE, b"ed", ed, include_headers=[b"received", b"from", b"to"],
                allow=[b"received"])
    add("Received signed once, new Received on top",
        b"Received: from mx.example.org by filter.example.org; Mon, 1 Jan 2024 10:00:03 +0000\r\n"
        + recv, ["pass"])
    add("Received signed once, bottom one changed",
        replace(recv, b"from client.example.net", b"from clients.example.ne"), ["fail"])
    add("Received signed once, top one changed",
        replace(recv, b"from relay2.example.net by mx", b"from relay3.example.net by mx"),
        ["pass"])

    two = sign(sign(MESSAGE, b"rsa", rsa2048), b"ed", ed)
    add("two signatures, ed25519 over rsa", two, ["pass", "pass"], oracle=False)
    add("two signatures, body changed", replace(two, b"Hello Bob", b"Hello Rob"),
        ["fail", "fail"], oracle=False)
    mixed = sign(sign(MESSAGE, b"rsa", rsa2048), b"ed", ed)
    add("two signatures, one key missing", mixed, ["permerror", "pass"],
        {dns_name(b"ed"): []}, oracle=False)
    many = MESSAGE
    for _ in range(DKIM_SIGS_MAX + 2):
        many = sign(many, b"ed", ed)
    add("more signatures than DKIM_SIGS_MAX", many, ["pass"] * DKIM_SIGS_MAX, oracle=False)
    add("unsigned message", MESSAGE, ["none"], oracle=False)
    return cases


def run_case(case, tmp):
    mpath = os.path.join(tmp, "msg")
    dpath = os.path.join(tmp, "dns")
    with open(mpath, "wb") as f:
        f.write(case.msg)
    with open(dpath, "w") as f:
        for name, recs in case.dns.items():
            if isinstance(recs, str):
                f.write("%s\t%s\n" % (name, recs))
            else:
                for r in recs:
                    f.write("%s\tTXT\t%s\n" % (name, r))
    out = subprocess.run([HARNESS, mpath, dpath, str(NOW)], capture_output=True,
                         check=False)
    if out.returncode != 0:
        return None, "harness exit %d: %s" % (out.returncode, out.stderr.decode()[-500:])
    rows = [l.split("\t") for l in out.stdout.decode().splitlines()]
    return rows, None


def oracle(case):
    def dnsfunc(name, timeout=5):
        recs = case.dns.get(name.decode().rstrip("."))
        return recs[0].encode() if isinstance(recs, list) and recs else None
    return dkim.verify(case.msg, dnsfunc=dnsfunc)


def main():
    cases = make_cases()
    print("1..%d" % len(cases))
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for n, case in enumerate(cases, 1):
            rows, err = run_case(case, tmp)
            why = err
            if rows is not None:
                got = [r[0] for r in rows]
                if got != case.expect:
                    why = "got %s, expected %s (%s)" % (
                        got, case.expect, "; ".join(r[-1] for r in rows if len(r) > 1))
                elif case.testing is not None and [int(r[4]) for r in rows] != case.testing:
                    why = "testing flag %s" % [r[4] for r in rows]
                elif case.oracle and oracle(case) != (case.expect[0] == "pass"):
                    why = "dkimpy disagrees with the expected result: the case is wrong"
            if why:
                failed += 1
                print("not ok %d - %s # %s" % (n, case.name, why))
            else:
                print("ok %d - %s" % (n, case.name))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
