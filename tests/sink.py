#!/usr/bin/python3
"""sink.py - a small SMTP server that records every message it receives, byte for byte.

ecluse's integration tests use it as the next hop ("the customer's mail server"), and
scripts/quickstart runs it so a demo has somewhere to deliver to. It is a test device,
not a mail server: it keeps nothing but files in --dir and delivers nothing onward.

What it records, in --dir:
  N.eml        the exact bytes of message N as received between the 354 reply and the
               final CRLF "." CRLF: dot-stuffing removed (RFC 5321 4.5.2), nothing else
               touched. Only CRLF ends a line; a bare CR or bare LF is kept as content.
  N.json       the envelope of message N: {"n", "connection", "transaction" (its rank in
               that connection), "peer", "helo", "esmtp", "mail_from", "mail_params",
               "rcpt_to", "size", "reply" (what the sink answered, null when it dropped
               the connection), "accepted" (true when the reply was 2xx)}. Written after
               N.eml, by rename, so a reader that sees N.json also sees the whole N.eml.
  conn-C.log   transcript of connection C: "C: <command>" and "S: <reply>" lines (the
               message data itself appears as one "C: <DATA n bytes>" line), ending with
               "closed". The number of conn-*.log files is the number of connections.
Messages and connections are numbered from 1 in the order they arrive; a sink started
again on the same --dir goes on from the highest number there.

Modes (combine freely):
  --rcpt-reject REGEX    recipients matching REGEX (re.search, address without <>) get
                         "550 5.1.1 <addr>: user unknown"
  --mail-reply "C TEXT"  reply to every MAIL FROM with this line instead of 250
  --data-reply "C TEXT"  reply to every end of data with this line instead of 250
  --delay SECONDS        wait this long before the reply to the end of data (slow hop)
  --drop-after-data      close the connection at the end of data instead of replying
  --no-ehlo              refuse EHLO with 502 (an old server: the client must use HELO)
  --no-smtputf8          do not offer SMTPUTF8, and refuse the MAIL parameter
  --multiline            send the replies of --rcpt-reject, --mail-reply and
                         --data-reply as two lines
                         ("550-5.1.1 <a@b>: user unknown" then "550 5.1.1 second line...")

On start it prints one line, "sink: listening on HOST:PORT, messages in DIR", which
gives the real port when --listen asks for port 0. SIGTERM or SIGINT stops it (exit 0).

Runs with Debian's /usr/bin/python3 and the standard library only.
"""

import argparse
import asyncio
import json
import os
import re
import signal
import sys

HOSTNAME = "sink.test"
# Bounds that keep a misbehaving client from filling memory; far above what ecluse may
# send (RFC 5321 4.5.3.1: 512-octet commands, 1000-octet text lines).
MAX_LINE = 1 << 20
MAX_MESSAGE = 64 << 20


def parse_reply(text):
    """Checks a --mail-reply/--data-reply value: "CODE TEXT" with a 2xx-5xx code."""
    if not re.fullmatch(r"[2-5][0-9][0-9]( [^\r\n]*)?", text):
        raise argparse.ArgumentTypeError(f"{text!r}: expected 'CODE TEXT', CODE 200-599")
    return text


def highest(directory, pattern):
    """The highest number N among the file names of directory that match pattern."""
    numbers = [int(m.group(1)) for m in map(lambda f: re.fullmatch(pattern, f),
                                             os.listdir(directory)) if m]
    return max(numbers, default=0)


