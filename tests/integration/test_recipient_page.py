"""ecluse-web recipient page /u/TOKEN: a recipient-scoped token shows that recipient's
held messages and whitelist and lets them release, delete, allow and remove; it reaches
nothing of another recipient's; bad tokens and forged forms are refused."""
import html
import re
import subprocess

import pytest

from webenv import SEED, Web


@pytest.fixture()
def web():
    w = Web()
    yield w
    assert w.stop() == 0


def rtoken(web, address, expires_in=3600, kind=None):
    args = [SEED, "rtoken", web.store, web.key, address, str(expires_in)]
    if kind is not None:
        args.append(str(kind))
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout.split()
    return int(out[0]), out[1]


def fields(page):
    n = re.search(r'name="n" value="([^"]+)"', page)
    c = re.search(r'name="csrf" value="([^"]+)"', page)
    return {"n": html.unescape(n.group(1)), "csrf": html.unescape(c.group(1))}


def act(web, tok, page, **kw):
    f = fields(page)
    f.update({k: str(v) for k, v in kw.items()})
    return web.post_form("/u/" + tok, f)


def test_lists_only_own_messages_escaped(web):
    web.hold(sender="alice@example.net", rcpt="bob@example.org",
             subject="<script>alert(1)</script> & co")
    web.hold(sender="mallory@example.com", rcpt="carol@example.org", subject="Carol only")
    _, tok = rtoken(web, "bob@example.org")
    st, h, body = web.get("/u/" + tok)
    assert st == 200, body
    assert h["cache-control"] == "no-store"
    assert "Messages held for bob@example.org" in body
    assert "alice@example.net" in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in body
    assert "<script>" not in body
    assert "Carol only" not in body and "mallory" not in body
    st, h, body = web.get("/u/" + tok + "?lang=fr")
    assert st == 200 and "Messages retenus pour bob@example.org" in body


def test_release_and_delete_own_message(web):
    h1, _ = web.hold(sender="alice@example.net", rcpt="bob@example.org", subject="one")
    h2, _ = web.hold(sender="dave@example.net", rcpt="bob@example.org", subject="two")
    _, tok = rtoken(web, "bob@example.org")
    st, _, page = web.get("/u/" + tok)
    st, _, page = act(web, tok, page, action="release", id=h1)
    assert st == 200, page
    assert "The message was released" in page
    assert web.show(h1) == {"state": "released", "spent": "0", "queue": "1"}
    # a release by the recipient does not whitelist the sender by itself
    assert web.whitelisted("bob@example.org", "alice@example.net") == 0
    st, _, page = act(web, tok, page, action="delete", id=h2)
    assert st == 200 and "The message was deleted" in page
    assert web.show(h2)["state"] == "deleted"
    assert "two" not in page.split("Held messages")[1].split("Senders")[0]
    # once more: nothing changes
    st, _, page = act(web, tok, page, action="release", id=h1)
    assert st == 409 and "Nothing was changed" in page
    log = web.logtext()
    assert "event=released held=%d by=recipient" % h1 in log
    assert "event=deleted held=%d by=recipient" % h2 in log


def test_other_recipients_message_is_unreachable(web):
    mine, _ = web.hold(sender="alice@example.net", rcpt="bob@example.org")
    theirs, _ = web.hold(sender="mallory@example.com", rcpt="carol@example.org")
    _, tok = rtoken(web, "bob@example.org")
    st, _, page = web.get("/u/" + tok)
    for action in ("release", "delete"):
        st, _, body = act(web, tok, page, action=action, id=theirs)
        assert st == 404, body
        assert "No such message is held for you" in body
    # an id that does not exist answers the same
    st, _, body = act(web, tok, page, action="release", id=theirs + 100)
    assert st == 404 and "No such message is held for you" in body
    for bad in ("", "-1", "1x", "99999999999999999999"):
        st, _, body = act(web, tok, page, action="release", id=bad)
        assert st == 404
    assert web.show(theirs) == {"state": "held", "spent": "0", "queue": "0"}
    assert web.show(mine)["state"] == "held"
    assert "reason=not_this_recipients_message" in web.logtext()


