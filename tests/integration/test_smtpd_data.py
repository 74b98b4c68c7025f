"""ecluse-smtpd message data: the next hop gets exactly the bytes the client sent, after
one added Received header; dot-stuffing round trip; 8-bit and UTF-8 content; bare CR,
LF and NUL refused; line length; message size at and over the limit; data timeout.
The contract is SMTPD-SPEC.md, "Transaction" (message data, end of data)."""

import pytest

import harness
from harness import dot_stuff, split_received


def code(r):
    return r.code, r.text.split(" ", 1)[0]


def open_data(d, sender="a@example.org", params="", rcpt="b@example.net"):
    c = d.client()
    c.ehlo()
    assert c.cmd(f"MAIL FROM:<{sender}>{params}").code == 250
    assert c.cmd(f"RCPT TO:<{rcpt}>").code == 250
    assert c.cmd("DATA").code == 354
    return c


def send_raw(d, content, **kw):
    """Sends `content` (unstuffed, ends with CRLF or is empty) as one message with
    correct dot-stuffing; returns (client, reply to the end of data)."""
    c = open_data(d, **kw)
    c.send(dot_stuff(content) + b".\r\n")
    return c, c.reply()


def delivered_content(sink):
    (m,) = sink.wait_messages(1)
    _, rest = split_received(m["data"])
    return rest


def assert_nothing_forwarded(sink):
    assert sink.all_messages() == []
    assert not any(cmd.upper() == "DATA" for cmd in sink.commands()), \
        "the next hop must not even be sent DATA"


# --- byte exactness -------------------------------------------------------------------

def test_bytes_exact(smtpd, sink):
    content = (b"From: A <a@example.org>\r\n"
               b"To: b@example.net\r\n"
               b"Subject:   spaces   kept \t\r\n"
               b"X-Folded: first\r\n\tsecond\r\n"
               b"\r\n"
               b"Body line with trailing space \r\n"
               b"\ttab first\r\n"
               b"\r\n\r\n"
               b"x" * 998 + b"\r\n"
               b"last line\r\n")
    c, r = send_raw(smtpd, content)
    assert r.code == 250, r
    assert delivered_content(sink) == content


def test_empty_message(smtpd, sink):
    c, r = send_raw(smtpd, b"")
    assert r.code == 250, r
    assert delivered_content(sink) == b""


def test_headers_only_no_body(smtpd, sink):
    content = b"Subject: no body\r\n"
    c, r = send_raw(smtpd, content)
    assert r.code == 250
    assert delivered_content(sink) == content


def test_dot_stuffing_round_trip(smtpd, sink):
    content = (b"Subject: dots\r\n\r\n"
               b".\r\n"
               b"..\r\n"
               b"...\r\n"
               b".leading dot\r\n"
               b". space\r\n"
               b"middle . dot\r\n"
               b".\r\n")
    stuffed = dot_stuff(content)
    assert stuffed.count(b"\r\n..") == 6, "the client side of the test stuffs correctly"
    c, r = send_raw(smtpd, content)
    assert r.code == 250, r
    assert delivered_content(sink) == content


def test_first_line_dot(smtpd, sink):
    # a field name may start with a dot (RFC 5322 ftext): the first line is stuffed
    content = b".Dotted: the first line starts with a dot\r\n\r\nbody\r\n"
    c, r = send_raw(smtpd, content)
    assert r.code == 250
    assert delivered_content(sink) == content


def test_eight_bit_content(smtpd, sink):
    high = bytes(range(0x80, 0x100))
    content = (b"Subject: =?ISO-8859-1?Q?caf=E9?=\r\nContent-Type: text/plain; "
               b"charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
               b"caf\xe9 cr\xe8me br\xfbl\xe9e\r\n" + high + b"\r\n"
               + bytes(b for b in range(1, 0x80) if b not in (0x0a, 0x0d)) + b"\r\n")
    c, r = send_raw(smtpd, content, params=" BODY=8BITMIME")
    assert r.code == 250, r
    assert delivered_content(sink) == content


def test_utf8_message_and_envelope(smtpd, sink):
    content = ("From: Zoé <zoé@exemple.org>\r\nTo: <jürgen@example.net>\r\n"
               "Subject: Привет, 世界 🙂\r\n\r\nÇa marche.\r\n").encode()
    c, r = send_raw(smtpd, content, sender="zoé@exemple.org", params=" SMTPUTF8",
                    rcpt="jürgen@example.net")
    assert r.code == 250, r
    (m,) = sink.wait_messages(1)
    assert m["mail_from"] == "zoé@exemple.org"
    assert m["rcpt_to"] == ["jürgen@example.net"]
    assert "SMTPUTF8" in m["mail_params"]
    assert split_received(m["data"])[1] == content