class Sink:
    def __init__(self, args):
        self.args = args
        self.dir = args.dir
        self.rcpt_reject = re.compile(args.rcpt_reject) if args.rcpt_reject else None
        # A restarted sink goes on numbering after what is already in --dir.
        self.connections = highest(self.dir, r"conn-(\d+)\.log")
        self.messages = highest(self.dir, r"(\d+)\.eml")

    # --- recording -------------------------------------------------------------------
    def record(self, envelope, data):
        self.messages += 1
        n = self.messages
        with open(os.path.join(self.dir, f"{n}.eml"), "wb") as f:
            f.write(data)
        envelope = dict(envelope, n=n, size=len(data))
        tmp = os.path.join(self.dir, f".{n}.json.tmp")
        with open(tmp, "w") as f:
            json.dump(envelope, f, indent=1)
        return n, tmp

    def commit(self, n, tmp, reply):
        """Sets the reply into N.json and publishes it (the rename is the signal)."""
        with open(tmp) as f:
            envelope = json.load(f)
        envelope["reply"] = reply
        envelope["accepted"] = reply is not None and reply.startswith("2")
        with open(tmp, "w") as f:
            json.dump(envelope, f, indent=1)
        os.rename(tmp, os.path.join(self.dir, f"{n}.json"))

    # --- one connection --------------------------------------------------------------
    async def handle(self, reader, writer):
        self.connections += 1
        conn = self.connections
        peer = writer.get_extra_info("peername")
        log = open(os.path.join(self.dir, f"conn-{conn}.log"), "w", buffering=1,
                   errors="backslashreplace")
        log.write(f"open {peer[0]}:{peer[1]}\n")

        async def reply(line):
            log.write(f"S: {line}\n")
            writer.write(line.encode() + b"\r\n")
            await writer.drain()

        async def refuse(line):
            """A reply chosen by a mode; --multiline makes it two lines."""
            if self.args.multiline:
                code, _, text = line.partition(" ")
                enh = re.match(r"[245]\.\d{1,3}\.\d{1,3} ", text)
                await reply(f"{code}-{text}")
                line = f"{code} {enh.group(0) if enh else ''}second line of the reply"
            await reply(line)

        helo = None
        esmtp = False
        txn = None
        ntxn = 0
        try:
            await reply(f"220 {HOSTNAME} ESMTP sink")
            while True:
                try:
                    raw = await reader.readuntil(b"\r\n")
                except asyncio.IncompleteReadError as e:
                    if e.partial:
                        log.write(f"C: {e.partial!r} (no CRLF before close)\n")
                    break
                except asyncio.LimitOverrunError:
                    await reply("500 5.5.2 line too long")
                    break
                line = raw[:-2].decode("utf-8", "backslashreplace")
                log.write(f"C: {line}\n")
                if "\n" in line or "\r" in line:
                    await reply("500 5.5.2 bare CR or LF in command")
                    continue
                verb, _, arg = line.partition(" ")
                verb = verb.upper()
                if verb == "EHLO":
                    if self.args.no_ehlo:
                        await reply("502 5.5.1 EHLO not supported")
                        continue
                    helo, esmtp, txn = arg, True, None
                    keywords = ["PIPELINING", f"SIZE {MAX_MESSAGE}", "8BITMIME",
                                "ENHANCEDSTATUSCODES"]
                    if not self.args.no_smtputf8:
                        keywords.append("SMTPUTF8")
                    await reply(f"250-{HOSTNAME}")
                    for k in keywords[:-1]:
                        await reply(f"250-{k}")
                    await reply(f"250 {keywords[-1]}")
                elif verb == "HELO":
                    helo, esmtp, txn = arg, False, None
                    await reply(f"250 {HOSTNAME}")
                elif verb == "MAIL":
                    m = re.fullmatch(r"(?i)FROM:<([^<>]*)>((?: +\S+)*)", arg)
                    if helo is None:
                        await reply("503 5.5.1 EHLO or HELO first")
                    elif txn is not None:
                        await reply("503 5.5.1 nested MAIL")
                    elif not m:
                        await reply("501 5.5.4 syntax: MAIL FROM:<address>")
                    else:
                        params = m.group(2).split()
                        allowed = ["SIZE", "BODY"]
                        if not self.args.no_smtputf8:
                            allowed.append("SMTPUTF8")
                        bad = [p for p in params
                               if p.split("=", 1)[0].upper() not in allowed or not esmtp]
                        if bad:
                            await reply(f"555 5.5.4 unsupported parameter {bad[0]}")
                        elif self.args.mail_reply:
                            await refuse(self.args.mail_reply)
                            if self.args.mail_reply.startswith("2"):
                                txn = {"mail_from": m.group(1), "mail_params": params,
                                       "rcpt_to": []}
                        else:
                            txn = {"mail_from": m.group(1), "mail_params": params,
                                   "rcpt_to": []}
                            await reply("250 2.1.0 OK")
                elif verb == "RCPT":
                    m = re.fullmatch(r"(?i)TO:<([^<>]+)>((?: +\S+)*)", arg)
                    if txn is None:
                        await reply("503 5.5.1 MAIL first")
                    elif not m:
                        await reply("501 5.5.4 syntax: RCPT TO:<address>")
                    elif self.rcpt_reject and self.rcpt_reject.search(m.group(1)):
                        await refuse(f"550 5.1.1 <{m.group(1)}>: user unknown")
                    else:
                        txn["rcpt_to"].append(m.group(1))
                        await reply("250 2.1.5 OK")
                elif verb == "DATA":
                    if arg:
                        await reply("501 5.5.4 DATA takes no argument")
                        continue
                    if txn is None or not txn["rcpt_to"]:
                        await reply("554 5.5.1 no valid recipients")
                        continue
                    await reply("354 End data with <CR><LF>.<CR><LF>")
                    data = await self.read_data(reader)
                    if data is None:
                        log.write("C: <DATA cut by close or over size>\n")
                        break
                    log.write(f"C: <DATA {len(data)} bytes>\n")
                    ntxn += 1
                    envelope = dict(txn, connection=conn, transaction=ntxn,
                                    peer=f"{peer[0]}:{peer[1]}", helo=helo, esmtp=esmtp)
                    txn = None
                    n, tmp = self.record(envelope, data)
                    if self.args.delay:
                        await asyncio.sleep(self.args.delay)
                    if self.args.drop_after_data:
                        self.commit(n, tmp, None)
                        log.write("dropped after data\n")
                        break
                    text = self.args.data_reply or f"250 2.0.0 OK queued as sink-{n}"
                    self.commit(n, tmp, text)
                    await (refuse(text) if self.args.data_reply else reply(text))
                elif verb == "RSET":
                    txn = None
                    await reply("250 2.0.0 OK")
                elif verb == "NOOP":
                    await reply("250 2.0.0 OK")
                elif verb == "VRFY":
                    await reply("252 2.5.0 cannot verify")
                elif verb == "QUIT":
                    await reply("221 2.0.0 Bye")
                    break
                else:
                    await reply("500 5.5.2 unknown command")
        except (ConnectionError, OSError) as e:
            log.write(f"error {e}\n")
        finally:
            log.write("closed\n")
            log.close()
            writer.close()

    async def read_data(self, reader):
        """Returns the un-dot-stuffed message, or None on close or over MAX_MESSAGE."""
        parts = []
        size = 0
        while True:
            try:
                line = await reader.readuntil(b"\r\n")
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                return None
            if line == b".\r\n":
                return b"".join(parts)
            if line.startswith(b"."):
                line = line[1:]
            size += len(line)
            if size > MAX_MESSAGE:
                return None
            parts.append(line)


