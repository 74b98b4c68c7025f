// tests/browser/recipient.mjs - the recipient's side in Chromium: the digest mail and
// the recipient page it links to.
//
// All through the real processes: messages from two first-time senders to ann are
// refused with the 550 and held; "eclusectl digest send" mails ann's digest through
// the next hop, the sink; the digest is read back from the sink (its text part) and
// its links are followed in Chromium: the page link shows both messages, the
// per-message release link the sender's release page, the per-message "allow" link
// the page at that message's row. On the page: a sender allowed (their next mail is
// relayed with 250), a message released (the sink gets it exactly once), one deleted,
// the entry removed (the sender's next mail is held again), the sender blocked from a
// held message (its next mail is refused at RCPT, 550 5.7.1 without a link) and
// unblocked. A tampered page token is 404. A domain with language = fr gets a French
// digest and page.

import {
  DUPLICATE_WAIT, E, FR_DOMAIN, SENDER_DOMAIN, assert, checkPage, digestSend, look,
  makeMessage, need, newPage, open, poll, send, sinkDigests, sinkMessages, sleep, test, text,
} from './lib.mjs';

const ANN = { name: 'Ann Lebrun', addr: 'ann@example.org' };
const MARIE = { name: 'Marie Dupont', addr: `marie@${FR_DOMAIN}` };
const GINA = { name: 'Gina Rossi', addr: `gina@${SENDER_DOMAIN}` };
const HUGO = { name: 'Hugo Weber', addr: `hugo@${SENDER_DOMAIN}` };
const flow = { held: {} };

const escRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// Sends from `from` to `to`; returns the release link of the 550, failing otherwise.
async function sendHeld(from, to, subject) {
  const r = await send(from.addr, makeMessage(from, subject, [`Hello ${to.name},`, '', 'see below.']), to.addr);
  assert(r.stage === 'data' && r.code === 550,
    `${from.addr} -> ${to.addr}: expected 550 at the end of data, got ${r.code} at ${r.stage}: ${r.lines.join(' | ')}`);
  const m = new RegExp(`${escRe(E.base)}/r/[A-Za-z0-9_-]+`).exec(r.lines.join(' '));
  assert(m, `no release link in the 550: ${r.lines.join(' | ')}`);
  return m[0];
}

// The digest's text part cut into its page link and one {sender, subject, release,
// allow} per message ("* From:" blocks, the labels of templates/LANG/digest-row.txt
// in either language: the URLs are what the blocks are read by).
function readDigest(t) {
  const base = escRe(E.base);
  // the page link is alone on its line; the per-message ones follow a label
  const pageUrl = new RegExp(`^(${base}/u/[A-Za-z0-9_-]+(?:\\?lang=[a-z]+)?)\\r?$`, 'm').exec(t);
  const rows = t.split(/^\* /m).slice(1).map((block) => ({
    block,
    release: new RegExp(`${base}/r/[A-Za-z0-9_-]+(?:\\?lang=[a-z]+)?`).exec(block)?.[0],
    allow: new RegExp(`${base}/u/[^\\s#]+#held-\\d+`).exec(block)?.[0],
  }));
  return { page: pageUrl?.[1], rows };
}

// Presses a button of a form on the page, as a person does; returns the HTTP status of
// the page the form led to.
async function press(page, button) {
  const [resp] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && r.request().isNavigationRequest()),
    button.click(),
  ]);
  await page.waitForLoadState('load');
  return resp.status();
}

const heldRow = (page, subject) => page.locator('table.held tbody tr', { hasText: subject });
const notice = (page) => text(page, '.notice');

test('messages from two first-time senders to the recipient are held (550 with a release link)', async () => {
  flow.subjects = { gina: 'Quote for the new sluice gates', hugo: 'Boat registration renewal' };
  flow.held.gina = await sendHeld(GINA, ANN, flow.subjects.gina);
  flow.held.hugo = await sendHeld(HUGO, ANN, flow.subjects.hugo);
  for (const s of Object.values(flow.subjects))
    assert(sinkMessages(s).length === 0, `"${s}" reached the recipient before its release`);
});

