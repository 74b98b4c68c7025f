"""test_auth_dkim.py - DKIM through "eclusectl auth" against nsd, on messages signed
at test time with python3-dkim: RSA and ed25519 keys, several signatures, a body
changed after signing, a selector without a key."""

from authcheck import ctl, message, sign  # noqa: F401  (fixture)
from dnsserver import dkim_keys, dns  # noqa: F401  (fixtures)


def test_rsa_and_ed25519(ctl, dkim_keys):
    msg = sign(message(), dkim_keys, "reject.test", "rsa")
    msg = sign(msg, dkim_keys, "reject.test", "ed", algorithm="ed25519")
    out = ctl.run("alice@reject.test", msg)
    sigs = out.method("dkim")
    assert [(r, p["header.d"], p["header.s"]) for _, r, p in sigs] == \
        [("pass", "reject.test", "ed"), ("pass", "reject.test", "rsa")]
    for _, _, props in sigs:
        assert len(props["header.b"]) >= 8


def test_changed_body_fails(ctl, dkim_keys):
    msg = sign(message(), dkim_keys, "reject.test", "rsa")
    msg = msg.replace(b"Hello, world.", b"Hello, world!")
    out = ctl.run("alice@reject.test", msg)
    _, result, props = out.one("dkim")
    assert result == "fail"
    assert props["header.d"] == "reject.test"
    assert "reason" in props


def test_selector_without_key(ctl, dkim_keys):
    # signed with a key the domain does not publish under that selector
    msg = sign(message(), dkim_keys, "reject.test", "missing")
    out = ctl.run("alice@reject.test", msg)
    assert out.one("dkim")[1] == "permerror"


def test_wrong_key_fails(ctl, dkim_keys):
    # nodmarc.test publishes the ed25519 key under "ed"; an RSA signature claims it
    msg = sign(message("a@nodmarc.test"), dkim_keys, "nodmarc.test", "ed")
    out = ctl.run("a@nodmarc.test", msg)
    assert out.one("dkim")[1] == "permerror"


def test_unsigned(ctl):
    out = ctl.run("alice@reject.test", message())
    assert out.one("dkim")[1:] == ("none", {})
