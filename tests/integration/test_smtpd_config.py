"""ecluse-smtpd -c FILE with a bad configuration: exit status 2 and a message naming the
file, the line and the key on stderr, before listening. SMTPD-SPEC.md (first lines) and
DESIGN "Interfaces"."""

import subprocess

import pytest

from harness import free_port

GOOD = """[smtpd]
listen = 127.0.0.1:{port}
hostname = mx.ecluse.test

[domain example.net]
next_hop = 127.0.0.1:25
"""


def run(smtpd_binary, path):
    """Runs the daemon in the foreground; a bad config must make it exit by itself."""
    try:
        p = subprocess.run([str(smtpd_binary), "-c", str(path), "-f"], capture_output=True,
                           timeout=30, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        pytest.fail(f"ecluse-smtpd kept running with {path}")
    return p.returncode, p.stderr.decode(errors="backslashreplace")


def line_of(text, needle):
    return next(i for i, ln in enumerate(text.splitlines(), 1) if needle in ln)


# (name, text added to GOOD, the line to point at, the key to name)
BAD = [
    ("not-a-number", "[smtpd]\nmax_recipients = lots\n", "max_recipients", "max_recipients"),
    ("out-of-range", "[smtpd]\nmax_errors = 0\n", "max_errors", "max_errors"),
    ("size-under-minimum", "[smtpd]\nmax_message_size = 1000\n", "max_message_size",
     "max_message_size"),
    ("size-bad-suffix", "[smtpd]\nmax_message_size = 10X\n", "max_message_size",
     "max_message_size"),
    ("unknown-key", "[smtpd]\nmax_recipient = 5\n", "max_recipient", "max_recipient"),
    ("bad-next-hop", "[domain example.com]\nnext_hop = nohost\n", "nohost", "next_hop"),
    ("next-hop-port-zero", "[domain example.com]\nnext_hop = 127.0.0.1:0\n",
     "127.0.0.1:0", "next_hop"),
    ("bad-listen", "", None, "listen"),
    ("timeout-zero", "[smtpd]\ntimeout_command = 0\n", "timeout_command", "timeout_command"),
]


@pytest.mark.parametrize("name,extra,needle,key", BAD, ids=[b[0] for b in BAD])
def test_bad_config_exits_2(smtpd_binary, tmp_path, name, extra, needle, key):
    text = GOOD.format(port=free_port()) + "\n" + extra
    if name == "bad-listen":
        text = text.replace("listen = 127.0.0.1:", "listen = 127.0.0.1;")
        needle = "listen ="
    path = tmp_path / "bad.conf"
    path.write_text(text)
    rc, err = run(smtpd_binary, path)
    assert rc == 2, f"exit status {rc}, stderr: {err}"
    assert f"{path}:{line_of(text, needle)}" in err, err
    assert key in err, err


def test_missing_config_file(smtpd_binary, tmp_path):
    path = tmp_path / "absent.conf"
    rc, err = run(smtpd_binary, path)
    assert rc == 2, f"exit status {rc}, stderr: {err}"
    assert str(path) in err


def test_tls_cert_without_key(smtpd_binary, tmp_path, tls_cert):
    path = tmp_path / "bad.conf"
    path.write_text(GOOD.format(port=free_port()) + f"\n[smtpd]\ntls_cert = {tls_cert[0]}\n")
    rc, err = run(smtpd_binary, path)
    assert rc == 2, f"exit status {rc}, stderr: {err}"
    assert str(path) in err and "tls_key" in err, err


def test_unreadable_tls_cert(smtpd_binary, tmp_path):
    path = tmp_path / "bad.conf"
    path.write_text(GOOD.format(port=free_port()) +
                    f"\n[smtpd]\ntls_cert = {tmp_path}/none.pem\ntls_key = {tmp_path}/none.key\n")
    rc, err = run(smtpd_binary, path)
    assert rc == 2, f"exit status {rc}, stderr: {err}"
    assert "none.pem" in err, err