test('"eclusectl digest send" mails the recipient one digest listing both, through the next hop', async () => {
  need(flow.held.hugo, 'the two held messages');
  const out = await digestSend();
  assert(out.failed === 0, `digest send: ${JSON.stringify(out)}`);
  const mine = out.digests.filter((d) => d.rcpt === ANN.addr);
  assert(mine.length === 1 && mine[0].messages === 2 && mine[0].sent,
    `the report for ${ANN.addr}: ${JSON.stringify(mine)}`);
  const [d] = await poll(`the digest of ${ANN.addr} at the sink`, () => {
    const v = sinkDigests(ANN.addr);
    return v.length > 0 && v;
  });
  assert(d.text, 'the digest has no text/plain part');
  for (const who of [GINA, HUGO])
    assert(d.text.includes(who.addr), `the digest does not name ${who.addr}:\n${d.text}`);
  for (const s of Object.values(flow.subjects))
    assert(d.text.includes(s), `the digest does not name "${s}":\n${d.text}`);
  const g = readDigest(d.text);
  assert(g.page, `no link to the recipient page in the digest:\n${d.text}`);
  assert(g.rows.length === 2 && g.rows.every((r) => r.release && r.allow),
    `expected two messages with a release and an allow link each:\n${d.text}`);
  flow.digest = g;
  flow.row = (s) => g.rows.find((r) => r.block.includes(s));
  // a second run sends ann nothing more
  const again = await digestSend();
  assert(!again.digests.some((x) => x.rcpt === ANN.addr), `a second run mailed ${ANN.addr} again`);
});

test('the digest\'s page link opens the recipient page in Chromium, listing both messages', async () => {
  need(flow.digest, 'the digest');
  const page = await newPage();
  assert(await open(page, flow.digest.page) === 200, 'the recipient page is not 200');
  const h1 = await checkPage(page, 'recipient page');
  assert(h1 === `Messages held for ${ANN.addr}`, `heading: ${h1}`);
  for (const [who, s] of [[GINA, flow.subjects.gina], [HUGO, flow.subjects.hugo]]) {
    const row = heldRow(page, s);
    assert(await row.count() === 1, `no row for "${s}"`);
    assert((await row.innerText()).includes(who.addr), `the row of "${s}" does not name ${who.addr}`);
  }
  await look(page, 'recipient');
  flow.page = page;
});

test('the digest\'s per-message links: the release page of that message, and its row on the page', async () => {
  need(flow.digest, 'the digest');
  const page = await newPage();
  const rel = flow.row(flow.subjects.hugo);
  assert(rel, 'the digest has no block for hugo\'s message');
  assert(await open(page, rel.release) === 200, 'the release link is not 200');
  const h1 = await checkPage(page, 'release page from the digest');
  assert(h1 === 'Your message is waiting', `heading: ${h1}`);
  assert((await text(page, 'dl.message')).includes(flow.subjects.hugo), 'the release page does not name the subject');
  assert(await open(page, rel.allow) === 200, 'the per-message page link is not 200');
  const id = rel.allow.split('#')[1];
  const row = page.locator(`tr#${id}`);
  assert(await row.count() === 1, `the page has no row ${id}`);
  assert((await row.innerText()).includes(flow.subjects.hugo), `row ${id} is not hugo's message`);
});

