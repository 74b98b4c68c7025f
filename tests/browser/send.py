#!/usr/bin/python3
"""send.py - sends one message with Python's smtplib, as a sending mail server would,
for the browser tests (tests/browser/run.mjs).

    send.py HOST PORT HELO MAIL_FROM RCPT < message   (CRLF lines)

Prints one JSON line: {"stage": the command that got the last reply ("mail", "rcpt",
"data"), "code": that reply's code, "lines": its text lines, without "CODE-"}. A
refused message is a normal outcome (exit 0); exit 1 only when no SMTP dialogue took
place (connection refused, timeout), with the reason on stderr.
"""

import json
import smtplib
import sys

TIMEOUT = 60


def out(stage, code, text):
    text = text.decode("utf-8", "backslashreplace") if isinstance(text, bytes) else text
    print(json.dumps({"stage": stage, "code": code, "lines": text.split("\n")}))


def main():
    host, port, helo, sender, rcpt = sys.argv[1:6]
    data = sys.stdin.buffer.read()
    try:
        s = smtplib.SMTP(host, int(port), local_hostname=helo, timeout=TIMEOUT)
    except OSError as e:
        print(f"send.py: {host}:{port}: {e}", file=sys.stderr)
        return 1
    try:
        s.ehlo()
        code, text = s.mail(sender)
        if code != 250:
            out("mail", code, text)
            return 0
        code, text = s.rcpt(rcpt)
        if code not in (250, 251):
            out("rcpt", code, text)
            return 0
        try:
            code, text = s.data(data)
        except smtplib.SMTPDataError as e:
            code, text = e.smtp_code, e.smtp_error
        out("data", code, text)
        try:
            s.quit()
        except smtplib.SMTPServerDisconnected:
            pass
    except (OSError, smtplib.SMTPException) as e:
        print(f"send.py: {e!r}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
