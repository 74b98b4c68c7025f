"""test_ctl_store.py - eclusectl's operator commands on a real store: held list (every
filter), show (text, JSON, raw bytes), release and delete with their refusals,
whitelist add / remove / list per recipient, domain and globally, stats, output that
a hostile subject cannot turn into terminal control, and a clear message with a
non-zero status on every error.

Messages are held by store_fill, a helper that goes through the store API as
ecluse-smtpd does."""

import json
import os
import subprocess
from pathlib import Path

import pytest

BUILD = Path(os.environ.get("ECLUSE_BUILD", Path(__file__).resolve().parents[2] / "build/dev"))
ECLUSECTL = BUILD / "ctl" / "eclusectl"
STORE_FILL = BUILD / "tests" / "integration" / "store_fill"

T0 = 1700000000          # 2023-11-14T22:13:20Z
DAY = 86400
USAGE = 64


class Store:
    def __init__(self, tmp_path):
        self.db = tmp_path / "ecluse.db"
        self.conf = tmp_path / "ecluse.conf"
        self.conf.write_text(f"[store]\npath = {self.db}\n"
                             "[domain example.org]\nnext_hop = 127.0.0.1:2526\n")

    def fill(self, *rows):
        text = "".join(f"{t}\t{frm}\t{rcpts}\t{subject}\n" for t, frm, rcpts, subject in rows)
        p = subprocess.run([str(STORE_FILL), str(self.db)], input=text.encode(),
                           capture_output=True, timeout=60)
        assert p.returncode == 0, p.stderr
        return [int(x) for x in p.stdout.split()]

    def run(self, *args):
        return subprocess.run([str(ECLUSECTL), "-c", str(self.conf), *args],
                              capture_output=True, timeout=60)

    def ok(self, *args):
        p = self.run(*args)
        assert p.returncode == 0, (args, p.stderr)
        return p.stdout

    def json(self, *args):
        return json.loads(self.ok(*args, "--json"))

    def fails(self, status, message, *args):
        p = self.run(*args)
        assert p.returncode == status, (args, p.returncode, p.stdout, p.stderr)
        assert message.encode() in p.stderr, (args, p.stderr)
        assert p.stdout == b"", (args, p.stdout)


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path)


@pytest.fixture
def filled(store):
    store.ids = store.fill(
        (T0, "alice@friend.example", "bob@example.org", "first"),
        (T0 + DAY, "carl@friend.example", "carol@example.org,bob@example.org", "second"),
        (T0 + 2 * DAY, "", "dave@other.example", "third"),
        (T0 + 3 * DAY, "eve@evil.example", "bob@example.org", "fourth"))
    return store


def ids(listing):
    return [m["id"] for m in listing["held"]]


def test_list_filters(filled):
    a, b, c, d = filled.ids
    every = filled.json("held", "list")
    assert ids(every) == [d, c, b, a]
    assert every["next_before"] is None
    first = every["held"][3]
    assert first == {"id": a, "state": "held", "received": "2023-11-14T22:13:20Z",
                     "from": "alice@friend.example", "to": ["bob@example.org"],
                     "subject": "first", "size": first["size"]}
    assert ids(filled.json("held", "list", "--rcpt", "bob@example.org")) == [d, b, a]
    assert ids(filled.json("held", "list", "--rcpt", "BOB@Example.org")) == [d, b, a]
    assert ids(filled.json("held", "list", "--rcpt", "other.example")) == [c]
    assert ids(filled.json("held", "list", "--sender", "friend.example")) == [b, a]
    assert ids(filled.json("held", "list", "--sender", "eve@evil.example")) == [d]
    assert ids(filled.json("held", "list", "--since", "2023-11-15T22:13:20Z")) == [d, c, b]
    assert ids(filled.json("held", "list", "--until", "2023-11-16")) == [b, a]
    assert ids(filled.json("held", "list", "--since", str(T0 + DAY),
                           "--until", str(T0 + 2 * DAY))) == [b]
    paged = filled.json("held", "list", "--limit", "2")
    assert ids(paged) == [d, c] and paged["next_before"] == c
    assert ids(filled.json("held", "list", "--before", str(c))) == [b, a]
    filled.ok("held", "delete", str(c))
    assert ids(filled.json("held", "list", "--state", "deleted")) == [c]
    assert ids(filled.json("held", "list", "--state", "held")) == [d, b, a]


def test_list_text(filled):
    out = filled.ok("held", "list").decode()
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "STATE", "RECEIVED", "FROM", "->", "TO:", "SUBJECT"]
    assert len(lines) == 5
    assert "carl@friend.example -> carol@example.org (+1): second" in out
    assert "<> -> dave@other.example: third" in out
    p = filled.run("held", "list", "--limit", "1")
    assert p.returncode == 0 and b"more with --before" in p.stderr


