"""ecluse-web release flow: a right answer releases once, a wrong one gets a new
image, forms are bound to their page, and attempts are limited per token, client
and sender."""
import os
import re
import socket
import struct
import time

import pytest

from harness import poll
from webenv import Form, Web, image_url


@pytest.fixture()
def web():
    # a fresh store per test: the attempt counters start at zero
    w = Web()
    yield w
    assert w.stop() == 0


def challenge(web, tok, source="127.0.0.1"):
    """Shows the page and loads its image, as a browser does."""
    st, h, body = web.get("/r/" + tok, source=source)
    assert st == 200, body
    return Form(web, body, source)


def post(web, tok, form, answer, cookie=None, headers=None, source="127.0.0.1"):
    h = {"Cookie": form.cookie if cookie is None else cookie}
    h.update(headers or {})
    return web.post_form("/r/" + tok, form.fields(answer), headers=h, source=source)


def test_right_answer_releases_once(web):
    hid, tok = web.hold(sender="alice@example.net", rcpt="bob@example.org,carol@example.org")
    f = challenge(web, tok)
    # typed in lower case with spaces around: still right
    answer = " " + web.answer(f.challenge).lower() + " "
    st, h, body = post(web, tok, f, answer)
    assert st == 200, body
    assert h["cache-control"] == "no-store"
    assert "your message is on its way" in body
    s = web.show(hid)
    assert s == {"state": "released", "spent": "1", "queue": "1"}
    assert web.whitelisted("bob@example.org", "alice@example.net") >= 1
    assert web.whitelisted("carol@example.org", "alice@example.net") >= 1
    # the same form again, and a fresh page: used, nothing queued twice
    st, h, body = post(web, tok, f, answer)
    assert st == 410 and "already released" in body
    st, h, body = web.get("/r/" + tok)
    assert st == 410 and "already released" in body
    assert web.show(hid)["queue"] == "1"
    log = web.logtext()
    assert "event=released held=%d" % hid in log


def test_wrong_answer_gets_a_new_image(web):
    hid, tok = web.hold()
    f = challenge(web, tok)
    st, h, body = post(web, tok, f, "WRONG1")
    assert st == 422
    assert "That was not the text in the picture" in body
    # the old challenge is used up: its right answer no longer works
    assert web.answer(f.challenge) is None
    st, h, body2 = post(web, tok, f, "X")
    assert st == 422 and "That picture had expired" in body2
    f2 = Form(web, body)
    assert f2.challenge != f.challenge
    st, h, body = post(web, tok, f2, web.answer(f2.challenge))
    assert st == 200
    assert web.show(hid)["state"] == "released"
    assert "reason=wrong_answer" in web.logtext()


def test_image_of_another_page_or_none(web):
    hid, tok = web.hold()
    f1 = challenge(web, tok)
    f2 = challenge(web, tok)     # another tab: its image's cookie replaces the first
    st, h, body = post(web, tok, f1, web.answer(f1.challenge), cookie=f2.cookie)
    assert st == 422 and "That picture had expired" in body
    st, h, body = post(web, tok, f1, web.answer(f1.challenge), cookie="")
    assert st == 422
    assert "reason=no_challenge_cookie" in web.logtext()
    assert web.show(hid)["state"] == "held"
    st, h, body = post(web, tok, f2, web.answer(f2.challenge))
    assert st == 200


