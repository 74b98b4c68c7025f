// tests/browser/lib.mjs - what the browser tests share: the daemons they run against,
// the mail they send and read back, the browser pages they open, and the runner that
// plays the cases the test files register (tests/browser/run.mjs is the entry point).
//
// The environment, set up once for every case, on free loopback ports in a temporary
// folder: nsd (the DNS of the sender's domain, and NXDOMAIN for everything else, so that
// SPF, DKIM and DMARC get quick real answers), tests/sink.py (the recipients' mail
// server), ecluse-smtpd and ecluse-web with one config file, and Debian's Chromium
// driven by playwright-core. Served domains: example.org (English) and exemple.fr
// (language = fr), both delivered to the sink.
//
// Every assertion is on what a person sees (text on the page, the HTTP status, the
// picture shown, the page fitting the screen) or on what the mail servers see (SMTP
// replies, the messages the sink stored).
//
// Output: "ok - NAME" or "not ok - NAME: REASON" per case (details on "# " lines), and
// last "browser: N passed, M failed". A set-up that fails (a binary not built, a daemon
// that does not start) is one failure. Every process started here is stopped by its PID
// at the end, also after a failure or SIGINT/SIGTERM; with keep the temporary folder
// (logs, store, sink) is kept for a look.
//
// Binaries: $ECLUSE_BUILD (tests/run points it at its sanitizer build), else the
// worktree's build/dev, then build/test.

import { execFile, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PYTHON = '/usr/bin/python3';
const CHROMIUM = '/usr/bin/chromium';
const NSD = '/usr/sbin/nsd';
// No network beyond loopback, no background traffic, no browser download or update.
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };
// Bounds that stop a hung case, not measures of speed: the daemons are sanitizer
// builds on a shared two-core machine.
export const WAIT_MAX = 60_000;
const CASE_MAX = 180_000;
const POLL_MS = 50;
// The re-injection runner looks for released mail at least every 3 s (REINJECT_POLL in
// smtpd/reinject.h): a second copy would have come within this after the first.
export const DUPLICATE_WAIT = 10_000;
const SANITIZER_MARKERS = ['ERROR: AddressSanitizer', 'ERROR: LeakSanitizer', 'runtime error:',
  'ERROR: UndefinedBehaviorSanitizer'];

export const HOSTNAME = 'mx.ecluse.test';
export const SENDER_DOMAIN = 'sender.test';
const SENDER_HELO = `mta.${SENDER_DOMAIN}`;
export const RCPT = 'bob@example.org';
// A served domain whose digests and recipient pages are in French.
export const FR_DOMAIN = 'exemple.fr';

// Set by run() from the command line.
let shotsDir = null;
let keep = false;

function buildDir() {
  if (process.env.ECLUSE_BUILD) return path.resolve(process.env.ECLUSE_BUILD);
  for (const d of ['build/dev', 'build/test'])
    if (fs.existsSync(path.join(REPO, d, 'smtpd', 'ecluse-smtpd'))) return path.join(REPO, d);
  return path.join(REPO, 'build', 'dev');
}
const BUILD = buildDir();
export const BIN = {
  smtpd: path.join(BUILD, 'smtpd', 'ecluse-smtpd'),
  web: path.join(BUILD, 'release-web', 'ecluse-web'),
  ctl: path.join(BUILD, 'ctl', 'eclusectl'),
  seed: path.join(BUILD, 'tests', 'integration', 'web_seed'),
};

// ------------------------------------------------------------------ small helpers

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class Failure extends Error {}

export function assert(cond, message) {
  if (!cond) throw new Failure(message);
}

export async function poll(what, check, timeout = WAIT_MAX) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Failure(`timed out after ${timeout / 1000} s waiting for ${what}`);
    await sleep(POLL_MS);
  }
}

export function run(file, args, input) {
  return new Promise((resolve) => {
    const child = execFile(file, args, { timeout: WAIT_MAX, maxBuffer: 1 << 20 },
      (err, stdout, stderr) => resolve({ code: err ? (err.code ?? 1) : 0, stdout, stderr }));
    if (input !== undefined) child.stdin.end(input);
  });
}

