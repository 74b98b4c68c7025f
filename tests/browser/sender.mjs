// tests/browser/sender.mjs - the sender's side in Chromium: the release link that a
// refused message's bounce carries, the CAPTCHA page and the release.
//
// The sender's flow, through the real processes: a message sent with Python's smtplib
// is refused with the 550 and its release link; the link is opened in Chromium; the
// CAPTCHA's answer is read with "eclusectl challenge-answer", typed and submitted; the
// sink must receive the message once, and the next message from that sender must pass.
// Other cases: wrong answers, an expired link, a spent link, a link that does not
// work, French.
//
// The spent link is the one released above. The messages of the other page cases are
// held through the store API by tests/integration/web_seed (as ecluse-smtpd holds
// them, with a token signed by the same key), so that they do not depend on the
// verdict's weights; and an expired link cannot come from ecluse-smtpd within a test
// ([policy] release_lifetime is at least an hour): web_seed makes one whose expiry is
// an hour past.
//
// The pages are looked at at desktop (1280x800) and phone (390x844) widths; with
// --screenshots they are saved as PNG (lib.mjs look()).

import {
  DESKTOP, DUPLICATE_WAIT, E, PHONE, RCPT, SENDER_DOMAIN, assert, captcha,
  challengeAnswer, checkPage, inView, look, makeMessage, need, newPage, open, poll, seedHeld,
  send, sinkMessages, sleep, submit, test, text,
} from './lib.mjs';

const flow = {};

const ALICE = { name: 'Alice Martin', addr: `alice@${SENDER_DOMAIN}` };

test('a first-time sender gets 550 5.7.1 with the release link on its first and last lines', async () => {
  flow.subject = 'Invoice 2026-118 for the lock gate repairs';
  const r = await send(ALICE.addr, makeMessage(ALICE, flow.subject,
    ['Hello Bob,', '', 'please find the figures for the gate repairs below.', '', 'Alice']));
  assert(r.stage === 'data' && r.code === 550,
    `expected 550 at the end of data, got ${r.code} at ${r.stage}: ${r.lines.join(' | ')}` +
    (r.code === 250 ? ' (the verdict relayed a first-time, unauthenticated sender: is the policy wired in?)' : ''));
  const link = new RegExp(`${E.base.replace(/[.]/g, '\\.')}/r/([A-Za-z0-9_-]{66})(?![A-Za-z0-9_-])`);
  const first = link.exec(r.lines[0]);
  const last = link.exec(r.lines[r.lines.length - 1]);
  assert(first && last, `no release link on the first and last lines: ${r.lines.join(' | ')}`);
  assert(first[1] === last[1], 'the first and last lines carry different links');
  assert(r.lines.every((l) => l.startsWith('5.7.1 ')), `not every line has 5.7.1: ${r.lines.join(' | ')}`);
  assert(sinkMessages(flow.subject).length === 0, 'the held message reached the recipient before its release');
  flow.url = `${E.base}/r/${first[1]}`;
});

test('the link opens the release page, with the message and a picture', async () => {
  need(flow.url, 'the 550');
  const page = await newPage();
  flow.page = page;
  assert(await open(page, flow.url) === 200, 'the release page is not 200');
  const h1 = await checkPage(page, 'release page');
  assert(h1 === 'Your message is waiting', `heading: ${h1}`);
  const msg = await text(page, 'dl.message');
  for (const s of [flow.subject, RCPT, ALICE.addr])
    assert(msg.includes(s), `the page does not name ${s}: ${msg}`);
  await captcha(page);
  assert(await page.locator('#answer').isVisible(), 'no answer box');
  assert(await page.locator('form button[type="submit"]').isVisible(), 'no button');
  await look(page, 'release');
  // on a phone the page opens at its top: first what happened, then the form (its own
  // browser profile, so that its picture does not replace the one above)
  const phone = await newPage('en', PHONE);
  assert(await open(phone, flow.url) === 200, 'the release page on a phone is not 200');
  await captcha(phone);
  const v = await inView(phone, ['h1']);
  assert(v.scrollY === 0 && v.h1, `on a phone the page opens scrolled down by ${v.scrollY}px, past its heading`);
});

