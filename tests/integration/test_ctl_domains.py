"""test_ctl_domains - per-domain settings ([domain NAME] language, digest,
quarantine_threshold, reject_threshold) and "eclusectl domains [--json]"."""
import json
import os
import subprocess

from webenv import BUILD, SEED

CTL = os.path.join(BUILD, "ctl", "eclusectl")


def write_conf(tmp_path, domains):
    store = tmp_path / "ecluse.db"
    conf = tmp_path / "ecluse.conf"
    conf.write_text("[store]\npath = %s\n%s[policy]\nquarantine_threshold = 6\n"
                    "reject_threshold = 20\n" % (store, domains))
    return str(conf), str(store)


def ctl(conf, *args):
    return subprocess.run([CTL, "-c", conf] + list(args), capture_output=True, text=True,
                          timeout=30)


def test_domains_listing(tmp_path):
    conf, store = write_conf(tmp_path,
                             "[domain example.org]\nnext_hop = 127.0.0.1:2526\n"
                             "[domain Example.FR]\nnext_hop = [::1]:2527\nlanguage = fr\n"
                             "digest = no\nquarantine_threshold = 3\n"
                             "reject_threshold = 9\n")
    key = str(tmp_path / "token.key")
    for sender, rcpt in (("a@example.net", "bob@example.org"),
                         ("b@example.net", "carol@example.org"),
                         ("c@example.net", "jean@example.fr"),
                         ("d@example.net", "x@example.com")):
        subprocess.run([SEED, "hold", store, key, sender, rcpt, "s", "86400"], check=True,
                       capture_output=True)
    # a released message is not held any more
    subprocess.run([SEED, "release", store, "2"], check=True, capture_output=True)
    p = ctl(conf, "domains", "--json")
    assert p.returncode == 0, p.stderr
    got = json.loads(p.stdout)
    assert got == {"domains": [
        # the [policy] thresholds, set after the domain section in the file
        {"name": "example.org", "next_hop": "127.0.0.1:2526", "language": "en",
         "digest": True, "quarantine_threshold": 6, "reject_threshold": 20, "held": 1},
        {"name": "example.fr", "next_hop": "[::1]:2527", "language": "fr",
         "digest": False, "quarantine_threshold": 3, "reject_threshold": 9, "held": 1}]}
    p = ctl(conf, "domains")
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0].split() == ["domain", "next", "hop", "lang", "digest", "quarantine",
                                "reject", "held"]
    assert lines[1].split() == ["example.org", "127.0.0.1:2526", "en", "yes", "6", "20",
                                "1"]
    assert lines[2].split() == ["example.fr", "[::1]:2527", "fr", "no", "3", "9", "1"]
    assert ctl(conf, "domains", "extra").returncode == 64
    assert ctl(conf, "domains", "--yaml").returncode == 64


def test_domain_settings_checked(tmp_path):
    for body, why in (
            ("language = de\n", "[domain example.org] language: expected en or fr"),
            ("digest = maybe\n", "[domain example.org] digest: expected yes or no"),
            ("quarantine_threshold = 0\n", "quarantine_threshold: number out of range"),
            ("quarantine_threshold = 30\n",
             "[domain example.org] quarantine_threshold: greater than reject_threshold "
             "(30 > 20)"),
            ("reject_threshold = 2\n", "greater than reject_threshold (6 > 2)"),
            ("colour = blue\n", "[domain example.org] colour: unknown key")):
        conf, _ = write_conf(tmp_path, "[domain example.org]\nnext_hop = 127.0.0.1:2526\n"
                             + body)
        p = ctl(conf, "domains")
        assert p.returncode == 2, (body, p.stdout)
        assert why in p.stderr, (body, p.stderr)