function tcpPort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// A port free for both UDP and TCP (c-ares falls back to TCP for long answers).
async function udpTcpPort() {
  for (let i = 0; i < 50; i++) {
    const u = dgram.createSocket('udp4');
    const port = await new Promise((resolve) => u.bind(0, '127.0.0.1', () => resolve(u.address().port)));
    const ok = await new Promise((resolve) => {
      const t = net.createServer();
      t.on('error', () => resolve(false));
      t.listen(port, '127.0.0.1', () => t.close(() => resolve(true)));
    });
    await new Promise((r) => u.close(r));
    if (ok) return port;
  }
  throw new Failure('no port free for both UDP and TCP');
}

// True when process pid holds a socket listening on TCP port (from /proc), so that a
// daemon is not taken for ready because another process got its port.
function listeningBy(pid, port) {
  const inodes = new Set();
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let lines;
    try { lines = fs.readFileSync(f, 'utf8').split('\n').slice(1); } catch { continue; }
    for (const line of lines) {
      const c = line.trim().split(/\s+/);
      if (c.length > 9 && c[3] === '0A' && parseInt(c[1].split(':').pop(), 16) === port) inodes.add(c[9]);
    }
  }
  let fds;
  try { fds = fs.readdirSync(`/proc/${pid}/fd`); } catch { return false; }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m && inodes.has(m[1])) return true;
    } catch { /* closed meanwhile */ }
  }
  return false;
}

// ------------------------------------------------------------------ processes

class Proc {
  constructor(name, file, args, logPath, cwd) {
    this.name = name;
    this.logPath = logPath;
    this.exited = null;
    this.stopping = false;
    const fd = fs.openSync(logPath, 'w');
    // its own session: a ^C to the runner does not reach it; it is stopped by PID
    this.child = spawn(file, args, { stdio: ['ignore', fd, fd], detached: true, cwd });
    fs.closeSync(fd);
    this.pid = this.child.pid;
    this.done = new Promise((resolve) => {
      this.child.on('error', (e) => { this.exited = { code: null, signal: null, error: e.message }; resolve(); });
      this.child.on('exit', (code, signal) => { this.exited = { code, signal }; resolve(); });
    });
  }

  alive() { return this.exited === null; }

  log() {
    try { return fs.readFileSync(this.logPath, 'utf8'); } catch { return ''; }
  }

  // SIGTERM by PID, SIGKILL when it does not exit in 15 s.
  async stop() {
    this.stopping = true;
    if (this.alive() && this.pid) {
      try { process.kill(this.pid, 'SIGTERM'); } catch { /* gone */ }
      const t = await Promise.race([this.done.then(() => 'exited'), sleep(15_000).then(() => 'late')]);
      if (t === 'late') {
        try { process.kill(this.pid, 'SIGKILL'); } catch { /* gone */ }
        await this.done;
      }
    }
    return this.exited;
  }
}

const procs = [];
let workdir = null;
let browser = null;

function start(name, file, args) {
  let logPath = path.join(workdir, `${name}.log`);
  for (let n = 2; fs.existsSync(logPath); n++) logPath = path.join(workdir, `${name}-${n}.log`);
  const p = new Proc(name, file, args, logPath, workdir);
  procs.push(p);
  return p;
}

