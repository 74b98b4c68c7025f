"""Open-relay probes: every row of the shared open-relay-cases.tsv, read at test time and
substituted as its header says. Each RCPT must be refused (our spec: 550 5.7.1 for all
rows, including 17-22 that the file lets a server treat as a local mailbox), and nothing
may reach any next hop. SMTPD-SPEC.md, "Transaction" (RCPT), and DESIGN rule 3."""

import pytest

import harness
from harness import HOSTNAME

CASES_FILE = harness.shared_testdata() / "smtp" / "open-relay-cases.tsv"
SUBST = {
    "{ext}": "relay-target.example",    # a domain ecluse does not serve
    "{user}": "relaytest",
    "{from}": "antispam",
    "{ip}": "127.0.0.1",                # the address ecluse listens on
    "{srv}": HOSTNAME,                  # ecluse's host name (its 220 greeting)
    "{local}": "example.net",           # the domain ecluse serves
}


def substitute(text):
    for k, v in SUBST.items():
        text = text.replace(k, v)
    assert "{" not in text, f"unknown placeholder in {text!r}"
    return text


def load_cases():
    """[(id, mail_from, rcpt_to, technique)] from the file; a missing file is a failing
    case, never an empty (silently passing) list."""
    try:
        lines = CASES_FILE.read_text().splitlines()
    except OSError as e:
        return [pytest.param(None, None, None, str(e), id="missing-cases-file")]
    rows = [ln.split("\t") for ln in lines if ln and not ln.startswith("#")]
    assert rows[0] == ["id", "mail_from", "rcpt_to", "technique"], rows[0]
    return [pytest.param(int(r[0]), substitute(r[1]), substitute(r[2]), r[3],
                         id=f"row{r[0]}") for r in rows[1:]]


CASES = load_cases()


def test_all_rows_loaded():
    assert len(CASES) == 22, f"{CASES_FILE}: expected rows 1-22, got {len(CASES)}"


@pytest.mark.parametrize("row,mail_from,rcpt_to,technique", CASES)
def test_open_relay_refused(smtpd, sink, row, mail_from, rcpt_to, technique):
    assert row is not None, f"{CASES_FILE}: {technique}"
    c = smtpd.client()
    c.ehlo()
    r = c.cmd(f"MAIL FROM:<{mail_from}>")
    if row == 22:
        # an unqualified sender: SPEC "Unqualified sender (<spamtest>) 501 5.1.7"
        assert (r.code, r.text[:5]) == (501, "5.1.7"), r
    else:
        assert r.lines == ["250 2.1.0 OK"], f"MAIL FROM:<{mail_from}> ({technique}): {r}"
    r = c.cmd(f"RCPT TO:<{rcpt_to}>")
    if row == 22:
        assert (r.code, r.text[:5]) == (503, "5.5.1"), r
        # the same recipient after a valid MAIL must be refused too
        assert c.cmd("MAIL FROM:<>").code == 250
        r = c.cmd(f"RCPT TO:<{rcpt_to}>")
    assert (r.code, r.text[:5]) == (550, "5.7.1"), f"RCPT TO:<{rcpt_to}> ({technique}): {r}"
    r = c.cmd("DATA")
    assert r.code >= 500, f"DATA after a refused recipient: {r}"
    if r.code == 354:       # never reached when the rules hold; finish so nothing hangs
        c.cmd(b"Subject: relay probe\r\n\r\nx\r\n.")
    assert c.cmd("QUIT").code == 221
    assert c.is_closed()
    assert sink.all_messages() == [], "nothing may be delivered"
    assert not [x for x in sink.commands() if x.upper().startswith("RCPT")], \
        "the refused recipient must not reach the next hop"


def test_control_local_recipient_delivered(smtpd, sink):
    """The same session shape with a served recipient is delivered: the refusals above
    come from the address forms, not from a broken setup."""
    c = smtpd.client()
    c.ehlo()
    assert c.cmd(f"MAIL FROM:<{substitute('{from}@{ext}')}>").code == 250
    assert c.cmd(f"RCPT TO:<{substitute('{user}@{local}')}>").code == 250
    assert c.cmd("DATA").code == 354
    assert c.cmd(b"Subject: control\r\n\r\nx\r\n.").code == 250
    (m,) = sink.wait_messages(1)
    assert m["rcpt_to"] == ["relaytest@example.net"]
