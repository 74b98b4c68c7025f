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
    """What all connections share: the options, the counters, the files."""

    def __init__(self, args):
        self.args = args
        self.dir = args.dir
        self.rcpt_reject = re.compile(args.rcpt_reject) if args.rcpt_reject else None
        # A restarted sink goes on numbering after what is already in --dir.
        self.connections = highest(self.dir, r"conn-(\d+)\.log")
        self.messages = highest(self.dir, r"(\d+)\.eml")

    def new_message(self):
        self.messages += 1
        return self.messages

    def record(self, n, envelope, data):
        """Writes N.eml, then N.json by rename (a reader that sees N.json sees all)."""
        with open(os.path.join(self.dir, f"{n}.eml"), "wb") as f:
            f.write(data)
        tmp = os.path.join(self.dir, f".{n}.json.tmp")
        with open(tmp, "w") as f:
            json.dump(dict(envelope, n=n, size=len(data)), f, indent=1)
        os.rename(tmp, os.path.join(self.dir, f"{n}.json"))

    async def handle(self, reader, writer):
        self.connections += 1
        await Connection(self, self.connections, reader, writer).run()


class Close(Exception):
    """Ends the connection (QUIT, a drop mode, the peer gone)."""


class Connection:
    def __init__(self, sink, number, reader, writer):
        self.sink, self.args = sink, sink.args
        self.number, self.reader, self.writer = number, reader, writer
        peer = writer.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}"
        self.log = open(os.path.join(sink.dir, f"conn-{number}.log"), "w", buffering=1,
                        errors="backslashreplace")
        self.helo = None          # the EHLO/HELO argument, once given
        self.esmtp = False
        self.txn = None           # {"mail_from", "mail_params", "rcpt_to"} after MAIL
        self.transactions = 0

    async def reply(self, line):
        self.log.write(f"S: {line}\n")
        self.writer.write(line.encode() + b"\r\n")
        await self.writer.drain()

    async def refuse(self, line):
        """A reply chosen by a mode; --multiline sends it as two lines."""
        if self.args.multiline:
            code, _, text = line.partition(" ")
            enh = re.match(r"[245]\.\d{1,3}\.\d{1,3} ", text)
            await self.reply(f"{code}-{text}")
            line = f"{code} {enh.group(0) if enh else ''}second line of the reply"
        await self.reply(line)

    async def run(self):
        self.log.write(f"open {self.peer}\n")
        try:
            await self.reply(f"220 {HOSTNAME} ESMTP sink")
            while True:
                await self.command(await self.read_line())
        except Close:
            pass
        except (ConnectionError, OSError) as e:
            self.log.write(f"error {e}\n")
        finally:
            self.log.write("closed\n")
            self.log.close()
            self.writer.close()

    async def read_line(self):
        try:
            raw = await self.reader.readuntil(b"\r\n")
        except asyncio.IncompleteReadError as e:
            if e.partial:
                self.log.write(f"C: {e.partial!r} (no CRLF before close)\n")
            raise Close()
        except asyncio.LimitOverrunError:
            await self.reply("500 5.5.2 line too long")
            raise Close()
        line = raw[:-2].decode("utf-8", "backslashreplace")
        self.log.write(f"C: {line}\n")
        return line

    async def command(self, line):
        if "\n" in line or "\r" in line:
            await self.reply("500 5.5.2 bare CR or LF in command")
            return
        verb, _, arg = line.partition(" ")
        handler = getattr(self, "cmd_" + verb.lower(), None) if verb.isalpha() else None
        if handler is None:
            await self.reply("500 5.5.2 unknown command")
        else:
            await handler(arg)

    async def cmd_ehlo(self, arg):
        if self.args.no_ehlo:
            await self.reply("502 5.5.1 EHLO not supported")
            return
        self.helo, self.esmtp, self.txn = arg, True, None
        lines = [HOSTNAME, "PIPELINING", f"SIZE {MAX_MESSAGE}", "8BITMIME",
                 "ENHANCEDSTATUSCODES"] + ([] if self.args.no_smtputf8 else ["SMTPUTF8"])
        for text in lines[:-1]:
            await self.reply(f"250-{text}")
        await self.reply(f"250 {lines[-1]}")

    async def cmd_helo(self, arg):
        self.helo, self.esmtp, self.txn = arg, False, None
        await self.reply(f"250 {HOSTNAME}")

    async def cmd_mail(self, arg):
        m = re.fullmatch(r"(?i)FROM:<([^<>]*)>((?: +\S+)*)", arg)
        if self.helo is None:
            return await self.reply("503 5.5.1 EHLO or HELO first")
        if self.txn is not None:
            return await self.reply("503 5.5.1 nested MAIL")
        if not m:
            return await self.reply("501 5.5.4 syntax: MAIL FROM:<address>")
        params = m.group(2).split()
        offered = {"SIZE", "BODY"} | (set() if self.args.no_smtputf8 else {"SMTPUTF8"})
        bad = [p for p in params if not self.esmtp or p.split("=")[0].upper() not in offered]
        if bad:
            return await self.reply(f"555 5.5.4 unsupported parameter {bad[0]}")
        if self.args.mail_reply:
            await self.refuse(self.args.mail_reply)
            if not self.args.mail_reply.startswith("2"):
                return
        else:
            await self.reply("250 2.1.0 OK")
        self.txn = {"mail_from": m.group(1), "mail_params": params, "rcpt_to": []}

    async def cmd_rcpt(self, arg):
        m = re.fullmatch(r"(?i)TO:<([^<>]+)>((?: +\S+)*)", arg)
        if self.txn is None:
            await self.reply("503 5.5.1 MAIL first")
        elif not m:
            await self.reply("501 5.5.4 syntax: RCPT TO:<address>")
        elif self.sink.rcpt_reject and self.sink.rcpt_reject.search(m.group(1)):
            await self.refuse(f"550 5.1.1 <{m.group(1)}>: user unknown")
        else:
            self.txn["rcpt_to"].append(m.group(1))
            await self.reply("250 2.1.5 OK")

    async def cmd_data(self, arg):
        if arg:
            return await self.reply("501 5.5.4 DATA takes no argument")
        if self.txn is None or not self.txn["rcpt_to"]:
            return await self.reply("554 5.5.1 no valid recipients")
        await self.reply("354 End data with <CR><LF>.<CR><LF>")
        data = await self.read_data()
        self.log.write(f"C: <DATA {len(data)} bytes>\n")
        self.transactions += 1
        envelope = dict(self.txn, connection=self.number, transaction=self.transactions,
                        peer=self.peer, helo=self.helo, esmtp=self.esmtp)
        self.txn = None
        n = self.sink.new_message()
        if self.args.delay:
            await asyncio.sleep(self.args.delay)
        if self.args.drop_after_data:
            self.sink.record(n, dict(envelope, reply=None, accepted=False), data)
            self.log.write("dropped after data\n")
            raise Close()
        text = self.args.data_reply or f"250 2.0.0 OK queued as sink-{n}"
        self.sink.record(n, dict(envelope, reply=text, accepted=text.startswith("2")), data)
        await (self.refuse(text) if self.args.data_reply else self.reply(text))

    async def read_data(self):
        """The message, un-dot-stuffed; only CRLF ends a line (RFC 5321 4.1.1.4)."""
        parts, size = [], 0
        while True:
            try:
                line = await self.reader.readuntil(b"\r\n")
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                self.log.write("C: <DATA cut by close or an overlong line>\n")
                raise Close()
            if line == b".\r\n":
                return b"".join(parts)
            if line.startswith(b"."):
                line = line[1:]
            size += len(line)
            if size > MAX_MESSAGE:
                await self.reply("552 5.3.4 message too big for the sink")
                raise Close()
            parts.append(line)

    async def cmd_rset(self, arg):
        self.txn = None
        await self.reply("250 2.0.0 OK")

    async def cmd_noop(self, arg):
        await self.reply("250 2.0.0 OK")

    async def cmd_vrfy(self, arg):
        await self.reply("252 2.5.0 cannot verify")

    async def cmd_quit(self, arg):
        await self.reply("221 2.0.0 Bye")
        raise Close()


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
