"""test_auth_idn.py - internationalized domain names (RFC 8616, RFC 9989 5.3.1) against
nsd serving bücher.test as its A-labels (tests/zones/xn--bcher-kva.test.zone): an
SMTPUTF8 message through ecluse-smtpd whose U-label From publishes DMARC and SPF and
signs with DKIM comes out dmarc=pass, and "eclusectl auth" says the same; an
internationalized message's Authentication-Results names the domains with U-labels, a
7-bit one with A-labels; a name that is no valid IDN gets a clear result."""

import re

from authcheck import ctl, message, sign  # noqa: F401  (fixture)
from dnsserver import dkim_keys, dns  # noqa: F401  (fixtures)
from harness import HOSTNAME, split_received

ULABEL = "bücher.test"
ALABEL = "xn--bcher-kva.test"


def eai_message(keys, selector="rsa", algorithm="rsa", local="jörg"):
    """A message with a U-label From (RFC 6532), signed by the A-label domain."""
    msg = message(f"Jörg <{local}@{ULABEL}>", subject="Grüße".encode())
    return sign(msg, keys, ALABEL, selector, algorithm=algorithm)


def test_smtputf8_message_through_smtpd_is_dmarc_pass(make_smtpd, sink, dns,  # noqa: F811
                                                      dkim_keys):  # noqa: F811
    d = make_smtpd({"example.net": sink.addr},
                   sections={"dns": {"servers": dns.servers, "timeout_ms": 1000, "tries": 2},
                             "policy": {"authserv_id": "mx.ecluse.test",
                                        "quarantine_threshold": 100000,
                                        "reject_threshold": 100000}})
    data = eai_message(dkim_keys)
    c = d.client()
    c.ehlo("client.test")
    assert c.cmd(f"MAIL FROM:<jörg@{ULABEL}> SMTPUTF8").code == 250
    assert c.cmd("RCPT TO:<b@example.net>").code == 250
    assert c.cmd("DATA").code == 354
    r = c.cmd(data + b".")
    assert r.code == 250, r
    (m,) = sink.wait_messages(1)
    added, rest = split_received(m["data"])
    assert rest == data
    ar = re.sub(r"\r\n[ \t]+", " ", added.decode()).split("\r\nAuthentication-Results: ")[1]
    assert ar.startswith("mx.ecluse.test;"), ar
    # checked at the A-labels, written with U-labels in an internationalized message
    assert f'spf=pass smtp.mailfrom="{ULABEL}"' in ar, ar
    assert f'dkim=pass header.d="{ULABEL}" header.s=rsa' in ar, ar
    assert f'dmarc=pass header.from="{ULABEL}" policy.dmarc=reject' in ar, ar
    assert "SMTPUTF8" in m["mail_params"]


def test_ctl_gives_the_same_result(ctl, dkim_keys):  # noqa: F811
    out = ctl.run(f"jörg@{ULABEL}", eai_message(dkim_keys, "ed", "ed25519"))
    assert out.one("spf") == ("spf", "pass", {"smtp.mailfrom": f'"{ULABEL}"'})
    assert out.one("dkim")[1:] == ("pass", {"header.d": f'"{ULABEL}"', "header.s": "ed",
                                            "header.b": out.one("dkim")[2]["header.b"]})
    assert out.one("dmarc") == ("dmarc", "pass", {"header.from": f'"{ULABEL}"',
                                                  "policy.dmarc": "reject"})
    assert out.spf["domain"] == ALABEL
    assert out.dmarc["from"] == ALABEL
    assert out.dmarc["policy-domain"] == ALABEL


def test_forger_gets_the_idn_policy(ctl):
    # SPF for another domain, no signature: the U-label domain's p=reject applies
    out = ctl.run("x@nodmarc.test", message(f"<a@{ULABEL}>", subject="Grüße".encode()))
    assert out.one("dmarc")[1] == "fail"
    assert (out.dmarc["policy"], out.dmarc["policy-domain"]) == ("reject", ALABEL)
    # and a client SPF does not authorize fails for the U-label MAIL FROM
    out = ctl.run(f"a@{ULABEL}", message(f"<a@{ULABEL}>"), ip="192.0.2.9")
    assert out.one("spf")[1] == "fail"
    assert out.one("dmarc")[1] == "fail"


def test_seven_bit_message_keeps_a_labels(ctl, dkim_keys):  # noqa: F811
    # a U-label MAIL FROM, but the header is ASCII: nothing 8-bit is added to it
    msg = sign(message(f"<a@{ALABEL}>"), dkim_keys, ALABEL, "rsa")
    out = ctl.run(f"a@{ULABEL}", msg)
    assert out.one("spf") == ("spf", "pass", {"smtp.mailfrom": ALABEL})
    assert out.one("dmarc") == ("dmarc", "pass", {"header.from": ALABEL,
                                                  "policy.dmarc": "reject"})
    assert all(ord(ch) < 128 for ch in out.header)


def test_helo_identity_in_u_labels(ctl):
    # null reverse-path: the HELO identity, converted before its check
    out = ctl.run("<>", message(f"<a@{ALABEL}>"), helo=f"mail.{ULABEL}")
    assert out.one("spf") == ("spf", "pass", {"smtp.helo": f"mail.{ALABEL}"})
    assert out.spf["domain"] == f"mail.{ALABEL}"
    out = ctl.run("<>", message(f"<a@{ULABEL}>"), helo=f"mail.{ULABEL}")
    assert out.one("spf") == ("spf", "pass", {"smtp.helo": f'"mail.{ULABEL}"'})


def test_invalid_idn_is_a_clear_result(ctl):
    # an Author Domain that is no valid IDN (a ZWJ outside its context, RFC 5892)
    out = ctl.run(f"a@{ULABEL}", message("<a@b\u200dx.test>"))
    assert out.one("dmarc")[1] == "permerror"
    assert out.dmarc_reason.startswith("author domain is not a valid IDN")
    # a MAIL FROM domain that is no valid IDN: malformed, SPF none (RFC 7208 4.3)
    out = ctl.run("a@b\u200dx.test", message(f"<a@{ULABEL}>"))
    assert out.one("spf")[1] == "none"
    assert "(not a valid IDN: " in out.stdout