function tail(text, lines = 15) {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

// Stops every process, last started first; returns the problems found (a process that
// died by itself, or did not exit 0 on SIGTERM, or whose log has a sanitizer report).
async function stopAll() {
  const problems = [];
  if (browser) {
    await browser.close().catch(() => {});
    browser = null;
  }
  for (const p of procs.slice().reverse()) {
    const diedBefore = !p.alive() && !p.stopping;
    const st = await p.stop();
    if (diedBefore)
      problems.push(`${p.name} (pid ${p.pid}) exited by itself: ${JSON.stringify(st)}\n${tail(p.log())}`);
    else if (st && st.code !== 0)
      problems.push(`${p.name} (pid ${p.pid}) ended with ${JSON.stringify(st)} on SIGTERM\n${tail(p.log())}`);
    const log = p.log();
    const marker = SANITIZER_MARKERS.find((m) => log.includes(m));
    if (marker) {
      const report = log.slice(log.indexOf(marker)).split('\n').slice(0, 12).join('\n');
      problems.push(`${p.name} (pid ${p.pid}) log has "${marker}" (${p.logPath}):\n${report}`);
    }
  }
  procs.length = 0;
  return problems;
}

let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, async () => {
    interrupted = true;     // what fails from here on is the stop, not a finding
    console.log(`# stopped by ${sig}`);
    await stopAll();
    if (workdir) console.log(`# logs, store and sink kept in ${workdir}`);
    process.exit(130);
  });
}

// ------------------------------------------------------------------ the daemons

// nsd, authoritative for the root (NXDOMAIN for any name outside the test zones) and
// for the sender's domain, which publishes no SPF, DKIM or DMARC: a sender who cannot
// be authenticated, the case the release page exists for.
const ZONES = {
  '.': `$ORIGIN .
$TTL 300
@	IN SOA	ns.root.invalid. hostmaster.root.invalid. 1 3600 600 86400 300
@	IN NS	ns.root.invalid.
`,
  [`${SENDER_DOMAIN}.`]: `$ORIGIN ${SENDER_DOMAIN}.
$TTL 300
@	IN SOA	ns hostmaster 1 3600 600 86400 300
@	IN NS	ns
@	IN MX	10 mta
ns	IN A	127.0.0.1
mta	IN A	192.0.2.10
`,
};

function dnsAnswers(port) {
  // ". SOA" with RD set: NOERROR and one answer means nsd serves the root
  const q = Buffer.from([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 1]);
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    const timer = setTimeout(() => { s.close(); resolve(false); }, 500);
    s.on('message', (m) => {
      clearTimeout(timer);
      s.close();
      resolve(m.length >= 12 && m[0] === 0x12 && m[1] === 0x34 && (m[3] & 0x0f) === 0 && m.readUInt16BE(6) === 1);
    });
    s.on('error', () => { clearTimeout(timer); s.close(); resolve(false); });
    s.send(q, port, '127.0.0.1');
  });
}

async function startDns() {
  const dir = path.join(workdir, 'nsd');
  fs.mkdirSync(dir);
  const port = await udpTcpPort();
  const conf = ['server:', `    ip-address: 127.0.0.1@${port}`, `    port: ${port}`, '    do-ip6: no',
    '    username: ""', '    chroot: ""', `    zonesdir: "${dir}"`, `    pidfile: "${dir}/nsd.pid"`,
    '    database: ""', `    zonelistfile: "${dir}/zone.list"`, `    xfrdfile: "${dir}/xfrd.state"`,
    `    xfrdir: "${dir}"`, `    logfile: "${dir}/nsd.log"`, '    server-count: 1', '    verbosity: 1',
    '    hide-version: yes', 'remote-control:', '    control-enable: no'];
  Object.entries(ZONES).forEach(([name, text], i) => {
    fs.writeFileSync(path.join(dir, `zone${i}.zone`), text);
    conf.push('zone:', `    name: "${name}"`, `    zonefile: "zone${i}.zone"`);
  });
  fs.writeFileSync(path.join(dir, 'nsd.conf'), conf.join('\n') + '\n');
  const p = start('nsd', NSD, ['-d', '-c', path.join(dir, 'nsd.conf')]);
  await poll('nsd to answer', async () => {
    if (!p.alive()) throw new Failure(`nsd exited: ${JSON.stringify(p.exited)}\n${tail(p.log())}`);
    return dnsAnswers(port);
  });
  return `127.0.0.1:${port}`;
}