test('"Always accept this sender" on the page: the sender\'s next mail is relayed (250)', async () => {
  need(flow.page, 'the recipient page');
  const page = flow.page;
  const status = await press(page, heldRow(page, flow.subjects.gina).getByRole('button', { name: 'Always accept this sender' }));
  assert(status === 200, `allow: HTTP ${status}`);
  await checkPage(page, 'page after allow');
  assert((await notice(page)).startsWith('Done: mail from this sender now reaches you directly'), `notice: ${await notice(page)}`);
  assert((await text(page, 'table.wl')).includes(GINA.addr), 'the list does not show the allowed sender');
  const subject = 'Sluice gates: revised drawings';
  const r = await send(GINA.addr, makeMessage(GINA, subject, ['Ann,', '', 'the drawings.'], ANN), ANN.addr);
  assert(r.stage === 'data' && r.code === 250, `expected 250, got ${r.code} at ${r.stage}: ${r.lines.join(' | ')}`);
  const m = await poll('the allowed sender\'s message at the sink', () => sinkMessages(subject)[0]);
  assert(JSON.stringify(m.envelope.rcpt_to) === JSON.stringify([ANN.addr]), `delivered to ${JSON.stringify(m.envelope.rcpt_to)}`);
  flow.allowed = true;
});

test('"Release" on the page: the sink receives the message exactly once', async () => {
  need(flow.page, 'the recipient page');
  const page = flow.page;
  const status = await press(page, heldRow(page, flow.subjects.gina).getByRole('button', { name: 'Release', exact: true }));
  assert(status === 200, `release: HTTP ${status}`);
  await checkPage(page, 'page after release');
  assert((await notice(page)).startsWith('The message was released'), `notice: ${await notice(page)}`);
  assert(await heldRow(page, flow.subjects.gina).count() === 0, 'the released message is still listed');
  const got = await poll('the released message at the sink', () => {
    const v = sinkMessages(flow.subjects.gina);
    return v.length > 0 && v;
  }, 90_000);
  await sleep(DUPLICATE_WAIT);
  const all = sinkMessages(flow.subjects.gina);
  assert(all.length === 1, `the sink received the message ${all.length} times`);
  assert(JSON.stringify(got[0].envelope.rcpt_to) === JSON.stringify([ANN.addr]), `delivered to ${JSON.stringify(got[0].envelope.rcpt_to)}`);
  assert(got[0].envelope.mail_from === GINA.addr, `MAIL FROM was ${got[0].envelope.mail_from}`);
  assert(/(^|\r\n)X-Ecluse-Released: /.test(got[0].data), 'the delivered copy does not record its release');
});

test('"Delete" on the page: the message is gone, and its release link says so (404)', async () => {
  need(flow.page, 'the recipient page');
  const page = flow.page;
  const status = await press(page, heldRow(page, flow.subjects.hugo).getByRole('button', { name: 'Delete', exact: true }));
  assert(status === 200, `delete: HTTP ${status}`);
  await checkPage(page, 'page after delete');
  assert((await notice(page)).startsWith('The message was deleted'), `notice: ${await notice(page)}`);
  assert(await heldRow(page, flow.subjects.hugo).count() === 0, 'the deleted message is still listed');
  const other = await newPage();
  assert(await open(other, flow.row(flow.subjects.hugo).release) === 404, 'the deleted message\'s release link is not 404');
  assert(await checkPage(other, 'deleted message page') === 'We cannot find this message', 'not the "cannot find" page');
  assert(await other.locator('form').count() === 0, 'the deleted message\'s page shows a form');
  assert(sinkMessages(flow.subjects.hugo).length === 0, 'the deleted message was delivered');
});

test('"Remove" on the page: the entry is gone, and the sender\'s next mail is held again (550)', async () => {
  need(flow.allowed, 'the allow');
  const page = flow.page;
  const row = page.locator('table.wl tbody tr', { hasText: GINA.addr });
  const status = await press(page, row.getByRole('button', { name: 'Remove' }));
  assert(status === 200, `remove: HTTP ${status}`);
  await checkPage(page, 'page after remove');
  assert((await notice(page)).startsWith('Done: this sender is no longer on your list'), `notice: ${await notice(page)}`);
  assert(await page.locator('table.wl').count() === 0, 'the list is not empty');
  flow.subjects.again = 'Sluice gates: one more question';
  await sendHeld(GINA, ANN, flow.subjects.again);
});

