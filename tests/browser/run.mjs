// tests/browser/run.mjs - ecluse's web pages in a real browser: Debian's Chromium
// driven by playwright-core, against the real daemons (tests/browser/lib.mjs sets them
// up and runs the cases).
//
//   node tests/browser/run.mjs [--screenshots[=DIR]] [--keep]
//
// The cases, in this order, in one environment:
//   sender.mjs     the sender's release link, CAPTCHA page and release;
//   recipient.mjs  the recipient's digest mail, its links and the recipient page.
//
// With --screenshots the pages are saved as PNG into docs/screenshots/ (or DIR), named
// PAGE-desktop.png and PAGE-phone.png; without it nothing is written outside the
// temporary folder, so that a test run leaves the worktree as it was. --keep keeps the
// temporary folder (logs, store, sink) for a look.
//
// Output: "ok - NAME" or "not ok - NAME: REASON" per case (details on "# " lines), and
// last "browser: N passed, M failed". Exit status 0 when nothing failed.

import path from 'node:path';

import { REPO, runAll } from './lib.mjs';
import './sender.mjs';
import './recipient.mjs';

let shotsDir = null;
let keep = false;
for (const a of process.argv.slice(2)) {
  if (a === '--screenshots') shotsDir = path.join(REPO, 'docs', 'screenshots');
  else if (a.startsWith('--screenshots=')) shotsDir = path.resolve(a.slice('--screenshots='.length));
  else if (a === '--keep') keep = true;
  else {
    console.error('usage: node tests/browser/run.mjs [--screenshots[=DIR]] [--keep]');
    process.exit(64);
  }
}

process.exitCode = await runAll({ shotsDir, keep });