async function startSink() {
  const dir = path.join(workdir, 'sink');
  const p = start('sink', PYTHON, [path.join(REPO, 'tests', 'sink.py'), '--listen', '127.0.0.1:0', '--dir', dir]);
  const port = await poll('the sink to listen', () => {
    if (!p.alive()) throw new Failure(`sink exited: ${tail(p.log())}`);
    const m = /sink: listening on 127\.0\.0\.1:(\d+)/.exec(p.log());
    return m && Number(m[1]);
  });
  return { dir, port };
}

function configText(v) {
  return `# written by tests/browser/lib.mjs
[smtpd]
listen = 127.0.0.1:${v.smtpdPort}
hostname = ${HOSTNAME}

[web]
listen = 127.0.0.1:${v.webPort}
base_url = ${v.base}

[store]
path = ${v.db}

[dns]
servers = ${v.dns}

[domain example.org]
next_hop = 127.0.0.1:${v.sinkPort}

[domain ${FR_DOMAIN}]
next_hop = 127.0.0.1:${v.sinkPort}
language = fr
`;
}

async function waitListening(p, port) {
  return (await poll(`${p.name} to listen on ${port}`, () =>
    (!p.alive() ? 'exited' : listeningBy(p.pid, port) ? 'ok' : null))) === 'ok';
}

// Both daemons read one config file; a port taken meanwhile by another program is
// chosen again (a few times).
async function startDaemons(env) {
  for (let attempt = 0; ; attempt++) {
    const v = { ...env, smtpdPort: await tcpPort(), webPort: await tcpPort() };
    v.base = `http://127.0.0.1:${v.webPort}`;
    fs.writeFileSync(env.conf, configText(v));
    const smtpd = start('ecluse-smtpd', BIN.smtpd, ['-c', env.conf, '-f', '-D', REPO]);
    const web = start('ecluse-web', BIN.web, ['-c', env.conf, '-f', '-D', REPO]);
    const okS = await waitListening(smtpd, v.smtpdPort);
    const okW = await waitListening(web, v.webPort);
    if (okS && okW) return v;
    const inUse = [smtpd, web].some((p) => !p.alive() && /in use/i.test(p.log()));
    await smtpd.stop();
    await web.stop();
    procs.splice(procs.indexOf(smtpd), 1);
    procs.splice(procs.indexOf(web), 1);
    if (!inUse || attempt === 2) {
      const who = okS ? web : smtpd;
      throw new Failure(`${who.name} exited before listening: ${JSON.stringify(who.exited)}\n${tail(who.log())}`);
    }
  }
}

// ------------------------------------------------------------------ the environment

export const E = {};

async function setUp() {
  for (const [what, file] of [['ecluse-smtpd', BIN.smtpd], ['ecluse-web', BIN.web], ['eclusectl', BIN.ctl],
    ['web_seed', BIN.seed], ['python3', PYTHON], ['chromium', CHROMIUM], ['nsd', NSD]])
    assert(fs.existsSync(file), `${file} (${what}) not found${file.startsWith(BUILD) ? ': build first, or set ECLUSE_BUILD' : ''}`);
  workdir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecluse-browser-'));
  const dns = await startDns();
  const sink = await startSink();
  E.sinkDir = sink.dir;
  E.conf = path.join(workdir, 'ecluse.conf');
  E.db = path.join(workdir, 'ecluse.db');
  E.key = path.join(workdir, 'token.key');      // [store] token_key's default: beside the store
  const v = await startDaemons({ conf: E.conf, db: E.db, dns, sinkPort: sink.port });
  Object.assign(E, v);
  // our own signal handlers close the browser and stop the daemons; playwright's would
  // exit before the daemons are stopped
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true,
    handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false });
  if (shotsDir) fs.mkdirSync(shotsDir, { recursive: true });
}

// ------------------------------------------------------------------ mail

let serial = 0;

