"""test_ctl_challenge.py - "eclusectl challenge-answer TOKEN" against a running
ecluse-web: it prints the answer of the image the sender was shown (the newest one,
after a wrong try too), and that answer releases the message; it refuses forged,
expired and malformed tokens, a message whose image was never loaded, a missing key
file (without creating one), and a spent token (its challenge is gone)."""

import os
import subprocess

import pytest

from webenv import BUILD, Form, Web

ECLUSECTL = os.path.join(BUILD, "ctl", "eclusectl")


@pytest.fixture()
def web():
    w = Web()
    yield w
    assert w.stop() == 0


def ctl(web, *args, conf=None):
    return subprocess.run([ECLUSECTL, "-c", conf or web.conf, *args], capture_output=True,
                          text=True, timeout=60)


def shown(web, tok):
    st, _, body = web.get("/r/" + tok)
    assert st == 200, body
    return Form(web, body)


def post(web, tok, form, answer):
    return web.post_form("/r/" + tok, form.fields(answer), headers={"Cookie": form.cookie})


def test_prints_the_answer_of_the_image_shown(web):
    hid, tok = web.hold()
    f = shown(web, tok)
    p = ctl(web, "challenge-answer", tok)
    assert p.returncode == 0, p.stderr
    assert p.stdout == web.answer(f.challenge) + "\n"
    # a wrong try drops that challenge; the new page's image is the one printed now
    st, _, body = post(web, tok, f, "WRONG1")
    assert st == 422
    g = Form(web, body)
    p = ctl(web, "challenge-answer", tok)
    assert p.returncode == 0 and p.stdout == web.answer(g.challenge) + "\n"
    st, _, body = post(web, tok, g, p.stdout.strip())
    assert st == 200, body
    assert web.show(hid)["state"] == "released"
    # spent: no challenge is left to print
    p = ctl(web, "challenge-answer", tok)
    assert p.returncode == 1 and "no open challenge" in p.stderr and p.stdout == ""


def test_no_image_loaded_yet(web):
    _, tok = web.hold()
    st, _, _ = web.get("/r/" + tok)
    assert st == 200
    p = ctl(web, "challenge-answer", tok)
    assert p.returncode == 1 and "no open challenge" in p.stderr and p.stdout == ""


def test_bad_tokens_refused(web):
    _, tok = web.hold()
    shown(web, tok)
    forged = tok[:-2] + ("AA" if tok[-2:] != "AA" else "BA")
    _, old = web.hold(expires_in=-60)
    for arg, why in ((forged, "release token: "), (old, "release token: "),
                     ("short", "release token: "), (tok + "A", "release token: ")):
        p = ctl(web, "challenge-answer", arg)
        assert p.returncode == 1, (arg, p.returncode, p.stderr)
        assert why in p.stderr and p.stdout == "", (arg, p.stderr)
    p = ctl(web, "challenge-answer")
    assert p.returncode == 64 and "usage" in p.stderr


def test_missing_key_file_is_not_created(web, tmp_path):
    _, tok = web.hold()
    shown(web, tok)
    conf = tmp_path / "other.conf"
    key = tmp_path / "nokey"
    conf.write_text(f"[store]\npath = {web.store}\ntoken_key = {key}\n")
    p = ctl(web, "challenge-answer", tok, conf=str(conf))
    assert p.returncode == 1 and "no token key file" in p.stderr and p.stdout == ""
    assert not key.exists()


def test_challenge_named_by_the_cookie(web):
    _, tok = web.hold()
    older = shown(web, tok)
    newer = shown(web, tok)
    for f in (older, newer):
        p = ctl(web, "challenge-answer", tok, f.challenge)
        assert p.returncode == 0, p.stderr
        assert p.stdout == web.answer(f.challenge) + "\n"
    # a challenge of another message, and one that does not exist: nothing printed
    _, other = web.hold(subject="other")
    p = ctl(web, "challenge-answer", other, newer.challenge)
    assert p.returncode == 1 and "no open challenge of that id" in p.stderr and p.stdout == ""
    p = ctl(web, "challenge-answer", tok, "A" * 22)
    assert p.returncode == 1 and "no open challenge of that id" in p.stderr
    p = ctl(web, "challenge-answer", tok, "A" * 200)
    assert p.returncode == 1 and p.stdout == ""
    p = ctl(web, "challenge-answer", tok, newer.challenge, "extra")
    assert p.returncode == 64 and "usage" in p.stderr