def test_long_message_many_lines(smtpd, sink):
    lines = [b"Subject: long\r\n", b"\r\n"]
    lines += [(b".%06d " % i) + b"z" * (i % 990) + b"\r\n" for i in range(3000)]
    content = b"".join(lines)
    c, r = send_raw(smtpd, content)
    assert r.code == 250, r
    assert delivered_content(sink) == content


def test_data_sent_in_small_pieces(smtpd, sink):
    """TCP segments cut anywhere, including between CR and LF and inside CRLF.CRLF."""
    content = b"Subject: pieces\r\n\r\n.dot\r\nline\r\n"
    c = open_data(smtpd)
    wire = dot_stuff(content) + b".\r\n"
    for i in range(len(wire)):
        c.send(wire[i:i + 1])
    r = c.reply()
    assert r.code == 250, r
    assert delivered_content(sink) == content


# --- bare CR, LF, NUL -----------------------------------------------------------------

BAD = {
    "bare-lf": b"Subject: t\r\n\r\nbare\nlf\r\n",
    "bare-cr": b"Subject: t\r\n\r\nbare\rcr\r\n",
    "nul": b"Subject: t\r\n\r\nn\x00ul\r\n",
    "bare-lf-in-header": b"Subject: t\nX-Injected: 1\r\n\r\nbody\r\n",
    "crcrlf": b"Subject: t\r\n\r\nbody\r\r\n",
    "lf-at-end": b"Subject: t\r\n\r\nbody\n\r\n",
}


@pytest.mark.parametrize("name", BAD)
def test_bare_cr_lf_nul_refused(smtpd, sink, name):
    c, r = send_raw(smtpd, BAD[name])
    assert code(r) == (550, "5.6.0"), r
    assert_nothing_forwarded(sink)
    # the session continues, in the state after RSET
    assert code(c.cmd("RCPT TO:<b@example.net>")) == (503, "5.5.1")
    assert c.cmd("MAIL FROM:<a@example.org>").code == 250
    assert c.cmd("RCPT TO:<b@example.net>").code == 250
    assert c.cmd("DATA").code == 354
    assert c.cmd(b"Subject: good\r\n\r\nok\r\n.").code == 250
    (m,) = sink.wait_messages(1)
    assert split_received(m["data"])[1] == b"Subject: good\r\n\r\nok\r\n"


def test_bare_cr_lf_nul_reply_text(smtpd, sink):
    """SPEC: '550 5.6.0 ... bare CR, LF or NUL ...': the sender's bounce says why, NUL
    included."""
    c = open_data(smtpd)
    texts = []
    for name in ("bare-lf", "bare-cr", "nul"):
        c.send(dot_stuff(BAD[name]) + b".\r\n")
        texts.append(c.reply().text)
        c.cmd("MAIL FROM:<a@example.org>")
        c.cmd("RCPT TO:<b@example.net>")
        c.cmd("DATA")
    wrong = [f"{name}: {text}" for name, text in zip(("bare-lf", "bare-cr", "nul"), texts)
             if "bare CR, LF or NUL" not in text]
    assert wrong == []


# --- line length ----------------------------------------------------------------------

def test_text_line_at_limit(smtpd, sink):
    """RFC 5321 4.5.3.1.6: 1000 octets including CRLF is allowed."""
    line = b"y" * 998 + b"\r\n"
    c, r = send_raw(smtpd, b"Subject: t\r\n\r\n" + line)
    assert r.code == 250, r
    assert delivered_content(sink) == b"Subject: t\r\n\r\n" + line


def test_text_line_at_limit_dot_stuffed(smtpd, sink):
    """998 octets of content starting with '.' arrive as 999 on the wire with the stuffed
    dot: the limit is on the line, not on the transparency dot."""
    line = b"." + b"y" * 997 + b"\r\n"
    c, r = send_raw(smtpd, b"Subject: t\r\n\r\n" + line)
    assert r.code == 250, r
    assert delivered_content(sink) == b"Subject: t\r\n\r\n" + line