def test_show(filled):
    a = filled.ids[0]
    m = filled.json("held", "show", str(a))
    assert m["id"] == a and m["state"] == "held" and m["token_spent"] is False
    assert m["client"] == "192.0.2.7" and m["helo"] == "mail.sender.example"
    assert m["expires"] == "2023-11-28T22:13:20Z" and m["released"] is None
    assert m["auth_results"].startswith("mx.ecluse.test; spf=fail")
    assert m["auth_domain"] == ""
    text = filled.ok("held", "show", str(a)).decode()
    assert "subject:       first" in text and "to:            bob@example.org" in text
    raw = filled.ok("held", "show", str(a), "--raw")
    assert raw == (b"From: alice@friend.example\r\nSubject: first\r\n\r\n"
                   b"body of message 1\r\n")


def test_release_queues_once(filled):
    a = filled.ids[0]
    assert filled.ok("held", "release", str(a)) == \
        f"message {a} released: queued for re-injection\n".encode()
    m = filled.json("held", "show", str(a))
    assert m["state"] == "released" and m["released"] is not None
    assert filled.json("stats")["queue"] == 1
    filled.fails(1, f"message {a} is released", "held", "release", str(a))
    assert filled.json("held", "release", str(filled.ids[1])) == \
        {"id": filled.ids[1], "state": "released"}


def test_delete(filled):
    a = filled.ids[0]
    filled.ok("held", "release", str(a))
    assert filled.json("held", "delete", str(a)) == {"id": a, "state": "deleted"}
    assert filled.json("stats")["queue"] == 0
    filled.fails(1, "content was dropped", "held", "show", str(a), "--raw")
    filled.fails(1, "deleted already", "held", "delete", str(a))
    filled.fails(1, "is deleted", "held", "release", str(a))


def test_held_errors(filled, tmp_path):
    filled.fails(1, "no held message 999", "held", "show", "999")
    filled.fails(1, "no held message 999", "held", "release", "999")
    filled.fails(USAGE, "not a message id", "held", "show", "abc")
    filled.fails(USAGE, "not a message id", "held", "delete", "0")
    filled.fails(USAGE, "invalid option", "held", "delete", "-3")
    filled.fails(USAGE, "usage: eclusectl held", "held")
    filled.fails(USAGE, "unknown subcommand", "held", "frobnicate")
    filled.fails(USAGE, "usage: eclusectl held", "held", "show")
    filled.fails(USAGE, "usage: eclusectl held", "held", "show", "1", "2")
    filled.fails(USAGE, "not a state", "held", "list", "--state", "lost")
    filled.fails(USAGE, "not a time", "held", "list", "--since", "2023-02-31")
    filled.fails(USAGE, "not a time", "held", "list", "--until", "yesterday")
    filled.fails(USAGE, "--limit", "held", "list", "--limit", "0")
    filled.fails(1, "recipient filter", "held", "list", "--rcpt", "@")
    filled.fails(USAGE, "usage", "held", "list", "--bogus")
    missing = tmp_path / "elsewhere.conf"
    missing.write_text(f"[store]\npath = {tmp_path}/no/such/dir/x.db\n")
    p = subprocess.run([str(ECLUSECTL), "-c", str(missing), "held", "list"],
                       capture_output=True, timeout=60)
    assert p.returncode == 1 and b"eclusectl: store:" in p.stderr and b"no/such/dir" in p.stderr


def test_hostile_subject_is_escaped(store):
    (i,) = store.fill((T0, "x@evil.example", "bob@example.org",
                       "\x1b[31mred\x1b[0m caf\u00e9 \\ end"))
    text = store.ok("held", "show", str(i))
    assert b"\x1b" not in text
    assert "subject:       \\x1B[31mred\\x1B[0m caf\u00e9 \\\\ end".encode() in text
    assert b"\x1b" not in store.ok("held", "list")
    assert store.json("held", "show", str(i))["subject"] == \
        "\x1b[31mred\x1b[0m caf\u00e9 \\ end"


def wl(store, *args):
    return store.json("whitelist", "list", *args)["whitelist"]