test('the answer from "eclusectl challenge-answer" releases the message', async () => {
  need(flow.page, 'the release page');
  const page = flow.page;
  const answer = await challengeAnswer(page, flow.url);
  const fields = await page.evaluate(() => Object.fromEntries(new FormData(document.querySelector('form'))));
  const status = await submit(page, answer.toLowerCase());
  assert(status === 200, `after the right answer: HTTP ${status}: ${await text(page, 'h1').catch(() => '?')}`);
  const h1 = await checkPage(page, 'success page');
  assert(h1 === 'Thank you, your message is on its way', `heading: ${h1}`);
  assert((await text(page, 'main')).includes(RCPT), 'the success page does not name the recipient');
  await look(page, 'released');
  flow.released = true;
  // the same form sent again (a double click, a reload): refused, nothing queued twice
  const again = await page.request.post(flow.url, { form: { ...fields, answer } });
  assert(again.status() === 410, `the same answer posted again: HTTP ${again.status()}, not 410`);
  assert((await again.text()).includes('This message was already released'), 'the repeated post does not say "already released"');
});

test('the recipient\'s server receives the released message exactly once', async () => {
  need(flow.released, 'the release');
  const got = await poll('the released message at the sink', () => {
    const m = sinkMessages(flow.subject);
    return m.length > 0 && m;
  }, 90_000);
  await sleep(DUPLICATE_WAIT);
  const all = sinkMessages(flow.subject);
  assert(all.length === 1, `the sink received the message ${all.length} times`);
  const m = got[0];
  assert(JSON.stringify(m.envelope.rcpt_to) === JSON.stringify([RCPT]), `delivered to ${JSON.stringify(m.envelope.rcpt_to)}`);
  assert(m.envelope.mail_from === ALICE.addr, `MAIL FROM was ${m.envelope.mail_from}`);
  assert(/(^|\r\n)X-Ecluse-Released: by sender after challenge;/.test(m.data), 'the delivered copy does not record its release');
  assert(m.data.includes('please find the figures for the gate repairs below.'), 'the body did not arrive');
  flow.delivered = true;
});

test('a second message from the same sender now passes (250, delivered)', async () => {
  need(flow.released, 'the release');
  const subject = 'Invoice 2026-118, corrected total';
  const r = await send(ALICE.addr, makeMessage(ALICE, subject, ['Bob,', '', 'the total was wrong; here it is again.']));
  assert(r.stage === 'data' && r.code === 250, `expected 250 at the end of data, got ${r.code} at ${r.stage}: ${r.lines.join(' | ')}`);
  const m = await poll('the second message at the sink', () => sinkMessages(subject)[0]);
  assert(!/(^|\r\n)X-Ecluse-Released:/.test(m.data), 'the second message went through the quarantine');
});

test('the spent link shows "already released" (HTTP 410)', async () => {
  need(flow.released, 'the release');
  const page = await newPage();
  const status = await open(page, flow.url);
  assert(status === 410, `spent link: HTTP ${status}`);
  const h1 = await checkPage(page, 'spent link page');
  assert(h1 === 'This message was already released', `heading: ${h1}`);
  assert(await page.locator('form').count() === 0, 'the spent link still shows a form');
  await look(page, 'spent');
});

test('a wrong answer says so and shows a new picture; the right one then works', async () => {
  const subject = 'Draft contract, second version';
  const url = await seedHeld(`carol@${SENDER_DOMAIN}`, subject);
  const page = await newPage();
  assert(await open(page, url) === 200, 'release page not 200');
  let src = await captcha(page);
  for (let i = 1; i <= 2; i++) {
    // the second time on a phone: the notice and the new picture must be in view
    if (i === 2) await page.setViewportSize(PHONE);
    const right = await challengeAnswer(page, url);
    // a typo: the same length, not the answer
    const wrong = right.slice(1) + (right[0] === 'A' ? 'B' : 'A');
    const status = await submit(page, wrong);
    assert(status === 422, `wrong answer ${i}: HTTP ${status}`);
    await checkPage(page, 'wrong answer page');
    const alert = await text(page, '[role="alert"]');
    assert(alert.startsWith('That was not the text in the picture'), `wrong answer ${i}: the page says "${alert}"`);
    assert(await text(page, 'dl.message').then((t) => t.includes(subject)), 'the message is not named any more');
    const now = await captcha(page);
    assert(now !== src, `wrong answer ${i}: the same picture again`);
    src = now;
    assert(await page.locator('#answer').inputValue() === '', 'the wrong answer is still in the box');
    if (i === 1) await look(page, 'wrong-answer');
    if (i === 2) {
      const v = await inView(page, ['[role="alert"]', 'img.captcha', '#answer']);
      assert(v['[role="alert"]'] && v['img.captcha'] && v['#answer'],
        `on a phone after a wrong answer, not all in view: ${JSON.stringify(v)}`);
      await page.setViewportSize(DESKTOP);
    }
  }
  const status = await submit(page, await challengeAnswer(page, url));
  assert(status === 200, `right answer after wrong ones: HTTP ${status}`);
  assert(await checkPage(page, 'success page') === 'Thank you, your message is on its way', 'no success page');
});