def test_shared_message_released_not_deleted(web):
    hid, _ = web.hold(sender="alice@example.net", rcpt="bob@example.org,carol@example.org")
    _, tok = rtoken(web, "bob@example.org")
    st, _, page = web.get("/u/" + tok)
    st, _, body = act(web, tok, page, action="delete", id=hid)
    assert st == 409 and "only an administrator can delete it" in body
    assert web.show(hid)["state"] == "held"
    st, _, body = act(web, tok, page, action="release", id=hid)
    assert st == 200
    assert web.show(hid)["state"] == "released"


def test_allow_and_remove_sender_and_domain(web):
    web.hold(sender="alice@example.net", rcpt="bob@example.org")
    _, tok = rtoken(web, "bob@example.org")
    _, other = rtoken(web, "carol@example.org")
    st, _, page = web.get("/u/" + tok)
    st, _, page = act(web, tok, page, action="allow", sender="alice@example.net")
    assert st == 200 and "now reaches you directly" in page
    st, _, page = act(web, tok, page, action="allow", sender="example.com")
    assert st == 200
    assert web.whitelisted("bob@example.org", "alice@example.net") == 1
    assert web.whitelisted("bob@example.org", "zed@example.com") == 1
    # scope recipient: nobody else gets the entries
    assert web.whitelisted("carol@example.org", "alice@example.net") == 0
    assert web.whitelisted("dan@example.org", "zed@example.com") == 0
    wl = page.split("Senders you always accept")[1]
    assert "alice@example.net" in wl and "everyone at example.com" in wl
    # carol's page shows none of bob's list, and cannot remove from it
    st, _, cpage = web.get("/u/" + other)
    assert "alice@example.net" not in cpage
    st, _, cbody = act(web, other, cpage, action="remove", sender="alice@example.net")
    assert st == 409
    assert web.whitelisted("bob@example.org", "alice@example.net") == 1
    # bob removes ("block") the sender
    st, _, page = act(web, tok, page, action="remove", sender="alice@example.net")
    assert st == 200 and "no longer on your list" in page
    assert web.whitelisted("bob@example.org", "alice@example.net") == 0
    st, _, body = act(web, tok, page, action="allow", sender="not an address")
    assert st == 400 and "not an email address or a domain name" in body


def test_forms_are_bound_to_the_page(web):
    hid, _ = web.hold(sender="alice@example.net", rcpt="bob@example.org")
    _, tok = rtoken(web, "bob@example.org")
    _, other = rtoken(web, "carol@example.org")
    st, _, page = web.get("/u/" + tok)
    f = fields(page)
    # a form MAC made for carol's page does not work on bob's, nor a changed one
    st, _, cpage = web.get("/u/" + other)
    st, _, body = web.post_form("/u/" + tok, dict(fields(cpage), action="release", id=hid))
    assert st == 403 and "This form is no longer valid" in body
    bad = dict(f, action="release", id=hid)
    bad["csrf"] = bad["csrf"][:-1] + ("A" if bad["csrf"][-1] != "A" else "B")
    st, _, body = web.post_form("/u/" + tok, bad)
    assert st == 403
    st, _, body = web.post_form("/u/" + tok, dict(f, action="release", id=hid),
                                headers={"Origin": "https://evil.example"})
    assert st == 403
    st, _, body = web.post_form("/u/" + tok, {"action": "release", "id": str(hid)})
    assert st == 400
    st, _, body = web.post_form("/u/" + tok, dict(f, action="explode"))
    assert st == 400
    assert web.show(hid)["state"] == "held"
    st, _, body = web.post_form("/u/" + tok, dict(f, action="release", id=hid),
                                headers={"Origin": web.base})
    assert st == 200