def test_csrf_field_binds_form_to_token_and_page(web):
    hid, tok = web.hold()
    hid2, tok2 = web.hold()
    f = challenge(web, tok)
    f2 = challenge(web, tok2)
    right = web.answer(f.challenge)
    # missing, altered, or another page's field
    for bad in ["", f.csrf[:-1] + ("A" if f.csrf[-1] != "A" else "B"), f2.csrf]:
        fields = f.fields(right)
        fields["csrf"] = bad
        st, h, body = web.post_form("/r/" + tok, fields, headers={"Cookie": f.cookie})
        assert st == 403, bad
        assert "This form is no longer valid" in body
    # the other message's form, nonce, cookie and answer, posted to this token
    st, h, body = post(web, tok, f2, web.answer(f2.challenge))
    assert st == 403
    # this form with the other message's challenge in a forged cookie
    forged = "challenge=%s.%s" % (f.nonce, f2.challenge)
    st, h, body = post(web, tok, f, web.answer(f2.challenge), cookie=forged)
    assert st == 403
    assert "reason=challenge_of_other_message" in web.logtext()
    assert web.show(hid)["state"] == "held" and web.show(hid2)["state"] == "held"
    # a foreign Origin is refused; "null" (no-referrer) is fine
    f = challenge(web, tok)
    right = web.answer(f.challenge)
    st, h, body = post(web, tok, f, right, headers={"Origin": "http://evil.example"})
    assert st == 403
    assert "reason=bad_origin" in web.logtext()
    st, h, body = post(web, tok, f, right, headers={"Origin": "null"})
    assert st == 200
    assert web.show(hid)["state"] == "released"


def test_malformed_posts(web):
    hid, tok = web.hold()
    f = challenge(web, tok)
    path = "/r/" + tok
    st, h, body = web.request("POST", path, "n=%s&csrf=%s&answer=x" % (f.nonce, f.csrf),
                              {"Content-Type": "text/plain", "Cookie": f.cookie})
    assert st == 415
    st, h, body = web.request("POST", path, "a=%zz",
                              {"Content-Type": "application/x-www-form-urlencoded"})
    assert st == 400
    st, h, body = web.request("POST", path, "a=" + "x" * 5000,
                              {"Content-Type": "application/x-www-form-urlencoded"})
    assert st == 413
    st, h, body = web.request("POST", path, iter([b"a=1"]),
                              {"Content-Type": "application/x-www-form-urlencoded",
                               "Transfer-Encoding": "chunked"})
    assert st == 411
    st, h, body = web.post_form(path, {"n": "short", "csrf": f.csrf, "answer": "x"},
                                headers={"Cookie": f.cookie})
    assert st == 400
    assert web.show(hid)["state"] == "held"


def wrong_try(web, tok, source="127.0.0.1"):
    f = challenge(web, tok, source)
    return post(web, tok, f, "NOPE", source=source)


def test_limit_per_token(web):
    hid, tok = web.hold()
    for i in range(10):
        st, h, body = wrong_try(web, tok)
        assert st == 422, i
    st, h, body = wrong_try(web, tok)
    assert st == 429
    assert int(h["retry-after"]) > 0
    assert "Too many attempts" in body
    # even the right answer is refused now
    f = challenge(web, tok)
    st, h, body = post(web, tok, f, web.answer(f.challenge))
    assert st == 429
    assert web.show(hid)["state"] == "held"
    assert "reason=too_many_tries_token" in web.logtext()
    # another link is not affected
    hid2, tok2 = web.hold()
    assert wrong_try(web, tok2)[0] == 422


def test_limit_per_client(web):
    # 30 answers from one address, spread over tokens that stay under their own limit
    toks = [web.hold(sender="s%d@example.net" % i)[1] for i in range(4)]
    for i in range(30):
        assert wrong_try(web, toks[i % 4])[0] == 422, i
    assert wrong_try(web, toks[0])[0] == 429
    assert "reason=too_many_tries_client" in web.logtext()
    # another client address is still served
    assert wrong_try(web, toks[1], source="127.0.0.2")[0] == 422


