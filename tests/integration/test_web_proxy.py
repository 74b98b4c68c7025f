"""ecluse-web behind a reverse proxy ([web] trusted_proxies): the CAPTCHA limits count
per client, not per proxy. From a trusted peer the client is the right-most
X-Forwarded-For element that is not itself a trusted proxy; from any other peer the
header is ignored, so a direct client cannot pick its address; a header that does
not parse where it is read counts the request as the peer's, and a debug line says
so. The client address is the one in the log lines too."""
import http.client
import os
import re
import signal

import pytest

from harness import poll
from webenv import Web, image_url

XFF = "X-Forwarded-For"
# ecluse-web's budget of CAPTCHA images per client an hour (web.h)
VIEWS = 300


@pytest.fixture()
def start():
    """start(trusted_proxies=None) -> a Web with its debug lines, stopped cleanly (no
    sanitizer report) after the test."""
    started = []

    def make(trusted=None):
        conf = "[web]\ntrusted_proxies = %s\n" % trusted if trusted is not None else ""
        w = Web(extra_conf=conf, debug=True)
        started.append(w)
        return w
    yield make
    for w in started:
        w.stop_clean()


def seen_as(web, headers=None, source="127.0.0.1", fields=None):
    """The client address ecluse-web logs for one request: a link that is no token
    is refused with a log line that names the client."""
    n = web.logtext().count("event=release_refused")
    if fields is None:
        st = web.get("/r/not-a-token", headers=headers, source=source)[0]
    else:
        st = raw_get(web, "/r/not-a-token", fields)
    assert st == 404
    lines = [l for l in web.logtext().splitlines() if "event=release_refused" in l]
    assert len(lines) == n + 1
    return re.search(r" client=(\S+)", lines[-1]).group(1)


def raw_get(web, path, fields):
    """A GET with header fields in this order, repeated names kept (a proxy that
    appends its own X-Forwarded-For field after the client's)."""
    c = http.client.HTTPConnection("127.0.0.1", web.port, timeout=10)
    try:
        c.putrequest("GET", path)
        for k, v in fields:
            c.putheader(k, v)
        c.endheaders()
        r = c.getresponse()
        r.read()
        return r.status
    finally:
        c.close()


def image(web, url, xff=None):
    return web.request("GET", url, headers={XFF: xff} if xff else None, raw=True)[0]


def exhaust_images(web, tok, xff=None):
    """Spends one client's image budget; returns the image URL."""
    url = image_url(web.get("/r/" + tok)[2])
    for i in range(VIEWS):
        assert image(web, url, xff) == 200, i
    assert image(web, url, xff) == 429
    return url


def test_each_forwarded_client_has_its_own_budget(start):
    web = start("127.0.0.1")
    _, tok = web.hold()
    url = exhaust_images(web, tok, "203.0.113.7")
    # the proxy's other clients still get images; the first one does not
    assert image(web, url, "198.51.100.9") == 200
    assert image(web, url, "2001:db8:5::1") == 200
    assert image(web, url, "203.0.113.7") == 429
    log = web.logtext()
    assert "reason=too_many_images_client" in log and "client=203.0.113.7" in log
    # nor does the proxy itself count as any one of them
    assert image(web, url) == 200


def test_forwarded_for_ignored_without_trusted_proxies(start):
    web = start()
    _, tok = web.hold()
    url = exhaust_images(web, tok)
    # a direct client cannot pick a new address with the header
    for xff in ("198.51.100.9", "10.0.0.1", "198.51.100.9, 127.0.0.1"):
        assert image(web, url, xff) == 429, xff
        assert seen_as(web, {XFF: xff}) == "127.0.0.1"


def test_forwarded_for_ignored_from_untrusted_peer(start):
    web = start("127.0.0.2, 10.0.0.0/8")
    assert seen_as(web, {XFF: "198.51.100.9"}) == "127.0.0.1"
    # the same header from the trusted proxy is believed
    assert seen_as(web, {XFF: "198.51.100.9"}, source="127.0.0.2") == "198.51.100.9"


