"""test_web_reload.py - SIGHUP makes ecluse-web read its configuration again (issue 6:
multi-domain operation, reload without dropping connections): admin tokens rotate, a
domain added to the file is listed by the admin API, a broken file is refused with
its file:line and the running configuration kept, a key read at start only is logged
as needing a restart, a request in flight finishes with the configuration it started
with, and under a steady load of page and API requests across several reloads every
request gets a complete answer and the daemon stops cleanly (no sanitizer report)."""
import http.client
import json
import os
import signal
import socket
import threading
import time

import pytest

from harness import poll
from test_admin_api import OTHER, TOKEN, Admin
from webenv import Web

NEW = "bmV3LXRva2VuLWFmdGVyLWh1cA"


@pytest.fixture
def web():
    a = Admin()
    yield a
    a.stop_clean()


def edit(w, old, new):
    with open(w.conf) as f:
        text = f.read()
    assert old in text
    with open(w.conf, "w") as f:
        f.write(text.replace(old, new))


def append(w, text):
    with open(w.conf, "a") as f:
        f.write(text)


def reload(w, event="event=reload "):
    """SIGHUP, then waits for one more log line with event."""
    n = w.logtext().count(event)
    os.kill(w.proc.pid, signal.SIGHUP)
    poll(event, lambda: w.logtext().count(event) > n)


def domains(w, token=OTHER):
    st, _, body = w.request("GET", "/api/v1/domains", token=token)
    assert st == 200, body
    return {d["name"]: d for d in body["domains"]}


def test_tokens_rotate(web):
    assert web.request("GET", "/api/v1/stats", token=NEW)[0] == 401
    edit(web, "ops:" + TOKEN, "ops:" + NEW)
    reload(web)
    assert "admin_tokens=2" in web.logtext()
    assert web.request("GET", "/api/v1/stats", token=NEW)[0] == 200
    st, h, body = web.request("GET", "/api/v1/stats", token=TOKEN)
    assert st == 401 and h["www-authenticate"].startswith("Bearer"), body
    assert web.request("GET", "/api/v1/stats", token=OTHER)[0] == 200


def test_domain_added_and_changed(web):
    assert set(domains(web)) == {"example.org", "example.fr"}
    append(web, "[domain example.com]\nnext_hop = [::1]:2600\nlanguage = fr\n"
                "digest = no\n")
    edit(web, "next_hop = 127.0.0.1:2526", "next_hop = 127.0.0.1:2626")
    reload(web)
    assert "event=reload domains=3" in web.logtext()
    d = domains(web)
    assert set(d) == {"example.org", "example.fr", "example.com"}
    assert d["example.com"]["next_hop"] == "[::1]:2600"
    assert d["example.com"]["language"] == "fr" and d["example.com"]["digest"] is False
    assert d["example.org"]["next_hop"] == "127.0.0.1:2626"
    assert d["example.org"]["held"] == 3, "the same store"


def test_broken_file_keeps_running_config(web):
    # good changes and one bad value: nothing of the new file is taken
    edit(web, "ops:" + TOKEN, "ops:" + NEW)
    append(web, "[domain example.com]\nnext_hop = 127.0.0.1:2600\n"
                "[policy]\nquarantine_threshold = lots\n")
    with open(web.conf) as f:
        line = f.read().splitlines().index("quarantine_threshold = lots") + 1
    reload(web, "event=reload_failed")
    log = web.logtext()
    assert "%s:%d:" % (web.conf, line) in log, log
    assert "config=kept" in log
    assert "quarantine_threshold" in log
    assert web.request("GET", "/api/v1/stats", token=TOKEN)[0] == 200
    assert web.request("GET", "/api/v1/stats", token=NEW)[0] == 401
    assert set(domains(web)) == {"example.org", "example.fr"}
    assert Web.request(web, "GET", "/")[0] == 200