def test_limit_per_sender(web):
    # 100 answers for one sender's mail, from several clients and links
    toks = [web.hold(sender="spoofed@example.net")[1] for i in range(11)]
    n = 0
    for i in range(100):
        src = "127.0.0.%d" % (2 + i // 25)
        assert wrong_try(web, toks[i // 10], source=src)[0] == 422, i
        n += 1
    st, h, body = wrong_try(web, toks[10], source="127.0.0.9")
    assert st == 429
    assert "reason=too_many_tries_sender" in web.logtext()


def test_limit_images_per_client(web):
    # each image stores a challenge: 300 an hour from one address, then 429
    hid, tok = web.hold()
    st, h, body = web.get("/r/" + tok)
    url = image_url(body)
    for i in range(300):
        assert web.request("GET", url, raw=True)[0] == 200, i
    st, h, body = web.get(url)
    assert st == 429 and "Too many attempts" in body
    assert "reason=too_many_images_client" in web.logtext()
    # the page itself, which stores nothing, is still served
    assert web.get("/r/" + tok)[0] == 200


def test_refusals_log_the_id_not_the_link(web):
    """Whoever reads the log must not be able to release: a refusal of a link that
    still works (a bad form, a bad CSRF field, a wrong answer, too many tries) names
    the held message, never the token, nor the form's secrets or the answer."""
    hid, tok = web.hold()
    f = challenge(web, tok)
    right = web.answer(f.challenge)
    st, h, body = web.post_form("/r/" + tok, {"answer": right},
                                headers={"Cookie": f.cookie})
    assert st == 400
    fields = f.fields(right)
    fields["csrf"] = f.csrf[:-1] + ("A" if f.csrf[-1] != "A" else "B")
    st, h, body = web.post_form("/r/" + tok, fields, headers={"Cookie": f.cookie})
    assert st == 403
    st, h, body = post(web, tok, f, "NOPE")
    assert st == 422
    for i in range(7):      # 10 tries per link (web.h)
        assert wrong_try(web, tok)[0] == 422, i
    assert wrong_try(web, tok)[0] == 429
    assert web.show(hid)["state"] == "held"
    log = web.logtext()
    for reason in ("bad_form", "bad_csrf", "wrong_answer", "too_many_tries_token"):
        assert "reason=%s held=%d " % (reason, hid) in log, reason
    assert tok not in log
    # nor any run of it long enough to carry part of its MAC (token.h: the first 17
    # bytes, 22 characters, are kind, id and expiry)
    for i in range(22, len(tok) - 8):
        assert tok[i:i + 8] not in log, i
    assert f.csrf not in log and f.nonce not in log and right not in log


def test_reset_connection_does_not_log_the_link(web):
    """libmicrohttpd names the request target when it cannot send a reply (the client
    reset its connection): that line must not carry the link."""
    hid, tok = web.hold()
    path = "/r/%s/captcha.png?n=%s" % (tok, "N" * 22)
    # Requests pipelined on one connection, closed with a reset (SO_LINGER 0) before
    # any reply is read: ecluse-web is still answering them when the reset comes. A
    # fast machine may answer everything first, so connections go on until the line
    # is there (and the test cannot pass without it).
    pipeline = "".join("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % t
                       for t in ("/r/" + tok, path) * 16).encode()

    def reset_one():
        s = socket.create_connection(("127.0.0.1", web.port))
        s.sendall(pipeline)
        time.sleep(0.005)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
        return "Failed to send" in web.logtext()
    poll("a send failure", reset_one)
    log = web.logtext()
    assert "for the request for `/r/*" in log, log
    assert tok not in log
    for i in range(0, len(tok) - 16):
        assert tok[i:i + 16] not in log, i
    assert web.get("/r/" + tok)[0] == 200


def test_token_key_from_the_config():
    """[store] token_key elsewhere than beside the store: ecluse-web checks links with
    the key ecluse-smtpd signs them with (it once looked beside the store only)."""
    w = Web(key_name="keys/release.key")
    try:
        _, token = w.hold()
        st, _, page = w.get("/r/" + token)
        assert st == 200 and "captcha" in page
        assert not os.path.exists(os.path.join(os.path.dirname(w.store), "token.key"))
    finally:
        w.stop_clean()
