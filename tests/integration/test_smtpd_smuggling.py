"""SMTP smuggling: every row of the shared smtp-smuggling-cases.tsv, driven exactly as its
header says (one session, the payload with the smuggled block in one write after 354).
NOT_EOD rows: at most one message and never the smuggled one (our spec: the whole message
refused with 550 5.6.0, none delivered); the EOD row: two messages; the UNSTUFF row: one,
with a "." line. SMTPD-SPEC.md, "Message data", and DESIGN rule 4."""

import pytest

import harness
from harness import split_received

CASES_FILE = harness.shared_testdata() / "smtp" / "smtp-smuggling-cases.tsv"

HEAD = b"From: a@example.org\r\nTo: b@example.net\r\nSubject: t\r\n\r\nbody\r\n"
SMUGGLED = (b"MAIL FROM:<smuggled@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n"
            b"From: smuggled@example.org\r\nSubject: smuggled\r\n\r\nsmuggled\r\n.\r\n")
TAIL = b"QUIT\r\n"


def unescape(text):
    """C escapes of the eod_bytes column (\\r, \\n, \\x00) to bytes."""
    out = text.encode("ascii").decode("unicode_escape").encode("latin-1")
    assert b"\\" not in out, text
    return out


def load_cases():
    try:
        lines = CASES_FILE.read_text().splitlines()
    except OSError as e:
        return [pytest.param(None, None, str(e), id="missing-cases-file")]
    rows = [ln.split("\t") for ln in lines if ln and not ln.startswith("#")]
    assert rows[0] == ["id", "eod_bytes", "listed_by", "expect", "note"], rows[0]
    return [pytest.param(r[0], unescape(r[1]), r[3], id=r[0]) for r in rows[1:]]


CASES = load_cases()


def test_all_rows_loaded():
    expects = [p.values[2] for p in CASES]
    assert len(CASES) == 14 and expects.count("EOD") == 1 and expects.count("UNSTUFF") == 1, \
        f"{CASES_FILE}: unexpected rows {expects}"


def read_all_replies(c):
    replies = []
    while True:
        try:
            replies.append(c.reply())
        except EOFError:
            return replies


@pytest.mark.parametrize("name,eod,expect", CASES)
def test_smuggling(smtpd, sink, name, eod, expect):
    assert name is not None, f"{CASES_FILE}: {expect}"
    c = smtpd.client()
    c.ehlo()
    assert c.cmd("MAIL FROM:<a@example.org>").code == 250
    assert c.cmd("RCPT TO:<b@example.net>").code == 250
    assert c.cmd("DATA").code == 354
    c.send(HEAD + eod + SMUGGLED + TAIL)          # one write
    replies = read_all_replies(c)
    codes = [r.code for r in replies]
    msgs = sink.all_messages()
    if expect == "EOD":
        assert codes == [250, 250, 250, 354, 250, 221], replies
        assert len(msgs) == 2 and all(m["accepted"] for m in msgs)
        # HEAD ends with CRLF, so the sequence's own CRLF adds an empty line
        assert split_received(msgs[0]["data"])[1] == HEAD + b"\r\n"
        assert msgs[1]["mail_from"] == "smuggled@example.org"
        assert split_received(msgs[1]["data"])[1] == \
            b"From: smuggled@example.org\r\nSubject: smuggled\r\n\r\nsmuggled\r\n"
    elif expect == "UNSTUFF":
        assert codes == [250, 221], replies
        (m,) = msgs
        content = split_received(m["data"])[1]
        assert content == HEAD + b"\r\n.\r\n" + SMUGGLED[:-len(b".\r\n")]
        assert m["mail_from"] == "a@example.org"
    else:
        assert expect == "NOT_EOD", expect
        # the file's criteria: at most one message, never the smuggled one, and no reply
        # to the smuggled commands
        assert len([m for m in msgs if m["accepted"]]) <= 1
        assert not [m for m in msgs if "smuggled" in m["mail_from"]]
        assert "MAIL FROM:<smuggled@example.org>" not in sink.commands()
        # our spec: the whole message refused after the real end of data, session goes on
        assert len(replies) == 2, replies
        assert (replies[0].code, replies[0].text[:5]) == (550, "5.6.0"), replies
        assert replies[1].code == 221
        assert msgs == [], "nothing forwarded"
