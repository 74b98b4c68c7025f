"""conftest.py - fixtures shared by every integration test (tests/integration/test_*.py).

  procs           the processes of the test; stopped by PID at teardown, and the test
                  fails if one of them crashed or printed a sanitizer report. Their logs
                  are attached to the report of a failing test.
  smtpd_binary    $ECLUSE_BUILD/smtpd/ecluse-smtpd (fails, never skips, when not built)
  make_sink       make_sink(*options) -> harness.Sink: tests/sink.py with its modes
  sink            a sink with no special mode
  make_smtpd      make_smtpd({domain: "host:port"}, sections={"dns": {...}}, **smtpd_keys)
                  -> harness.Smtpd, started and listening (config in its own tmp dir)
  smtpd           ecluse-smtpd serving example.net (next hop: `sink`), default limits
  tls_cert        (cert, key) paths of a self-signed certificate made by openssl
  testdata        the shared conformance data directory ($SHARED_TESTDATA or
                  <repo>/../shared/testdata)
See harness.py for the classes. Another daemon (ecluse-web, nsd) starts the same way with
harness.start_daemon(procs, name, prepare): prepare(port) writes its config and returns
its argv; it is waited for until it listens, and stopped with the test's processes.
"""

import os

import pytest

import harness


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    procs = getattr(item, "_ecluse_procs", None)
    if rep.failed and procs is not None:
        for name, path in procs.logs():
            try:
                text = path.read_text(errors="backslashreplace")
            except OSError:
                continue
            if len(text) > 20000:
                text = "[...]\n" + text[-20000:]
            rep.sections.append((f"{name} log ({path})", text))


@pytest.fixture
def procs(request, tmp_path):
    p = harness.Procs(tmp_path)
    request.node._ecluse_procs = p
    yield p
    problems = p.stop_all()
    if problems:
        pytest.fail("; ".join(problems), pytrace=False)


@pytest.fixture(scope="session")
def smtpd_binary():
    path = harness.build_dir() / "smtpd" / "ecluse-smtpd"
    if not os.access(path, os.X_OK):
        pytest.fail(f"{path} not built (set ECLUSE_BUILD to the build directory)",
                    pytrace=False)
    return path


@pytest.fixture
def make_sink(procs, tmp_path):
    count = [0]

    def make(*options):
        count[0] += 1
        return harness.Sink(procs, tmp_path / f"sink{count[0]}", *options)
    return make


@pytest.fixture
def sink(make_sink):
    return make_sink()


@pytest.fixture
def make_smtpd(procs, smtpd_binary, tmp_path, root_dns):
    count = [0]

    def make(domains, sections=None, hostname=harness.HOSTNAME, **smtpd_keys):
        count[0] += 1
        workdir = tmp_path / f"smtpd{count[0]}"
        workdir.mkdir()
        sections = dict(sections or {})
        # Hermetic: SPF, DKIM and DMARC ask a real DNS server on loopback, never the
        # machine's resolver (which a test machine may not be able to reach).
        sections.setdefault("dns", {"servers": root_dns.servers})
        # The relay tests test the relay: a policy that holds nothing, unless a test
        # sets its own [policy] (the quarantine tests do).
        sections.setdefault("policy", {"quarantine_threshold": 100000,
                                       "reject_threshold": 100000})
        return harness.Smtpd(procs, smtpd_binary, workdir, domains, smtpd_keys, sections,
                             hostname)
    return make


@pytest.fixture(scope="session")
def root_dns():
    """nsd serving only the root zone: every name is NXDOMAIN, answered at once."""
    from dnsserver import NsdServer, ZONES
    with NsdServer({".": (ZONES / "root.zone").read_text()}) as server:
        yield server


@pytest.fixture
def smtpd(make_smtpd, sink):
    return make_smtpd({"example.net": sink.addr})


@pytest.fixture(scope="session")
def tls_cert(tmp_path_factory):
    return harness.make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="session")
def testdata():
    path = harness.shared_testdata()
    if not path.is_dir():
        pytest.fail(f"{path}: no shared test data (set SHARED_TESTDATA)", pytrace=False)
    return path