test('"Block this sender" on a held message: the sender\'s next mail is refused at RCPT, without a link', async () => {
  need(flow.page, 'the recipient page');
  const page = flow.page;
  await page.reload();
  const row = heldRow(page, flow.subjects.again);
  assert(await row.count() === 1, 'the message held after the removal is not listed');
  const status = await press(page, row.getByRole('button', { name: 'Block this sender' }));
  assert(status === 200, `block: HTTP ${status}`);
  await checkPage(page, 'page after block');
  assert((await notice(page)).startsWith('Done: mail from this sender is now refused'), `notice: ${await notice(page)}`);
  assert((await text(page, 'table.bl')).includes(GINA.addr), 'the blocked sender is not listed');
  assert(await page.locator('table.wl').count() === 0, 'the blocked sender is listed as accepted');
  await look(page, 'recipient-blocked');
  const r = await send(GINA.addr, makeMessage(GINA, 'Sluice gates: are you there?', ['Ann?'], ANN), ANN.addr);
  assert(r.stage === 'rcpt' && r.code === 550, `expected 550 at RCPT, got ${r.code} at ${r.stage}: ${r.lines.join(' | ')}`);
  assert(r.lines.join(' ').startsWith('5.7.1 '), `not 5.7.1: ${r.lines.join(' | ')}`);
  assert(!r.lines.join(' ').includes('/r/'), `the refusal carries a release link: ${r.lines.join(' | ')}`);
  flow.blocked = true;
});

test('"Remove" on the blocked sender: its next mail is held again (550 with a link)', async () => {
  need(flow.blocked, 'the block');
  const page = flow.page;
  const status = await press(page, page.locator('table.bl tbody tr', { hasText: GINA.addr }).getByRole('button', { name: 'Remove' }));
  assert(status === 200, `remove: HTTP ${status}`);
  assert((await notice(page)).startsWith('Done: this sender is no longer on your list'), `notice: ${await notice(page)}`);
  assert(await page.locator('table.bl').count() === 0, 'the blocked list is not empty');
  await sendHeld(GINA, ANN, 'Sluice gates: last try');
});

test('a tampered page token says the link does not work (HTTP 404)', async () => {
  need(flow.digest, 'the digest');
  const url = new URL(flow.digest.page);
  const token = url.pathname.split('/u/')[1];
  const mid = token.length >> 1;
  url.pathname = `/u/${token.slice(0, mid)}${token[mid] === 'A' ? 'B' : 'A'}${token.slice(mid + 1)}`;
  const page = await newPage();
  assert(await open(page, url.href) === 404, 'the tampered link is not 404');
  assert(await checkPage(page, 'tampered link page') === 'This link does not work', 'not the "does not work" page');
  assert(await page.locator('form').count() === 0, 'the tampered link shows a form');
  assert(!(await text(page, 'main')).includes(ANN.addr), 'the tampered link names the recipient');
});

test('a domain with language = fr: a French digest, and its link opens the French page', async () => {
  const subject = 'Facture des portes d\'écluse';
  await sendHeld(GINA, MARIE, subject);
  const out = await digestSend();
  assert(out.failed === 0, `digest send: ${JSON.stringify(out)}`);
  const [d] = await poll(`the digest of ${MARIE.addr} at the sink`, () => {
    const v = sinkDigests(MARIE.addr);
    return v.length > 0 && v;
  });
  assert(d.text && d.text.includes(subject), `the French digest does not name the subject:\n${d.text}`);
  assert(d.text.startsWith('Bonjour'), `the digest is not in French:\n${d.text.slice(0, 200)}`);
  const g = readDigest(d.text);
  assert(g.page, `no page link in the French digest:\n${d.text}`);
  const page = await newPage('en');        // the link itself asks for French
  assert(await open(page, g.page) === 200, 'the French page is not 200');
  const h1 = await checkPage(page, 'French recipient page');
  assert(h1 === `Messages retenus pour ${MARIE.addr}`, `heading: ${h1}`);
  assert(await page.locator('html').getAttribute('lang') === 'fr', 'html lang is not fr');
  assert(await heldRow(page, subject).count() === 1, 'the French page does not list the message');
  await look(page, 'recipient-fr');
});