def test_whitelist(store):
    r = store.json("whitelist", "add", "--rcpt", "bob@example.org", "alice@friend.example")
    assert r["added"] is True and r["scope"] == "recipient"
    rid = r["id"]
    assert store.ok("whitelist", "add", "--domain", "example.org", "friend.example") \
        .startswith(b"added friend.example for example.org (entry ")
    store.ok("whitelist", "add", "--global", "partner.example", "--expires", "2099-01-01")
    # Adding again replaces the entry: same id.
    again = store.json("whitelist", "add", "--rcpt", "BOB@example.org", "Alice@Friend.Example")
    assert again["id"] == rid

    every = wl(store)
    assert [(e["scope"], e["target"], e["sender"], e["origin"]) for e in every] == [
        ("recipient", "bob@example.org", "alice@friend.example", "admin"),
        ("domain", "example.org", "friend.example", "admin"),
        ("global", "", "partner.example", "admin")]
    assert every[2]["expires"] == "2099-01-01T00:00:00Z" and every[0]["expires"] is None
    assert [e["sender"] for e in wl(store, "--domain", "example.org")] == ["friend.example"]
    assert [e["sender"] for e in wl(store, "--rcpt", "bob@example.org")] == \
        ["alice@friend.example"]
    assert [e["sender"] for e in wl(store, "--global")] == ["partner.example"]
    assert [e["target"] for e in wl(store, "--sender", "friend.example")] == ["example.org"]
    assert len(wl(store, "--limit", "1")) == 1
    assert len(wl(store, "--after", str(rid))) == 2
    text = store.ok("whitelist", "list").decode()
    assert "partner.example -> *" in text and "alice@friend.example -> bob@example.org" in text

    assert store.ok("whitelist", "remove", "--domain", "example.org", "friend.example") == \
        b"removed friend.example from example.org\n"
    store.fails(1, "no such whitelist entry", "whitelist", "remove", "--domain",
                "example.org", "friend.example")
    assert len(wl(store)) == 2


def test_whitelist_block(store):
    r = store.json("whitelist", "add", "--block", "--domain", "example.org", "junk.example")
    assert r["added"] is True and r["action"] == "block"
    assert store.ok("whitelist", "add", "--rcpt", "bob@example.org", "spam@junk.example",
                    "--block").startswith(b"blocked spam@junk.example for bob@example.org")
    allow = store.json("whitelist", "add", "--rcpt", "bob@example.org", "a@friend.example")
    assert allow["action"] == "allow"
    every = wl(store)
    assert [(e["action"], e["sender"]) for e in every] == [
        ("block", "junk.example"), ("block", "spam@junk.example"),
        ("allow", "a@friend.example")]
    assert [e["sender"] for e in wl(store, "--block")] == ["junk.example", "spam@junk.example"]
    assert [e["sender"] for e in wl(store, "--block", "--rcpt", "bob@example.org")] == \
        ["spam@junk.example"]
    text = store.ok("whitelist", "list").decode()
    assert text.splitlines()[0].split()[:3] == ["ID", "ACTION", "ORIGIN"]
    assert any(l.split()[1] == "block" and "spam@junk.example -> bob@example.org" in l
               for l in text.splitlines())
    # the same key allowed again: the block is replaced, same entry
    again = store.json("whitelist", "add", "--domain", "example.org", "junk.example")
    assert again["id"] == r["id"] and again["action"] == "allow"
    assert [e["sender"] for e in wl(store, "--block")] == ["spam@junk.example"]
    # remove takes either; --block means nothing to it
    store.fails(USAGE, "usage: eclusectl whitelist", "whitelist", "remove", "--block",
                "--rcpt", "bob@example.org", "spam@junk.example")
    store.ok("whitelist", "remove", "--rcpt", "bob@example.org", "spam@junk.example")
    assert wl(store, "--block") == []


def test_whitelist_errors(store):
    store.fails(USAGE, "give one of --rcpt, --domain or --global",
                "whitelist", "add", "alice@friend.example")
    store.fails(USAGE, "give one of", "whitelist", "add", "--global", "--domain",
                "example.org", "alice@friend.example")
    store.fails(1, "target does not fit the scope", "whitelist", "add", "--rcpt",
                "example.org", "alice@friend.example")
    store.fails(1, "target does not fit the scope", "whitelist", "add", "--domain",
                "bob@example.org", "alice@friend.example")
    store.fails(1, "sender: not an address or domain", "whitelist", "add", "--global", "a@")
    store.fails(USAGE, "--expires", "whitelist", "add", "--global", "x.example",
                "--expires", "soon")
    store.fails(USAGE, "usage: eclusectl whitelist", "whitelist", "add", "--global")
    store.fails(USAGE, "unknown subcommand", "whitelist", "purge")
    store.fails(USAGE, "usage: eclusectl whitelist", "whitelist", "list", "extra")


def test_stats(filled):
    a, b, c, d = filled.ids
    filled.ok("held", "release", str(a))
    filled.ok("held", "delete", str(b))
    filled.ok("whitelist", "add", "--global", "partner.example")
    s = filled.json("stats")
    assert s["held"] == {"held": 2, "released": 1, "delivered": 0, "expired": 0,
                         "deleted": 1, "failed": 0}
    assert s["oldest_held"] == "2023-11-16T22:13:20Z"
    assert s["queue"] == 1 and s["queue_due"] == 1
    assert s["whitelist"] == {"global": 1, "domain": 0, "recipient": 0}
    text = filled.ok("stats").decode()
    assert "held messages:  held 2, released 1" in text
    assert "re-injection:   1 queued, 1 due now" in text
    filled.fails(USAGE, "usage: eclusectl stats", "stats", "--bogus")