@pytest.mark.parametrize("length", [1001, 1002, 5000, 200000])
def test_text_line_over_limit(smtpd, sink, length):
    line = b"y" * (length - 2) + b"\r\n"
    c, r = send_raw(smtpd, b"Subject: t\r\n\r\n" + line + b"after\r\n")
    assert code(r) == (550, "5.6.0"), r
    assert_nothing_forwarded(sink)
    assert c.cmd("NOOP").code == 250


def test_text_line_over_limit_reply_text(smtpd, sink):
    """SPEC: '550 5.6.0 ... line too long'."""
    c, r = send_raw(smtpd, b"Subject: t\r\n\r\n" + b"y" * 1000 + b"\r\n")
    assert code(r) == (550, "5.6.0"), r
    assert "line too long" in r.text, r


# --- message size ---------------------------------------------------------------------

MAX = 8192


def sized(n, head=b"Subject: size\r\n\r\n"):
    """A message of exactly n octets (unstuffed, CRLFs included) starting with head,
    then lines of at most 80 octets."""
    lines, left = [], n - len(head)
    while left > 0:
        take = min(left, 80)
        if take < 2:       # keep every line CRLF-ended: lengthen the previous one
            lines[-1] = lines[-1][:-2] + b"w" * take + b"\r\n"
            break
        lines.append(b"w" * (take - 2) + b"\r\n")
        left -= take
    data = head + b"".join(lines)
    assert len(data) == n
    return data


def test_message_exactly_max_size(make_smtpd, sink):
    d = make_smtpd({"example.net": sink.addr}, max_message_size=MAX)
    content = sized(MAX)
    c, r = send_raw(d, content)
    assert r.code == 250, r
    assert delivered_content(sink) == content


def test_message_one_byte_over_max_size(make_smtpd, sink):
    d = make_smtpd({"example.net": sink.addr}, max_message_size=MAX)
    c, r = send_raw(d, sized(MAX + 1))
    assert code(r) == (552, "5.3.4"), r
    assert "message too big" in r.text
    assert_nothing_forwarded(sink)
    assert c.cmd("NOOP").code == 250


def test_message_max_size_not_counting_stuffed_dots(make_smtpd, sink):
    """RFC 1870 section 3: the size excludes the transparency dots."""
    d = make_smtpd({"example.net": sink.addr}, max_message_size=MAX)
    content = sized(MAX, head=b"Subject: dots\r\n\r\n" + b".\r\n" * 100)
    assert len(content) == MAX
    c, r = send_raw(d, content)
    assert r.code == 250, r
    assert delivered_content(sink) == content


def test_message_far_over_max_size(make_smtpd, sink):
    d = make_smtpd({"example.net": sink.addr}, max_message_size=MAX)
    c, r = send_raw(d, sized(MAX * 50))
    assert code(r) == (552, "5.3.4"), r
    assert_nothing_forwarded(sink)
    assert c.cmd("MAIL FROM:<a@example.org>").code == 250, "state as after RSET"


# --- data timeout ---------------------------------------------------------------------

def test_data_timeout(make_smtpd, sink):
    d = make_smtpd({"example.net": sink.addr}, timeout_data=2)
    c = open_data(d)
    c.send(b"Subject: never finished\r\n\r\npart")
    r = c.reply()
    assert code(r) == (421, "4.4.2"), r
    assert c.is_closed()
    assert_nothing_forwarded(sink)


def test_large_message_dot_stuffed_across_slices(smtpd, sink):
    """The next hop's copy is written 64 KiB at a time as it reads: a "." that starts
    a line at a slice's start is stuffed, one in the middle of a line there is not
    (lines of dots only, of a width that puts slice starts at line starts, then not)."""
    for width in (8, 7):         # 65536 is a multiple of 8: slices start lines; 7: not
        line = b"." * (width - 2) + b"\r\n"
        body = line * (300 * 1024 // width)
        sent = harness.message(subject=f"width {width}", body=body.decode())
        c = smtpd.client()
        c.ehlo()
        assert c.cmd("MAIL FROM:<a@example.org>").code == 250
        assert c.cmd("RCPT TO:<b@example.net>").code == 250
        assert c.cmd("DATA").code == 354
        assert c.cmd(harness.dot_stuff(sent) + b".").code == 250
        c.cmd("QUIT")
    msgs = sink.wait_messages(2)
    for m, width in zip(msgs, (8, 7)):
        _, rest = harness.split_received(m["data"])
        line = b"." * (width - 2) + b"\r\n"
        assert rest == harness.message(subject=f"width {width}",
                                       body=(line * (300 * 1024 // width)).decode())