export function makeMessage(from, subject, body, to = { name: 'Bob', addr: RCPT }) {
  serial++;
  const date = new Date().toUTCString().replace('GMT', '+0000');
  return [`From: ${from.name} <${from.addr}>`, `To: ${to.name} <${to.addr}>`, `Subject: ${subject}`,
    `Date: ${date}`, `Message-ID: <${Date.now()}.${process.pid}.${serial}@${SENDER_DOMAIN}>`,
    'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', ...body, ''].join('\r\n');
}

// Sends with smtplib; returns {stage, code, lines}.
export async function send(mailFrom, message, rcpt = RCPT) {
  const r = await run(PYTHON, [path.join(REPO, 'tests', 'browser', 'send.py'), '127.0.0.1',
    String(E.smtpdPort), SENDER_HELO, mailFrom, rcpt], message);
  assert(r.code === 0, `send.py failed (${r.code}): ${r.stderr.trim()}`);
  return JSON.parse(r.stdout);
}

// Messages the sink accepted whose header has this subject: [{n, envelope, data}].
export function sinkMessages(subject) {
  let names;
  try { names = fs.readdirSync(E.sinkDir); } catch { return []; }
  const out = [];
  for (const f of names.filter((n) => n.endsWith('.json'))) {
    const env = JSON.parse(fs.readFileSync(path.join(E.sinkDir, f), 'utf8'));
    if (!env.accepted) continue;
    const data = fs.readFileSync(path.join(E.sinkDir, `${env.n}.eml`), 'latin1');
    if (data.includes(`\r\nSubject: ${subject}\r\n`) || data.startsWith(`Subject: ${subject}\r\n`))
      out.push({ n: env.n, envelope: env, data });
  }
  return out.sort((a, b) => a.n - b.n);
}

// Digest mails the sink accepted for rcpt (null sender, that one recipient), oldest
// first: [{n, envelope, data, subject, text}], text being the decoded text/plain part.
export function sinkDigests(rcpt) {
  let names;
  try { names = fs.readdirSync(E.sinkDir); } catch { return []; }
  const out = [];
  for (const f of names.filter((n) => n.endsWith('.json'))) {
    const env = JSON.parse(fs.readFileSync(path.join(E.sinkDir, f), 'utf8'));
    if (!env.accepted || env.mail_from !== '' || env.rcpt_to.length !== 1 ||
        env.rcpt_to[0].toLowerCase() !== rcpt.toLowerCase()) continue;
    const data = fs.readFileSync(path.join(E.sinkDir, `${env.n}.eml`), 'latin1');
    const subject = /(?:^|\r\n)Subject: ([^\r\n]*(?:\r\n[ \t][^\r\n]*)*)/.exec(data)?.[1] ?? '';
    out.push({ n: env.n, envelope: env, data, subject, text: textPart(data) });
  }
  return out.sort((a, b) => a.n - b.n);
}

// The text/plain part of a multipart message, its transfer encoding undone (base64,
// or 7bit/8bit as is); null when there is none.
function textPart(data) {
  const [head] = data.split('\r\n\r\n', 1);
  const b = /boundary="?([^";\r\n]+)"?/i.exec(head);
  if (!b) return null;
  for (const part of data.split(`--${b[1]}`).slice(1)) {
    const cut = part.indexOf('\r\n\r\n');
    if (cut < 0) continue;
    const ph = part.slice(0, cut);
    if (!/^\s*Content-Type:\s*text\/plain/im.test(ph)) continue;
    const body = part.slice(cut + 4);
    if (/Content-Transfer-Encoding:\s*base64/i.test(ph))
      return Buffer.from(body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64').toString('utf8');
    return Buffer.from(body, 'latin1').toString('utf8');
  }
  return null;
}

// Runs "eclusectl digest send"; returns its --json report.
export async function digestSend() {
  const r = await run(BIN.ctl, ['-c', E.conf, 'digest', 'send', '--json', '-D', REPO]);
  assert(r.code === 0, `eclusectl digest send exited ${r.code}: ${r.stdout.trim()} ${r.stderr.trim()}`);
  return JSON.parse(r.stdout);
}

