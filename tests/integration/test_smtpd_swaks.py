"""ecluse-smtpd driven by swaks, a real-world SMTP client: plain, pipelined, several
recipients, STARTTLS, and a refused relay attempt."""

import subprocess

from harness import split_received


def swaks(d, *args):
    p = subprocess.run(["swaks", "--server", d.addr, "--helo", "client.test",
                        "--from", "a@example.org", "--timeout", "60", *args],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120,
                       stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout.decode(errors="backslashreplace")


def test_swaks_plain(smtpd, sink):
    rc, out = swaks(smtpd, "--to", "b@example.net", "--header", "Subject: swaks plain")
    assert rc == 0, out
    (m,) = sink.wait_messages(1)
    assert m["rcpt_to"] == ["b@example.net"]
    assert b"Subject: swaks plain\r\n" in split_received(m["data"])[1]


def test_swaks_pipeline_several_recipients(smtpd, sink):
    rc, out = swaks(smtpd, "--pipeline", "--to", "b@example.net,c@example.net,d@example.net",
                    "--body", "pipelined body")
    assert rc == 0, out
    assert "PIPELINING" in out
    (m,) = sink.wait_messages(1)
    assert m["rcpt_to"] == ["b@example.net", "c@example.net", "d@example.net"]
    assert b"\r\n\r\npipelined body\r\n" in split_received(m["data"])[1]


def test_swaks_tls(make_smtpd, sink, tls_cert):
    d = make_smtpd({"example.net": sink.addr}, tls_cert=tls_cert[0], tls_key=tls_cert[1])
    rc, out = swaks(d, "--tls", "--to", "b@example.net")
    assert "220 2.0.0 Ready to start TLS" in out
    (m,) = sink.wait_messages(1)
    assert b"with ESMTPS" in split_received(m["data"])[0]
    assert rc == 0, out


def test_swaks_tls_pipeline(make_smtpd, sink, tls_cert):
    d = make_smtpd({"example.net": sink.addr}, tls_cert=tls_cert[0], tls_key=tls_cert[1])
    rc, out = swaks(d, "--tls", "--pipeline", "--to", "b@example.net,c@example.net")
    (m,) = sink.wait_messages(1)
    assert m["rcpt_to"] == ["b@example.net", "c@example.net"]
    assert rc == 0, out


def test_swaks_relay_refused(smtpd, sink):
    rc, out = swaks(smtpd, "--to", "victim@relay-target.example")
    assert rc != 0, out
    assert "550 5.7.1 <victim@relay-target.example>: relay access denied" in out
    assert sink.all_messages() == []


def test_swaks_next_hop_refuses_recipient(make_sink, make_smtpd):
    s = make_sink("--rcpt-reject", "^nobody@")
    d = make_smtpd({"example.net": s.addr})
    rc, out = swaks(d, "--to", "nobody@example.net")
    assert rc != 0, out
    assert "550 5.1.1 <nobody@example.net>: user unknown" in out
    assert s.all_messages() == []
