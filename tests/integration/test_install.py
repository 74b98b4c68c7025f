"""test_install.py - `make install` puts every file the daemons read where they look
for it. The checkout's templates and static assets are listed by hand in the
local.mk files; one left out (smtp-held.txt was) is missing only from installed
systems, where ecluse-smtpd then held mail with a 550 that explained nothing. Here the
build is installed into a staging directory (DESTDIR), its tree is compared with the
checkout, and the installed programs run from it: the 550 of a held message carries
its explanation, and ecluse-web serves a release page with its stylesheet; the systemd
units name the installed programs and systemd-analyze finds nothing to say."""

import re
import shutil
import subprocess

import pytest

import harness
import webenv
from dnsserver import dkim_keys, dns  # noqa: F401  (fixtures)
from harness import REPO


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    dest = tmp_path_factory.mktemp("destdir")
    p = subprocess.run(["make", "-s", "-C", str(harness.build_dir()), "install",
                        f"DESTDIR={dest}"], capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout + p.stderr
    (datadir,) = [d for d in dest.glob("**/share/ecluse") if d.is_dir()]
    programs = {p.name: p for p in dest.glob("**/*bin/*")}
    return programs, datadir, dest


def files(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.mark.parametrize("folder", ["templates", "static"])
def test_every_file_of_the_checkout_installed(installed, folder):
    _, datadir, _ = installed
    missing = sorted(set(files(REPO / folder)) - set(files(datadir / folder)))
    assert missing == [], f"not in any local.mk's nobase_dist_pkgdata_DATA: {missing}"
    assert files(datadir / folder) == files(REPO / folder)


def test_programs_installed(installed):
    programs, _, _ = installed
    assert {"ecluse-smtpd", "ecluse-web", "eclusectl"} <= set(programs)


def test_installed_smtpd_explains_a_hold(installed, procs, tmp_path, sink, dns):  # noqa: F811
    programs, datadir, _ = installed
    d = harness.Smtpd(procs, programs["ecluse-smtpd"], tmp_path, {"example.net": sink.addr},
                      sections={"dns": {"servers": dns.servers},
                                "web": {"base_url": "https://release.test"},
                                "policy": {"mode": "enforce"}},
                      datadir=datadir)
    c = d.client()
    c.ehlo("mail.client.test")
    assert c.cmd("MAIL FROM:<stranger@unknown.test>").code == 250
    assert c.cmd("RCPT TO:<b@example.net>").code == 250
    assert c.cmd("DATA").code == 354
    r = c.cmd(b"From: stranger@unknown.test\r\nSubject: hi\r\n\r\nhello\r\n.")
    assert r.code == 550, r
    text = " ".join(r.lines)
    assert "Your message was held" in text, r.lines
    assert re.match(r"^550-5\.7\.1 https://release\.test/r/", r.lines[0]), r.lines


def test_installed_web_serves_a_release_page(installed):
    programs, datadir, _ = installed
    w = webenv.Web(binary=programs["ecluse-web"], datadir=datadir)
    try:
        _, token = w.hold()
        status, _, page = w.get(f"/r/{token}")
        assert status == 200, page
        assert 'name="csrf"' in page
        css = re.search(r'href="(/static/[^"]+\.css)"', page)
        assert css, page
        status, headers, body = w.get(css.group(1))
        assert status == 200 and headers["content-type"].startswith("text/css")
        assert len(body) > 0
    finally:
        w.stop_clean()


def test_partial_install_refused_at_start(installed, tmp_path):
    """A template ecluse-smtpd needs is missing: it says which and does not start,
    rather than hold mail with a 550 that explains nothing."""
    programs, datadir, _ = installed
    shutil.copytree(datadir, tmp_path / "share")
    (tmp_path / "share" / "templates" / "fr" / "smtp-held.txt").unlink()
    conf = tmp_path / "ecluse.conf"
    conf.write_text(harness.config_text({"smtpd": {"listen": "127.0.0.1:2525"},
                                         "store": {"path": tmp_path / "e.db"}},
                                        {"example.net": "127.0.0.1:2526"}))
    p = subprocess.run([programs["ecluse-smtpd"], "-n", "-c", conf, "-D", tmp_path / "share"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 2, p.stdout + p.stderr
    assert "templates/fr/smtp-held.txt missing" in p.stderr, p.stderr


@pytest.mark.parametrize("unit", ["ecluse-smtpd.service", "ecluse-web.service"])
def test_systemd_units(installed, tmp_path, unit):
    """The units are installed with the configured paths, and systemd reads them
    without a complaint (an unknown or misspelt directive is only a warning to
    systemd, so stderr must be empty too)."""
    programs, _, dest = installed
    (path,) = dest.glob(f"**/lib/systemd/system/{unit}")
    text = path.read_text()
    exec_start = re.search(r"^ExecStart=(\S+) ", text, re.M).group(1)
    staged = dest / exec_start.lstrip("/")
    assert staged == programs[unit.removesuffix(".service")], exec_start
    # verified with ExecStart pointing at the staged binary, which systemd checks
    (tmp_path / unit).write_text(text.replace(exec_start, str(staged)))
    p = subprocess.run(["systemd-analyze", "verify", str(tmp_path / unit)],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and p.stderr == "", p.stderr