def test_bad_tokens(web):
    hid, release_tok = web.hold(sender="alice@example.net", rcpt="bob@example.org")
    rid, tok = rtoken(web, "bob@example.org")
    # tampered: one character changed inside the MAC
    i = len(tok) - 5
    forged = tok[:i] + ("A" if tok[i] != "A" else "B") + tok[i + 1:]
    for t in (forged, tok[:-1], "abc", release_tok):
        st, _, body = web.get("/u/" + t)
        assert st == 404, t
        assert "not a valid link to your held messages" in body
        assert "alice@example.net" not in body
    # a release-kind token carrying the recipient's id is not a recipient token
    _, wrong_kind = rtoken(web, "bob@example.org", kind=1)
    st, _, body = web.get("/u/" + wrong_kind)
    assert st == 404
    _, expired = rtoken(web, "bob@example.org", expires_in=-10)
    st, _, body = web.get("/u/" + expired)
    assert st == 410 and "This link has expired" in body
    st, _, body = web.get("/u/" + expired + "?lang=fr")
    assert st == 410 and "Ce lien a expir" in body
    # the recipient token is not a release token either
    st, _, body = web.get("/r/" + tok)
    assert st == 404
    # a post with a bad token changes nothing
    st, _, page = web.get("/u/" + tok)
    st, _, body = web.post_form("/u/" + forged, dict(fields(page), action="release", id=hid))
    assert st == 404
    assert web.show(hid)["state"] == "held"
    log = web.logtext()
    assert "event=token_forged" in log
    assert "reason=token_expired" in log


def test_block_and_unblock_sender_and_domain(web):
    h, _ = web.hold(sender="spam@junk.example", rcpt="bob@example.org",
                    subject="<b>Win</b> & co")
    _, tok = rtoken(web, "bob@example.org")
    _, other = rtoken(web, "carol@example.org")
    st, _, page = web.get("/u/" + tok)
    row = re.search(r'<tr id="held-%d">.*?</tr>' % h, page, re.S).group(0)
    assert 'name="action" value="block">Block this sender</button>' in row
    assert "Block: everyone at junk.example" in row
    assert "You block nobody." in page
    st, _, page = act(web, tok, page, action="block", sender="spam@junk.example")
    assert st == 200 and "mail from this sender is now refused" in page, page
    st, _, page = act(web, tok, page, action="block", sender="other.example")
    assert st == 200
    assert web.lists("bob@example.org", "spam@junk.example") == {"allows": 0, "blocks": 1}
    assert web.blocked("bob@example.org", "x@other.example") == 1
    # scope recipient: carol is not affected, and cannot remove bob's entries
    assert web.blocked("carol@example.org", "spam@junk.example") == 0
    st, _, cpage = web.get("/u/" + other)
    assert "junk.example" not in cpage
    st, _, _ = act(web, other, cpage, action="remove", sender="spam@junk.example")
    assert st == 409
    bl = page.split("Senders you block")[1]
    assert "spam@junk.example" in bl and "everyone at other.example" in bl
    assert "spam@junk.example" not in page.split("Senders you always accept")[1].split(
        "Senders you block")[0]
    # the held message stays, for the recipient to release or delete
    assert web.show(h)["state"] == "held"
    # allowing a blocked sender replaces the block, and blocking replaces the allow
    st, _, page = act(web, tok, page, action="allow", sender="other.example")
    assert web.lists("bob@example.org", "x@other.example") == {"allows": 1, "blocks": 0}
    st, _, page = act(web, tok, page, action="block", sender="other.example")
    assert web.lists("bob@example.org", "x@other.example") == {"allows": 0, "blocks": 1}
    # removal
    st, _, page = act(web, tok, page, action="remove", sender="spam@junk.example")
    assert st == 200 and "no longer on your list" in page
    assert web.blocked("bob@example.org", "spam@junk.example") == 0
    st, _, body = act(web, tok, page, action="block", sender="<script>@x")
    assert st == 400 and "not an email address or a domain name" in body
    # the French page lists the blocked domain, escaped
    st, _, page = web.get("/u/" + tok + "?lang=fr")
    assert "Expéditeurs bloqués" in page and "tout le domaine other.example" in page
    assert "Bloquer cet expéditeur" in page and "Bloquer : tout le domaine junk.example" in page
    # the same CSRF check as every other action
    f = fields(page)
    f.update({"csrf": f["csrf"][:-2] + ("AA" if f["csrf"][-2:] != "AA" else "BB"),
              "action": "block", "sender": "evil.example"})
    st, _, _ = web.post_form("/u/" + tok, f)
    assert st == 403
    assert web.blocked("bob@example.org", "x@evil.example") == 0
    log = web.logtext()
    assert "event=blocked by=recipient" in log