// ------------------------------------------------------------------ the store's side

// A held message put in the store as ecluse-smtpd does (web_seed, through the store
// API); expiresIn < 0 makes an expired link. Returns the release URL.
export async function seedHeld(sender, subject, expiresIn = 86400) {
  const r = await run(BIN.seed, ['hold', E.db, E.key, sender, RCPT, subject, String(expiresIn)]);
  assert(r.code === 0, `web_seed hold failed: ${r.stderr.trim()}`);
  const [, token] = r.stdout.trim().split(/\s+/);
  return `${E.base}/r/${token}`;
}

// The answer of the picture this page shows, as support would read it with eclusectl.
// The browser's "challenge" cookie (NONCE.ID, set with the picture) names the picture:
// the newest challenge alone could be another one loaded within the same second.
export async function challengeAnswer(page, url) {
  const token = url.split('/r/')[1];
  const cookie = (await page.context().cookies(url)).find((c) => c.name === 'challenge');
  assert(cookie, 'the browser got no challenge cookie with the picture');
  const id = cookie.value.split('.')[1];
  const r = await run(BIN.ctl, ['-c', E.conf, 'challenge-answer', token, id]);
  assert(r.code === 0, `eclusectl challenge-answer exited ${r.code}: ${r.stderr.trim()}`);
  const answer = r.stdout.trim();
  assert(/^[A-Za-z0-9]{4,8}$/.test(answer), `eclusectl challenge-answer printed ${JSON.stringify(r.stdout)}`);
  return answer;
}

// ------------------------------------------------------------------ pages

const contexts = [];

// A new browser profile context: English by default; French with lang 'fr'.
export async function newPage(lang = 'en', viewport = DESKTOP) {
  const ctx = await browser.newContext({
    viewport,
    locale: lang === 'fr' ? 'fr-FR' : 'en-GB',
    extraHTTPHeaders: { 'Accept-Language': lang === 'fr' ? 'fr-FR,fr;q=0.9' : 'en-GB,en;q=0.9' },
  });
  contexts.push(ctx);
  const page = await ctx.newPage();
  page.setDefaultTimeout(WAIT_MAX);
  // what the browser complains about (a CSP refusal, a missing asset); a 4xx for the
  // page itself is the page's answer, not a complaint
  page.problems = [];
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    // Chromium asks for /favicon.ico by itself; the pages name no icon
    if (/^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text()) &&
        (m.location().url === page.url() || new URL(m.location().url).pathname === '/favicon.ico')) return;
    page.problems.push(`console: ${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => page.problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => page.problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  return page;
}

async function closeContexts() {
  for (const c of contexts.splice(0)) await c.close().catch(() => {});
}

export async function text(page, selector) {
  return (await page.locator(selector).first().innerText()).replace(/\s+/g, ' ').trim();
}

// What every page must show: a title, a level-1 heading, our style sheet applied, no
// complaint from the browser. Returns the heading.
export async function checkPage(page, what) {
  const h1 = await text(page, 'h1');
  assert(h1.length > 0, `${what}: no heading`);
  assert((await page.title()).length > 0, `${what}: no title`);
  const styled = await page.evaluate(() => [...document.styleSheets].some((s) => {
    try { return s.cssRules.length > 0; } catch { return false; }
  }));
  assert(styled, `${what}: the style sheet was not applied`);
  assert(page.problems.length === 0, `${what}: ${page.problems.join('; ')}`);
  return h1;
}

export async function captcha(page) {
  const img = page.locator('img.captcha');
  await poll('the CAPTCHA picture to load', () =>
    img.evaluate((i) => i.complete && i.naturalWidth > 0 && i.naturalHeight > 0));
  return img.getAttribute('src');
}

// The page at desktop and phone widths: at each it must fit the screen's width (no
// sideways scrolling); with --screenshots, saved as NAME-desktop.png / NAME-phone.png.
export async function look(page, name) {
  for (const [label, size] of [['desktop', DESKTOP], ['phone', PHONE]]) {
    await page.setViewportSize(size);
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    assert(wide <= size.width, `${name} at ${label} width (${size.width}px) is ${wide}px wide: it scrolls sideways`);
    if (shotsDir) {
      await page.evaluate(() => document.fonts.ready);
      await page.screenshot({ path: path.join(shotsDir, `${name}-${label}.png`), fullPage: true });
    }
  }
  await page.setViewportSize(DESKTOP);
}

// Where the page stands in the window once shown (after the browser's own scrolling,
// e.g. to a focused field): {scrollY, and per selector whether it is wholly in view}.
export async function inView(page, selectors) {
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  return page.evaluate((sels) => {
    const out = { scrollY: window.scrollY };
    for (const s of sels) {
      const r = document.querySelector(s)?.getBoundingClientRect();
      out[s] = !!r && r.top >= 0 && r.bottom <= window.innerHeight;
    }
    return out;
  }, selectors);
}

export async function open(page, url) {
  const resp = await page.goto(url, { waitUntil: 'load' });
  assert(resp, `no response for ${url}`);
  return resp.status();
}

// Types the answer and presses the button, as a person does; returns the HTTP status
// of the page the form led to.
export async function submit(page, answer) {
  await page.locator('#answer').fill(answer);
  const [resp] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && r.request().isNavigationRequest()),
    page.locator('form button[type="submit"]').click(),
  ]);
  await page.waitForLoadState('load');
  return resp.status();
}

// ------------------------------------------------------------------ cases

const cases = [];

// Registers a case; cases run in the order they were registered, each at most CASE_MAX.
export function test(name, fn) {
  cases.push({ name, fn });
}

// A case that builds on an earlier one stops here when that one failed.
export function need(value, what) {
  if (!value) throw new Failure(`cannot run: ${what} failed`);
}

// ------------------------------------------------------------------ main

function firstLine(e) {
  return String(e instanceof Error ? e.message : e).split('\n')[0];
}

function details(e) {
  const rest = String(e instanceof Error ? e.message : e).split('\n').slice(1);
  if (!(e instanceof Failure) && e instanceof Error && e.stack) rest.push(...e.stack.split('\n').slice(1, 6));
  return rest.slice(0, 20).map((l) => `# ${l}`).join('\n');
}