def test_bad_tokens_or_base_url_refused(web):
    edit(web, "ops:" + TOKEN, "ops:short")
    reload(web, "event=reload_failed")
    assert "[web] admin_tokens" in web.logtext()
    assert web.request("GET", "/api/v1/stats", token=TOKEN)[0] == 200
    edit(web, "ops:short", "ops:" + NEW)
    edit(web, "base_url = http://", "base_url = ftp://")
    reload(web, "event=reload_failed")
    assert "[web] base_url" in web.logtext()
    assert web.request("GET", "/api/v1/stats", token=TOKEN)[0] == 200
    assert web.request("GET", "/api/v1/stats", token=NEW)[0] == 401


def test_start_only_keys_need_a_restart(web):
    edit(web, "listen = 127.0.0.1:%d\n" % web.port, "listen = 127.0.0.1:1\n")
    edit(web, "ops:" + TOKEN, "ops:" + NEW)
    reload(web)
    log = web.logtext()
    assert 'key="[web] listen"' in log and "needs a restart" in log, log
    assert 'key="[web] admin_listen"' not in log, "only what changed"
    # still on the port it started with, and the rest of the file is taken
    assert Web.request(web, "GET", "/")[0] == 200
    assert web.request("GET", "/api/v1/stats", token=NEW)[0] == 200


def test_request_in_flight_keeps_its_config(web):
    """A request whose headers came in before the reload is answered with the
    configuration it started with: its token, removed meanwhile, still holds."""
    s = socket.create_connection(("127.0.0.1", web.aport), 10)
    body = b"scope=global&sender=partner.example"
    s.sendall(b"POST /api/v1/whitelist HTTP/1.1\r\nHost: admin\r\n"
              b"Authorization: Bearer " + TOKEN.encode() + b"\r\n"
              b"Content-Type: application/x-www-form-urlencoded\r\n"
              b"Content-Length: %d\r\n\r\n" % len(body))
    time.sleep(0.3)  # the headers are read: the request has started
    edit(web, "ops:" + TOKEN, "ops:" + NEW)
    reload(web)
    assert web.request("GET", "/api/v1/stats", token=TOKEN)[0] == 401
    s.sendall(body)
    r = http.client.HTTPResponse(s)
    r.begin()
    data = r.read()
    s.close()
    assert r.status == 201, data
    assert json.loads(data)["sender"] == "partner.example"


def test_reload_under_load(web):
    _, tok = web.hold("alice@example.net", "bob@example.org", "Under load")
    stop = threading.Event()
    errors, counts = [], {"page": 0, "api": 0}

    def check_page(c):
        c.request("GET", "/r/" + tok)
        r = c.getresponse()
        data = r.read()  # IncompleteRead on a cut answer
        assert r.status == 200, r.status
        assert data.rstrip().endswith(b"</html>"), data[-80:]
        counts["page"] += 1

    def check_api(c):
        c.request("GET", "/api/v1/domains", headers={"Authorization": "Bearer " + OTHER})
        r = c.getresponse()
        data = r.read()
        assert r.status == 200, r.status
        assert "example.org" in {d["name"] for d in json.loads(data)["domains"]}
        counts["api"] += 1

    def client(port, check, keep_alive):
        c = None
        try:
            while not stop.is_set():
                if c is None:
                    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                check(c)
                if not keep_alive:
                    c.close()
                    c = None
        except Exception as e:  # a reset, a cut answer, a 5xx: all count
            errors.append("%s: %r" % (check.__name__, e))
        finally:
            if c is not None:
                c.close()

    threads = [threading.Thread(target=client, args=a) for a in (
        (web.port, check_page, True), (web.port, check_page, False),
        (web.aport, check_api, True), (web.aport, check_api, False))]
    for t in threads:
        t.start()
    try:
        for i in range(8):
            time.sleep(0.15)
            if i % 2 == 0:
                append(web, "[domain load%d.example]\nnext_hop = 127.0.0.1:2600\n" % i)
            old, new = (TOKEN, NEW) if i % 2 == 0 else (NEW, TOKEN)
            edit(web, "ops:" + old, "ops:" + new)
            reload(web)
        time.sleep(0.15)
    finally:
        stop.set()
        for t in threads:
            t.join(20)
    assert not errors, errors
    assert web.logtext().count("event=reload ") == 8
    assert counts["page"] > 8 and counts["api"] > 8, counts
    assert "load6.example" in domains(web)