def test_blocked_sender_cannot_release_what_was_held_before(web):
    """A block set after a message was held stops the sender's own release link (in
    both languages); the recipient can still release it from their page."""
    h, rel = web.hold(sender="spam@junk.example", rcpt="bob@example.org")
    st, _, page = web.get("/r/" + rel)
    assert st == 200 and "captcha" in page
    _, tok = rtoken(web, "bob@example.org")
    st, _, upage = web.get("/u/" + tok)
    st, _, upage = act(web, tok, upage, action="block", sender="junk.example")
    assert st == 200
    st, _, page = web.get("/r/" + rel)
    assert st == 403 and "The recipient does not accept mail from you" in page, page
    assert "<form" not in page
    st, _, page = web.get("/r/" + rel, headers={"Accept-Language": "fr"})
    assert st == 403 and "accepte pas vos messages" in page
    assert web.show(h)["state"] == "held"
    assert "reason=sender_blocked" in web.logtext()
    st, _, upage = act(web, tok, upage, action="release", id=h)
    assert st == 200 and web.show(h)["state"] == "released"


def test_message_id_past_int64_is_unknown(web):
    # 19 digits pass the length check but not int64_t: the id parser must refuse them
    # (it overflowed, undefined behaviour that UBSan turns into a crash) and answer
    # as for any id that is not the recipient's
    web.hold(sender="alice@example.net", rcpt="bob@example.org")
    _, tok = rtoken(web, "bob@example.org")
    st, _, page = web.get("/u/" + tok)
    for bad in ("9223372036854775808", "9999999999999999999"):
        st, _, body = act(web, tok, page, action="release", id=bad)
        assert st == 404, body
        assert "No such message is held for you" in body
    st, _, _ = web.get("/u/" + tok)
    assert st == 200
    assert "runtime error" not in web.logtext()


@pytest.mark.parametrize("sender", ['"john doe"@example.net', "jörg@exämple.net",
                                    "x@[192.0.2.7]"])
def test_any_sender_smtp_accepts_can_be_blocked_and_removed(web, sender):
    """ecluse-smtpd takes a quoted local part, SMTPUTF8 addresses and an address
    literal in MAIL FROM, and a release whitelists that sender as given: the
    recipient must be able to block it from its held row, and remove the entry."""
    h, _ = web.hold(sender=sender, rcpt="bob@example.org")
    _, tok = rtoken(web, "bob@example.org")
    st, _, page = web.get("/u/" + tok)
    row = re.search(r'<tr id="held-%d">.*?</tr>' % h, page, re.S).group(0)
    posted = re.search(r'name="sender" value="([^"]*)"', row).group(1)
    assert html.unescape(posted) == sender
    st, _, page = act(web, tok, page, action="block", sender=sender)
    assert st == 200, page
    assert web.lists("bob@example.org", sender) == {"allows": 0, "blocks": 1}
    st, _, page = act(web, tok, page, action="remove", sender=sender)
    assert st == 200 and "no longer on your list" in page, page
    assert web.blocked("bob@example.org", sender) == 0


@pytest.mark.parametrize("typed", ["bob smith@example.com", "a\x01b@example.com",
                                   "<x>@example.com", "@example.com", "example",
                                   '"a"b"@example.com', "x@[1.2.3.4", "x@exa mple.com"])
def test_typed_sender_that_is_no_address_is_refused(web, typed):
    _, tok = rtoken(web, "bob@example.org")
    st, _, page = web.get("/u/" + tok)
    st, _, body = act(web, tok, page, action="block", sender=typed)
    assert st == 400 and "not an email address or a domain name" in body