// Sets up the environment, runs every registered case, stops everything; prints the
// report and returns the exit status (0 when nothing failed). opts: {shotsDir, keep}.
export async function runAll(opts = {}) {
  shotsDir = opts.shotsDir ?? null;
  keep = !!opts.keep;
  let passed = 0;
  let failed = 0;
  const report = (ok, name, e) => {
    if (interrupted) return;
    if (ok) { passed++; console.log(`ok - ${name}`); return; }
    failed++;
    console.log(`not ok - ${name}: ${firstLine(e)}`);
    const d = details(e);
    if (d) console.log(d);
  };
  let setUpOk = false;
  try {
    await setUp();
    setUpOk = true;
  } catch (e) {
    report(false, 'set-up (nsd, sink, ecluse-smtpd, ecluse-web, chromium)', e);
  }
  if (setUpOk) {
    for (const c of cases) {
      if (interrupted) break;
      let timer;
      try {
        await Promise.race([c.fn(), new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Failure(`did not finish in ${CASE_MAX / 1000} s`)), CASE_MAX);
        })]);
        report(true, c.name);
      } catch (e) {
        report(false, c.name, e);
      } finally {
        clearTimeout(timer);
      }
    }
  }
  await closeContexts();
  const problems = await stopAll();
  if (setUpOk)
    report(problems.length === 0, 'the daemons ran without a crash or a sanitizer report, and stopped cleanly',
      problems.join('\n'));
  if (workdir) {
    if (keep || failed > 0) console.log(`# logs, store and sink kept in ${workdir}`);
    else fs.rmSync(workdir, { recursive: true, force: true });
  }
  console.log(`browser: ${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}
