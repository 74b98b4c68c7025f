"""test_auth_spf.py - SPF through "eclusectl auth" against nsd: pass, fail, softfail,
none, a client outside the record, and the null reverse-path (HELO identity)."""

import pytest

from authcheck import ctl, message  # noqa: F401  (fixture)
from dnsserver import dkim_keys, dns  # noqa: F401  (fixtures)


@pytest.mark.parametrize("mail_from,ip,result", [
    ("alice@reject.test", "127.0.0.1", "pass"),       # ip4:127.0.0.1 -all
    ("<alice@reject.test>", "127.0.0.1", "pass"),     # as SMTP writes it
    ("alice@reject.test", "192.0.2.99", "fail"),      # not in the record
    ("alice@quarantine.test", "127.0.0.1", "softfail"),   # ~all
    ("alice@none.test", "127.0.0.1", "fail"),         # -all
    ("alice@nosuch.test", "127.0.0.1", "none"),       # NXDOMAIN
    ("alice@policy.test", "::1", "fail"),             # an IPv6 client, no ip6: term
])
def test_spf_results(ctl, mail_from, ip, result):
    out = ctl.run(mail_from, message(), ip=ip)
    method, got, props = out.one("spf")
    assert got == result, out.stdout
    assert props["smtp.mailfrom"] == mail_from.strip("<>").split("@")[1]
    assert out.spf["result"] == result


def test_null_sender_checks_helo(ctl):
    out = ctl.run("<>", message(), helo="reject.test")
    method, got, props = out.one("spf")
    assert got == "pass"
    assert props == {"smtp.helo": "reject.test"}
    out = ctl.run("", message(), helo="none.test")
    assert out.one("spf")[1] == "fail"