test('an expired link says so (HTTP 410) and shows no form', async () => {
  const url = await seedHeld(`dave@${SENDER_DOMAIN}`, 'Minutes of the October meeting', -3600);
  const page = await newPage();
  const status = await open(page, url);
  assert(status === 410, `expired link: HTTP ${status}`);
  const h1 = await checkPage(page, 'expired page');
  assert(h1 === 'This link has expired', `heading: ${h1}`);
  assert((await text(page, 'main')).includes('send it again'), 'the expired page does not say what to do');
  assert(await page.locator('form').count() === 0, 'the expired link shows a form');
  await look(page, 'expired');
});

test('a broken or forged link says it does not work (HTTP 404)', async () => {
  const url = await seedHeld(`erin@${SENDER_DOMAIN}`, 'Photos');
  const token = url.split('/r/')[1];
  // a link cut short by a mail program, and one changed in its middle
  const cut = `${E.base}/r/${token.slice(0, 40)}`;
  const mid = token.length >> 1;
  const forged = `${E.base}/r/${token.slice(0, mid)}${token[mid] === 'A' ? 'B' : 'A'}${token.slice(mid + 1)}`;
  const page = await newPage();
  for (const [what, u] of [['cut', cut], ['forged', forged]]) {
    const status = await open(page, u);
    assert(status === 404, `${what} link: HTTP ${status}`);
    const h1 = await checkPage(page, `${what} link page`);
    assert(h1 === 'This link does not work', `${what} link heading: ${h1}`);
    assert(await page.locator('form').count() === 0, `${what} link shows a form`);
  }
  await look(page, 'notfound');
});

test('French: Accept-Language fr gives the French page; the language link switches both ways', async () => {
  const subject = 'Devis pour l\'écluse n° 3';
  const url = await seedHeld(`francois@${SENDER_DOMAIN}`, subject);
  const page = await newPage('fr');
  assert(await open(page, url) === 200, 'release page not 200');
  let h1 = await checkPage(page, 'French release page');
  assert(h1 === 'Votre message est en attente', `French heading: ${h1}`);
  assert(await page.locator('html').getAttribute('lang') === 'fr', 'html lang is not fr');
  assert((await text(page, 'dl.message')).includes(subject), 'the French page does not show the subject');
  assert((await text(page, 'form button[type="submit"]')).length > 0, 'no button text');
  await captcha(page);
  await look(page, 'release-fr');
  // to English and back, by the link a person clicks
  await Promise.all([page.waitForURL(/[?&]lang=en\b/), page.getByRole('link', { name: 'English' }).click()]);
  h1 = await checkPage(page, 'page switched to English');
  assert(h1 === 'Your message is waiting', `after the English link: ${h1}`);
  assert(await page.locator('html').getAttribute('lang') === 'en', 'html lang is not en after the switch');
  await Promise.all([page.waitForURL(/[?&]lang=fr\b/), page.getByRole('link', { name: 'Français' }).click()]);
  h1 = await checkPage(page, 'page switched back to French');
  assert(h1 === 'Votre message est en attente', `after the French link: ${h1}`);
  await captcha(page);
  // the release in French ends on the French success page
  const status = await submit(page, await challengeAnswer(page, url));
  assert(status === 200, `French release: HTTP ${status}`);
  h1 = await checkPage(page, 'French success page');
  assert(h1 === 'Merci, votre message est en route', `French success heading: ${h1}`);
  await look(page, 'released-fr');
});
