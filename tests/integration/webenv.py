"""webenv - starts ecluse-web on a free loopback port with a fresh store, seeds held
messages through the web_seed helper (the store API), and speaks HTTP with
http.client. Used by tests/integration/test_web_*.py."""
import html
import http.client
import os
import re
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time
import urllib.parse

BUILD = os.environ.get("ECLUSE_BUILD") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "dev")
SRC = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
WEB = os.path.join(BUILD, "release-web", "ecluse-web")
SEED = os.path.join(BUILD, "tests", "integration", "web_seed")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Web:
    """extra_conf: more config text (sections may repeat [web]); wait_port: a second
    port (the admin API's) that must be listening too before the tests start; binary
    and datadir (-D): the build's and the checkout's unless given."""

    def __init__(self, extra_conf="", wait_port=None, prefix="ecluse-web-", key_name=None,
                 binary=WEB, datadir=SRC):
        self.dir = tempfile.TemporaryDirectory(prefix=prefix)
        d = self.dir.name
        self.store = os.path.join(d, "ecluse.db")
        # key_name: a [store] token_key of its own, elsewhere than beside the store
        self.key = os.path.join(d, key_name or "token.key")
        self.port = free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        self.conf = os.path.join(d, "ecluse.conf")
        with open(self.conf, "w") as f:
            f.write("[web]\nlisten = 127.0.0.1:%d\nbase_url = %s\n"
                    "[store]\npath = %s\n" % (self.port, self.base, self.store))
            if key_name:
                os.makedirs(os.path.dirname(self.key), exist_ok=True)
                f.write("token_key = %s\n" % self.key)
            f.write(extra_conf)
        self.log = open(os.path.join(d, "web.log"), "w+")
        self.proc = subprocess.Popen([binary, "-c", self.conf, "-f", "-D", datadir],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        for port in [self.port] + ([wait_port] if wait_port else []):
            deadline = time.time() + 10
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), 0.2).close()
                    break
                except OSError:
                    if self.proc.poll() is not None or time.time() > deadline:
                        raise RuntimeError("ecluse-web did not start: " + self.logtext())
                    time.sleep(0.05)

    def logtext(self):
        self.log.flush()
        with open(self.log.name) as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        rc = self.proc.returncode
        self.final_log = self.logtext()
        self.log.close()
        self.dir.cleanup()
        return rc

    def stop_clean(self):
        """Stops it and asserts a clean exit without a sanitizer report."""
        rc = self.stop()
        log = self.final_log
        assert rc == 0, log
        assert "ERROR: AddressSanitizer" not in log and "runtime error" not in log, log
        assert "LeakSanitizer" not in log, log

    # --- the store, through the helper
    def hold(self, sender="alice@example.net", rcpt="bob@example.org",
             subject="Quarterly figures", expires_in=86400):
        out = subprocess.run([SEED, "hold", self.store, self.key, sender, rcpt, subject,
                              str(expires_in)], check=True, capture_output=True,
                             text=True).stdout.split()
        return int(out[0]), out[1]

    def show(self, held_id):
        out = subprocess.run([SEED, "show", self.store, str(held_id)], check=True,
                             capture_output=True, text=True).stdout.split()
        return dict(kv.split("=", 1) for kv in out)

    def lists(self, rcpt, sender):
        """{"allows": N, "blocks": M}: the entries that apply to mail from sender to
        rcpt."""
        out = subprocess.run([SEED, "wl", self.store, rcpt, sender], check=True,
                             capture_output=True, text=True).stdout
        return {k: int(v) for k, v in (f.split("=") for f in out.split())}

    def whitelisted(self, rcpt, sender):
        return self.lists(rcpt, sender)["allows"]

    def blocked(self, rcpt, sender):
        return self.lists(rcpt, sender)["blocks"]

    def seed(self, *args):
        subprocess.run([SEED] + [str(a) for a in args] , check=True, capture_output=True)

    def answer(self, challenge):
        # the answer never leaves the server; a test reads it from the store's
        # database file, as an operator could
        db = sqlite3.connect("file:%s?mode=ro" % self.store, uri=True)
        try:
            row = db.execute("SELECT answer FROM challenge WHERE id = ?",
                             (challenge,)).fetchone()
        finally:
            db.close()
        return row[0] if row else None

    # --- HTTP
    def request(self, method, path, body=None, headers=None, source="127.0.0.1", raw=False):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10,
                                       source_address=(source, 0))
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            data = r.read()
            h = {k.lower(): v for k, v in r.getheaders()}
            return r.status, h, data if raw else data.decode("utf-8", "replace")
        finally:
            c.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post_form(self, path, fields, headers=None, source="127.0.0.1"):
        h = {"Content-Type": "application/x-www-form-urlencoded"}
        h.update(headers or {})
        return self.request("POST", path, urllib.parse.urlencode(fields), h, source)


def form_fields(page):
    """The hidden fields of the release form: (nonce, csrf)."""
    n = re.search(r'name="n" value="([^"]+)"', page)
    t = re.search(r'name="csrf" value="([^"]+)"', page)
    return (html.unescape(n.group(1)), html.unescape(t.group(1))) if n and t else (None, None)


def image_url(page):
    m = re.search(r'<img class="captcha" src="([^"]+)"', page)
    return html.unescape(m.group(1)) if m else None


class Form:
    """What a browser holds after showing a release page and its image."""
    def __init__(self, web, page, source="127.0.0.1"):
        self.nonce, self.csrf = form_fields(page)
        st, h, self.png = web.request("GET", image_url(page), source=source, raw=True)
        assert st == 200, st
        self.image_headers = h
        cookie = h["set-cookie"]
        self.cookie = cookie.split(";", 1)[0]          # "challenge=N.ID"
        self.attrs = [a.strip() for a in cookie.split(";")[1:]]
        self.challenge = self.cookie.split(".", 1)[1]

    def fields(self, answer):
        return {"n": self.nonce, "csrf": self.csrf, "answer": answer}
