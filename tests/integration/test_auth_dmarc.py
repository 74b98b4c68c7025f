"""test_auth_dmarc.py - DMARC (RFC 9989) through "eclusectl auth" against nsd: pass
by aligned SPF or DKIM, fail with each published policy, the DNS Tree Walk for a
subdomain, a domain without DMARC, the tags RFC 9989 added (np, t, psd), and From
fields that make DMARC impossible."""

import pytest

from authcheck import ctl, message, sign  # noqa: F401  (fixture)
from dnsserver import dkim_keys, dns  # noqa: F401  (fixtures)


def dmarc(out):
    return out.one("dmarc")


def test_pass_by_aligned_spf(ctl):
    out = ctl.run("alice@reject.test", message())
    assert dmarc(out) == ("dmarc", "pass", {"header.from": "reject.test",
                                            "policy.dmarc": "reject"})
    assert out.dmarc["result"] == "pass"
    assert out.dmarc["policy-domain"] == "reject.test"


def test_pass_by_aligned_dkim_only(ctl, dkim_keys):
    # SPF passes for another domain; the ed25519 signature of reject.test aligns
    msg = sign(message(), dkim_keys, "reject.test", "ed", algorithm="ed25519")
    out = ctl.run("bounces@nodmarc.test", msg)
    assert out.one("spf")[1] == "pass"
    assert dmarc(out)[1] == "pass"
    assert "DKIM d=reject.test aligned" in out.dmarc_reason


@pytest.mark.parametrize("domain,mail_from,policy", [
    ("reject.test", "x@nodmarc.test", "reject"),        # SPF pass, not aligned
    ("quarantine.test", "x@quarantine.test", "quarantine"),   # SPF softfail
    ("none.test", "x@none.test", "none"),                # SPF fail, monitoring only
])
def test_fail_with_policy(ctl, domain, mail_from, policy):
    out = ctl.run(mail_from, message(f"<user@{domain}>"))
    assert dmarc(out) == ("dmarc", "fail", {"header.from": domain, "policy.dmarc": policy,
                                            "reason": dmarc(out)[2]["reason"]})
    assert out.dmarc["policy"] == policy
    assert out.dmarc["policy-domain"] == domain


def test_quarantine_domain_passes_with_rsa_signature(ctl, dkim_keys):
    msg = sign(message("<user@quarantine.test>"), dkim_keys, "quarantine.test", "rsa")
    out = ctl.run("x@quarantine.test", msg)
    assert out.one("spf")[1] == "softfail"
    assert out.one("dkim")[1] == "pass"
    assert dmarc(out)[1] == "pass"


def test_no_dmarc_record(ctl):
    out = ctl.run("x@nodmarc.test", message("<user@nodmarc.test>"))
    assert dmarc(out) == ("dmarc", "none", {"header.from": "nodmarc.test"})
    assert out.dmarc["policy-domain"] == "-"


def test_subdomain_inherits_by_tree_walk(ctl, dkim_keys):
    # a.b.sub.reject.test has no record; the walk finds reject.test, whose sp applies
    out = ctl.run("x@nodmarc.test", message("<user@a.b.sub.reject.test>"))
    assert dmarc(out)[1] == "fail"
    assert out.dmarc["policy"] == "quarantine"
    assert out.dmarc["policy-domain"] == "reject.test"
    # relaxed alignment across the walk: SPF for bounce.reject.test, DKIM for reject.test
    out = ctl.run("x@bounce.reject.test", message("<user@a.b.sub.reject.test>"))
    assert dmarc(out)[1] == "pass"
    msg = sign(message("<user@sub.reject.test>"), dkim_keys, "reject.test", "rsa")
    out = ctl.run("x@nodmarc.test", msg)
    assert dmarc(out)[1] == "pass"


def test_rfc9989_tags(ctl):
    # np=reject for a subdomain that does not exist; p=quarantine for one that does
    out = ctl.run("x@nodmarc.test", message("<user@nosuch.policy.test>"))
    assert (out.dmarc["result"], out.dmarc["policy"]) == ("fail", "reject")
    out = ctl.run("x@nodmarc.test", message("<user@exists.policy.test>"))
    assert (out.dmarc["result"], out.dmarc["policy"]) == ("fail", "quarantine")
    # t=y: one level below p=reject
    out = ctl.run("x@nodmarc.test", message("<user@testing.policy.test>"))
    assert (out.dmarc["policy"], out.dmarc["testing"]) == ("quarantine", "yes")
    # psd=n: dept.policy.test is its own Organizational Domain, so SPF for
    # policy.test does not align with it (RFC 7489's public suffix list said it did)
    out = ctl.run("x@policy.test", message("<user@dept.policy.test>"))
    assert out.one("spf")[1] == "pass"
    assert (out.dmarc["result"], out.dmarc["policy"]) == ("fail", "reject")


@pytest.mark.parametrize("head,reason", [
    (b"From: a@reject.test, b@nodmarc.test\r\n", "several addresses in From"),
    (b"From: a@reject.test\r\nFrom: b@nodmarc.test\r\n", "several From fields"),
    (b"", "no From field"),
    (b"From: undisclosed:;\r\n", "no address in From"),
])
def test_from_that_defeats_dmarc_is_a_fail(ctl, head, reason):
    msg = head + message(from_=None)
    out = ctl.run("alice@reject.test", msg)
    assert out.dmarc["result"] == "fail"
    assert out.dmarc_reason == reason


def test_several_addresses_of_one_domain(ctl):
    # RFC 9989 5.3.1 needs one Author Domain, not one address: two mailboxes of
    # reject.test have one, and DMARC runs on it (SPF for reject.test aligns)
    msg = b"From: a@reject.test, B <b@Reject.test>\r\n" + message(from_=None)
    out = ctl.run("alice@reject.test", msg)
    assert dmarc(out) == ("dmarc", "pass", {"header.from": "reject.test",
                                            "policy.dmarc": "reject"})
    # and a forger gains nothing: the same domain's policy applies
    out = ctl.run("x@nodmarc.test", msg)
    assert (out.dmarc["result"], out.dmarc["policy"]) == ("fail", "reject")
