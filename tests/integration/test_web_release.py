"""ecluse-web release flow: a right answer releases once, a wrong one gets a new
image, forms are bound to their page, and attempts are limited per token, client
and sender."""
import re

import pytest

from webenv import Web, form_fields


@pytest.fixture()
def web():
    # a fresh store per test: the attempt counters start at zero
    w = Web()
    yield w
    assert w.stop() == 0


def challenge(web, tok, source="127.0.0.1"):
    st, h, body = web.get("/r/" + tok, source=source)
    assert st == 200, body
    return form_fields(body)


def test_right_answer_releases_once(web):
    hid, tok = web.hold(sender="alice@example.net", rcpt="bob@example.org,carol@example.org")
    c, csrf = challenge(web, tok)
    # typed in lower case with spaces around: still right
    answer = " " + web.answer(c).lower() + " "
    st, h, body = web.post_form("/r/" + tok, {"c": c, "csrf": csrf, "answer": answer})
    assert st == 200, body
    assert h["cache-control"] == "no-store"
    assert "your message is on its way" in body
    s = web.show(hid)
    assert s == {"state": "released", "spent": "1", "queue": "1"}
    assert web.whitelisted("bob@example.org", "alice@example.net") >= 1
    assert web.whitelisted("carol@example.org", "alice@example.net") >= 1
    # the same form again, and a fresh page: used, nothing queued twice
    st, h, body = web.post_form("/r/" + tok, {"c": c, "csrf": csrf, "answer": answer})
    assert st == 410 and "already released" in body
    st, h, body = web.get("/r/" + tok)
    assert st == 410 and "already released" in body
    assert web.show(hid)["queue"] == "1"
    log = web.logtext()
    assert "event=released held=%d" % hid in log


def test_wrong_answer_gets_a_new_image(web):
    hid, tok = web.hold()
    c, csrf = challenge(web, tok)
    st, h, body = web.post_form("/r/" + tok, {"c": c, "csrf": csrf, "answer": "WRONG1"})
    assert st == 422
    assert "That was not the text in the picture" in body
    c2, csrf2 = form_fields(body)
    assert c2 and c2 != c
    # the old challenge is used up even with its right answer now
    assert web.answer(c) is None
    st, h, body = web.post_form("/r/" + tok, {"c": c, "csrf": csrf, "answer": "X"})
    assert st == 422 and "That picture had expired" in body
    st, h, body = web.post_form("/r/" + tok, {"c": c2, "csrf": csrf2,
                                              "answer": web.answer(c2)})
    assert st == 200
    assert web.show(hid)["state"] == "released"
    assert "reason=wrong_answer" in web.logtext()


def test_csrf_field_binds_form_to_token_and_challenge(web):
    hid, tok = web.hold()
    hid2, tok2 = web.hold()
    c, csrf = challenge(web, tok)
    c2, csrf2 = challenge(web, tok2)
    right = web.answer(c)
    # missing, altered, or another page's field
    for bad in ["", csrf[:-1] + ("A" if csrf[-1] != "A" else "B"), csrf2]:
        st, h, body = web.post_form("/r/" + tok, {"c": c, "csrf": bad, "answer": right})
        assert st == 403, bad
        assert "This form is no longer valid" in body
    # a challenge of another message, with its own valid field, on this token
    st, h, body = web.post_form("/r/" + tok, {"c": c2, "csrf": csrf2, "answer": right})
    assert st == 403
    assert web.show(hid)["state"] == "held"
    # a foreign Origin is refused; "null" (no-referrer) and ours are fine
    st, h, body = web.post_form("/r/" + tok, {"c": c, "csrf": csrf, "answer": right},
                                headers={"Origin": "http://evil.example"})
    assert st == 403
    assert "reason=bad_origin" in web.logtext()
    st, h, body = web.post_form("/r/" + tok, {"c": c, "csrf": csrf, "answer": right},
                                headers={"Origin": "null"})
    assert st == 200
    assert web.show(hid)["state"] == "released"


def test_malformed_posts(web):
    hid, tok = web.hold()
    c, csrf = challenge(web, tok)
    path = "/r/" + tok
    st, h, body = web.request("POST", path, "c=%s&csrf=%s&answer=x" % (c, csrf),
                              {"Content-Type": "text/plain"})
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
    st, h, body = web.post_form(path, {"c": "short", "csrf": csrf, "answer": "x"})
    assert st == 400
    assert web.show(hid)["state"] == "held"


def wrong_try(web, tok, source="127.0.0.1"):
    c, csrf = challenge(web, tok, source)
    return web.post_form("/r/" + tok, {"c": c, "csrf": csrf, "answer": "NOPE"},
                         source=source)


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
    c, csrf = challenge(web, tok)
    st, h, body = web.post_form("/r/" + tok, {"c": c, "csrf": csrf,
                                              "answer": web.answer(c)})
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