def test_chain_takes_the_right_most_untrusted(start):
    web = start("127.0.0.1")
    # the client wrote the left element itself; the proxy appended what it saw
    assert seen_as(web, {XFF: "192.0.2.66, 198.51.100.7"}) == "198.51.100.7"
    assert seen_as(web, {XFF: "  198.51.100.7\t"}) == "198.51.100.7"
    # what the client wrote left of the proxy's element is never read
    assert seen_as(web, {XFF: "unknown, <script>, 198.51.100.7"}) == "198.51.100.7"
    # an IPv4 client as an IPv4-mapped IPv6 literal, and an IPv6 client
    assert seen_as(web, {XFF: "::ffff:198.51.100.8"}) == "198.51.100.8"
    assert seen_as(web, {XFF: "2001:DB8::7"}) == "2001:db8::7"
    # a proxy that appends its own field after the client's: fields are one list
    assert seen_as(web, fields=[(XFF, "192.0.2.66"), (XFF, "198.51.100.7")]) == \
        "198.51.100.7"
    # no header from the proxy: the proxy is the client
    assert seen_as(web) == "127.0.0.1"
    assert "event=forwarded_for_ignored" not in web.logtext()


def test_chain_of_trusted_proxies(start):
    web = start("127.0.0.1, 10.0.0.0/8, fd00::/8")
    # proxies are stepped over from the right, as nginx's real_ip_recursive does
    assert seen_as(web, {XFF: "192.0.2.66, 198.51.100.7, 10.1.2.3, fd00::1"}) == \
        "198.51.100.7"
    # every element trusted: the left-most is the client
    assert seen_as(web, {XFF: "10.9.9.9, 10.1.2.3"}) == "10.9.9.9"


@pytest.mark.parametrize("xff", [
    "not-an-address",
    "198.51.100.7:4711",
    "[2001:db8::7]",
    "198.51.100.7,",
    "198.51.100.7,,",
    "198.051.100.7",
    "fe80::1%eth0",
    "198.51.100.7 203.0.113.1",
    "1" * 200,
    "198.51.100.7, 127.0.0.1, unknown, 127.0.0.1",
])
def test_malformed_header_counts_as_the_peer(start, xff):
    web = start("127.0.0.1")
    assert seen_as(web, {XFF: xff}) == "127.0.0.1"
    log = web.logtext()
    assert log.count("event=forwarded_for_ignored") == 1, log
    assert "peer=127.0.0.1" in log


def test_malformed_header_shares_the_peers_budget(start):
    web = start("127.0.0.1")
    _, tok = web.hold()
    url = exhaust_images(web, tok, "bogus")
    assert image(web, url) == 429
    assert image(web, url, "bogus, 127.0.0.1") == 429
    assert image(web, url, "198.51.100.7") == 200


def test_too_many_hops_counts_as_the_peer(start):
    web = start("127.0.0.1, 10.0.0.0/8")
    # 16 elements are read at most (proxies.h): a client and 15 proxies is a chain,
    # a client behind 16 is not
    hops = ["10.0.0.%d" % i for i in range(1, 17)]
    assert seen_as(web, {XFF: ", ".join(["198.51.100.7"] + hops[1:])}) == "198.51.100.7"
    assert "event=forwarded_for_ignored" not in web.logtext()
    assert seen_as(web, {XFF: ", ".join(["198.51.100.7"] + hops)}) == "127.0.0.1"
    assert "event=forwarded_for_ignored" in web.logtext()
    # so is a header past its bound in separate fields
    assert seen_as(web, fields=[(XFF, "198.51.100.7")] + [(XFF, h) for h in hops]) == \
        "127.0.0.1"


@pytest.mark.parametrize("value", ["10.0.0.1/8", "10.0.0.0/33", "localhost",
                                   "127.0.0.1,,::1", "::1/129", "10.0.0.0/08"])
def test_bad_trusted_proxies_refused(value):
    with pytest.raises(RuntimeError) as e:
        Web(extra_conf="[web]\ntrusted_proxies = %s\n" % value).stop()
    assert "trusted_proxies" in str(e.value)


def reload(web, event):
    n = web.logtext().count(event)
    os.kill(web.proc.pid, signal.SIGHUP)
    poll(event, lambda: web.logtext().count(event) > n)


def test_reload_picks_up_trusted_proxies(start):
    web = start()
    assert seen_as(web, {XFF: "198.51.100.7"}) == "127.0.0.1"
    with open(web.conf, "a") as f:
        f.write("[web]\ntrusted_proxies = ::1, 127.0.0.0/8\n")
    reload(web, "event=reload ")
    assert seen_as(web, {XFF: "198.51.100.7"}) == "198.51.100.7"
    # a bad value is refused, naming the key, and the running list kept
    with open(web.conf) as f:
        text = f.read()
    with open(web.conf, "w") as f:
        f.write(text.replace("::1, 127.0.0.0/8", "127.0.0.1/8"))
    reload(web, "event=reload_failed")
    failed = [l for l in web.logtext().splitlines() if "event=reload_failed" in l]
    assert "trusted_proxies" in failed[-1]
    assert seen_as(web, {XFF: "198.51.100.7"}) == "198.51.100.7"