async def main(args):
    host, _, port = args.listen.rpartition(":")
    sink = Sink(args)
    server = await asyncio.start_server(sink.handle, host, int(port), limit=MAX_LINE)
    real = server.sockets[0].getsockname()
    print(f"sink: listening on {real[0]}:{real[1]}, messages in {os.path.abspath(args.dir)}",
          flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


def arguments(argv):
    p = argparse.ArgumentParser(
        description="SMTP sink that records each message byte for byte (see the file's "
                    "opening comment for the files it writes).")
    p.add_argument("--listen", required=True, metavar="HOST:PORT",
                   help="address to listen on; port 0 picks a free port (printed)")
    p.add_argument("--dir", required=True, help="directory for N.eml, N.json, conn-C.log")
    p.add_argument("--rcpt-reject", metavar="REGEX",
                   help="550 5.1.1 for recipients matching REGEX")
    p.add_argument("--mail-reply", metavar='"CODE TEXT"', type=parse_reply,
                   help="reply to MAIL FROM with this line")
    p.add_argument("--data-reply", metavar='"CODE TEXT"', type=parse_reply,
                   help="reply to the end of data with this line")
    p.add_argument("--delay", type=float, default=0.0, metavar="SECONDS",
                   help="wait before the reply to the end of data")
    p.add_argument("--drop-after-data", action="store_true",
                   help="close the connection at the end of data instead of replying")
    p.add_argument("--no-ehlo", action="store_true", help="refuse EHLO (502)")
    p.add_argument("--no-smtputf8", action="store_true", help="do not offer SMTPUTF8")
    p.add_argument("--multiline", action="store_true",
                   help="send the replies of --rcpt-reject, --mail-reply, --data-reply "
                        "as two lines")
    args = p.parse_args(argv)
    if args.rcpt_reject:
        try:
            re.compile(args.rcpt_reject)
        except re.error as e:
            p.error(f"--rcpt-reject: {e}")
    if ":" not in args.listen or not args.listen.rpartition(":")[2].isdigit():
        p.error("--listen: expected HOST:PORT")
    os.makedirs(args.dir, exist_ok=True)
    return args


if __name__ == "__main__":
    try:
        asyncio.run(main(arguments(sys.argv[1:])))
    except OSError as e:
        sys.exit(f"sink: {e}")
