"""ecluse-smtpd STARTTLS (RFC 3207) with a certificate made at test time: the handshake,
the session reset, bytes pipelined after STARTTLS discarded (CVE-2011-0411 class),
protocol versions, and the replies around it. SMTPD-SPEC.md, "STARTTLS"."""

import re
import socket
import ssl
import threading

import pytest

from harness import HOSTNAME, client_tls_context, split_received


def code(r):
    return r.code, r.text.split(" ", 1)[0]


@pytest.fixture
def tls_smtpd(make_smtpd, sink, tls_cert):
    cert, key = tls_cert
    return make_smtpd({"example.net": sink.addr}, tls_cert=cert, tls_key=key)


def keywords(reply):
    return {line[4:] for line in reply.lines[1:]}


def test_starttls_offered(tls_smtpd):
    r = tls_smtpd.client().cmd("EHLO client.test")
    assert "STARTTLS" in keywords(r)


def test_starttls_not_offered_without_certificate(smtpd):
    r = smtpd.client().cmd("EHLO client.test")
    assert "STARTTLS" not in keywords(r)


def test_starttls_without_tls_configured(smtpd):
    c = smtpd.client()
    c.ehlo()
    assert code(c.cmd("STARTTLS")) == (502, "5.5.1")
    assert c.cmd("NOOP").code == 250


def test_starttls_with_argument(tls_smtpd):
    c = tls_smtpd.client()
    c.ehlo()
    assert code(c.cmd("STARTTLS now")) == (501, "5.5.4")
    assert c.cmd("NOOP").code == 250, "still plain text"


def test_starttls_handshake_and_delivery(tls_smtpd, sink, tls_cert):
    c = tls_smtpd.client()
    c.ehlo()
    ctx = ssl.create_default_context(cafile=str(tls_cert[0]))
    r = c.starttls(ctx, server_hostname=HOSTNAME)
    assert r.lines == ["220 2.0.0 Ready to start TLS"]
    assert c.sock.version() in ("TLSv1.2", "TLSv1.3")
    r = c.cmd("EHLO client.test")
    assert r.code == 250
    assert "STARTTLS" not in keywords(r), "no STARTTLS once in TLS"
    assert c.cmd("MAIL FROM:<a@example.org>").code == 250
    assert c.cmd("RCPT TO:<b@example.net>").code == 250
    assert c.cmd("DATA").code == 354
    assert c.cmd(b"Subject: over tls\r\n\r\nsecret\r\n.").code == 250
    (m,) = sink.wait_messages(1)
    received, rest = split_received(m["data"])
    assert rest == b"Subject: over tls\r\n\r\nsecret\r\n"
    assert re.search(rb"\bwith ESMTPS\b", received), received


def test_session_reset_after_starttls(tls_smtpd):
    c = tls_smtpd.client()
    c.ehlo()
    c.starttls()
    assert code(c.cmd("MAIL FROM:<a@example.org>")) == (503, "5.5.1"), "EHLO needed again"
    c.ehlo()
    assert c.cmd("MAIL FROM:<a@example.org>").code == 250


def test_transaction_before_starttls_forgotten(tls_smtpd, sink):
    c = tls_smtpd.client()
    c.ehlo()
    assert c.cmd("MAIL FROM:<plain@example.org>").code == 250
    r = c.cmd("STARTTLS")
    if r.code != 220:      # refusing STARTTLS inside a transaction is also safe
        assert r.code >= 500, r
        return
    c.sock = client_tls_context().wrap_socket(c.sock, server_hostname=HOSTNAME)
    c.ehlo()
    assert code(c.cmd("RCPT TO:<b@example.net>")) == (503, "5.5.1")


def test_starttls_inside_tls(tls_smtpd):
    c = tls_smtpd.client()
    c.ehlo()
    c.starttls()
    c.ehlo()
    assert code(c.cmd("STARTTLS")) == (503, "5.5.1")
    assert c.cmd("NOOP").code == 250


def test_pipelined_injection_after_starttls_discarded(tls_smtpd, sink):
    c = tls_smtpd.client()
    c.ehlo()
    c.send(b"STARTTLS\r\nMAIL FROM:<evil@example.org>\r\nRCPT TO:<b@example.net>\r\n")
    r = c.reply()
    assert r.lines == ["220 2.0.0 Ready to start TLS"]
    assert c.buf == b"", "nothing but the 220 before the handshake"
    c.sock = client_tls_context().wrap_socket(c.sock, server_hostname=HOSTNAME)
    r = c.cmd("EHLO client.test")
    assert r.lines[0] == f"250-{HOSTNAME}", \
        f"first reply in TLS must be the EHLO reply, not one to injected commands: {r}"
    assert code(c.cmd("RCPT TO:<b@example.net>")) == (503, "5.5.1"), \
        "the injected MAIL must not have started a transaction"
    assert c.cmd("NOOP").code == 250
    assert sink.connections() == 0, "the injected RCPT must not reach the next hop"


def test_quit_inside_tls(tls_smtpd):
    c = tls_smtpd.client()
    c.ehlo()
    c.starttls()
    c.ehlo()
    assert c.cmd("QUIT").lines == ["221 2.0.0 Bye"]
    assert c.is_closed()


def test_tls_12_accepted(tls_smtpd):
    c = tls_smtpd.client()
    c.ehlo()
    ctx = client_tls_context()
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    c.starttls(ctx)
    assert c.sock.version() == "TLSv1.2"
    assert c.cmd("EHLO client.test").code == 250


# Python warns that TLS 1.1 is deprecated: these tests use it on purpose.
OLD_TLS = pytest.mark.filterwarnings("ignore:ssl.TLSVersion.TLSv1_1:DeprecationWarning")


def old_tls_context():
    """A client context that offers TLS 1.1 only."""
    ctx = client_tls_context()
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    ctx.minimum_version = ssl.TLSVersion.TLSv1_1
    ctx.maximum_version = ssl.TLSVersion.TLSv1_1
    return ctx


@OLD_TLS
def test_old_tls_client_works_against_permissive_server(tls_cert):
    """Control for test_tls_11_refused: this machine's client can speak TLS 1.1, so a
    failure there is the server's refusal, not the client's inability."""
    sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    sctx.load_cert_chain(*map(str, tls_cert))
    sctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    sctx.minimum_version = ssl.TLSVersion.TLSv1_1
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    result = {}

    def serve():
        conn, _ = srv.accept()
        try:
            with sctx.wrap_socket(conn, server_side=True) as t:
                result["server"] = t.version()
        except ssl.SSLError as e:
            result["server"] = e
    th = threading.Thread(target=serve)
    th.start()
    try:
        with socket.create_connection(srv.getsockname(), timeout=30) as s:
            with old_tls_context().wrap_socket(s, server_hostname=HOSTNAME) as t:
                assert t.version() == "TLSv1.1"
    finally:
        th.join(30)
        srv.close()
    assert result.get("server") == "TLSv1.1"


@OLD_TLS
def test_tls_11_refused(tls_smtpd):
    c = tls_smtpd.client()
    c.ehlo()
    assert c.cmd("STARTTLS").code == 220
    with pytest.raises((ssl.SSLError, ConnectionResetError, EOFError, BrokenPipeError)):
        c.sock = old_tls_context().wrap_socket(c.sock, server_hostname=HOSTNAME)
        c.cmd("EHLO client.test")
