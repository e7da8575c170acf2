// End-to-end test of a whole request round in headless Chromium against
// `zicht serve` (ZICHT_URL), with the editor and the CoMensha supplier that
// run.sh made (ZICHT_ROUND_EDITOR_PASSWORD, ZICHT_ROUND_SUPPLIER_PASSWORD):
// an editor plans a round by theme (searching the indicators, ticking one
// and its total) due in three days, and the supplier's reminder
// arrives at the SMTP sink that run.sh started (ZICHT_MAIL_DIR); the supplier uploads a CSV with one bad row,
// reads the error naming the row, fixes it and signs off; the editor
// accepts and sets the edition's embargo a few seconds ahead, confirming
// that the public edition is withdrawn until then; the figure is absent
// from the public site and API until the embargo instant and appears after
// it. Then the editor closes the round and the supplier's next upload is
// refused. The editor sets up a second factor at the first login (TOTP
// computed here, RFC 6238). The round's pages, as the supplier and the
// editor see them, are checked in both languages against axe-core and for
// anything cut off at 768 and 1280 px (portal-pages.mjs).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';
import { enrol, totp } from './totp.mjs';
import { checkPortalPages } from './portal-pages.mjs';

const BASE = process.env.ZICHT_URL;
const EDITOR = 'e2e-round-editor';
const SUPPLIER = 'e2e-round-supplier';
const EDITOR_PASSWORD = process.env.ZICHT_ROUND_EDITOR_PASSWORD;
const SUPPLIER_PASSWORD = process.env.ZICHT_ROUND_SUPPLIER_PASSWORD;
const MAIL_DIR = process.env.ZICHT_MAIL_DIR;
const SUPPLIER_EMAIL = 'e2e-supplier@example.org';
assert.ok(BASE && EDITOR_PASSWORD && SUPPLIER_PASSWORD && MAIL_DIR, 'run e2e/run.sh: ZICHT_URL, ZICHT_MAIL_DIR or a round password is not set');

// A synthetic figure that appears nowhere in the embedded monitor.
const FIGURE = 7391;
const INDICATOR = 'comensha.minor_victims';
const EDITION = 'kib-2025';
// How far ahead the embargo is set, and how long we wait for it at most.
const EMBARGO_AHEAD_MS = 12_000;
const DEADLINE_AFTER_EMBARGO_MS = 20_000;

// The mails the SMTP sink received, each with its recipients, subject and
// body (headers unfolded).
function mails() {
  if (!fs.existsSync(MAIL_DIR)) return [];
  return fs.readdirSync(MAIL_DIR).filter((f) => f.endsWith('.json')).sort().map((f) => {
    const { to, data } = JSON.parse(fs.readFileSync(path.join(MAIL_DIR, f), 'utf8'));
    const [head, ...rest] = data.split('\r\n\r\n');
    const headers = head.replace(/\r\n[ \t]+/g, ' ');
    const subject = (headers.match(/^Subject: (.*)$/im) || [])[1] || '';
    let body = rest.join('\r\n\r\n');
    const encoding = ((headers.match(/^Content-Transfer-Encoding: (.*)$/im) || [])[1] || '').trim().toLowerCase();
    if (encoding === 'base64') body = Buffer.from(body, 'base64').toString('utf8');
    if (encoding === 'quoted-printable') {
      const bytes = body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h) => `%${h}`);
      body = decodeURIComponent(bytes.replace(/%(?![0-9A-F]{2})/gi, '%25'));
    }
    return { to, subject, body };
  });
}

async function waitForMail(pred, what, ms = 20_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const found = mails().find(pred);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`${what} did not arrive within ${ms} ms; the sink has: ${JSON.stringify(mails().map((m) => [m.to, m.subject]))}`);
}

let browser;
const problems = [];

function watch(page, who) {
  page.on('pageerror', (e) => problems.push(`${who}: page error ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico')) {
      problems.push(`${who}: console ${m.text()} ${m.location().url}`);
    }
  });
  return page;
}

async function login(login, password) {
  const context = await browser.newContext({ acceptDownloads: true });
  const page = watch(await context.newPage(), login);
  await page.goto(new URL('portal/login', BASE).href);
  await page.fill('#login', login);
  await page.fill('#password', password);
  await page.click('main button[type=submit]');
  await page.waitForLoadState();
  if (page.url().endsWith('/portal/second-factor/enrol')) {
    // An editor's first login: set up the second factor.
    secrets[login] = await enrol(page);
  } else if (page.url().endsWith('/portal/second-factor')) {
    await page.fill('#code', totp(secrets[login], Date.now() + 30_000));
    await submit(page, 'main form.stack button[type=submit]');
  }
  assert.ok(page.url().endsWith('/portal/'), `${login} after login: ${page.url()}`);
  return page;
}

// The second-factor secrets set up during the test, by login.
const secrets = {};

async function submit(page, selector) {
  await Promise.all([page.waitForNavigation(), page.click(selector)]);
}

const csv = (value) =>
  `indicator,period,breakdown,status,value,lower,upper,reason\n${INDICATOR},2024,,exact,"${value}",,,\n`;

// Whether the public site (the indicator's page, Dutch) and the API show
// the figure now.
async function publicShows() {
  const pageAsked = Date.now();
  const page = await fetch(new URL(`indicator/${INDICATOR}.html`, BASE));
  assert.equal(page.status, 200);
  const html = await page.text();
  const api = await fetch(new URL(`api/indicators/${INDICATOR}/cells`, BASE));
  assert.equal(api.status, 200);
  const cells = (await api.json()).cells;
  const apiAnswered = Date.now();
  const inApi = cells.some((c) => c.period === '2024' && Number(c.value) === FIGURE);
  const inPage = /7[.\u00a0\u202f ]?391/.test(html);
  return { inApi, inPage, pageAsked, apiAnswered };
}

before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
});

after(async () => { await browser?.close(); });

test('a round from opening to a figure released at its embargo', { timeout: 120_000 }, async () => {
  const before = await publicShows();
  assert.deepEqual([before.inApi, before.inPage], [false, false], 'the figure is not public before the round');

  // The editor plans a round by theme: searches the indicators, ticks the
  // one wanted and, under it, the total among its own breakdowns, and asks
  // CoMensha for 2024.
  const editor = await login(EDITOR, EDITOR_PASSWORD);
  await editor.click('nav a[href="/portal/rounds"]');
  await editor.waitForLoadState();
  await submit(editor, 'main a[href="/portal/rounds/plan"]');
  await editor.selectOption('#edition', EDITION);
  await editor.fill('#title', 'E2E-uitvraag 2025');
  // Due in three days: within the reminder window (7 days by default).
  const due = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
  await editor.fill('#due', due);
  await editor.fill('#periods', '2024');
  await editor.check('input[name=organisation][value=comensha]');
  await editor.fill('#q', 'minderjarige slachtoffers');
  await submit(editor, 'button[name=step][value=filter]');
  // The search keeps what was typed, and shows only matching indicators.
  assert.equal(await editor.inputValue('#periods'), '2024');
  assert.ok(await editor.isChecked('input[name=organisation][value=comensha]'));
  const shown = await editor.locator('input[type=checkbox][name=indicator]').count();
  assert.ok(shown > 0 && shown < 20, `the search narrows the list: ${shown} shown`);
  await editor.check(`input[name=indicator][value="${INDICATOR}"]`);
  // Only this indicator's own dimensions are offered under it.
  const offered = await editor.locator(`input[name=breakdown][value^="${INDICATOR}|"]`).evaluateAll((xs) => xs.map((x) => x.value));
  assert.ok(offered.includes(`${INDICATOR}|`) && offered.includes(`${INDICATOR}|sex=girls`), `offered: ${offered}`);
  // The breakdowns fold out under the indicator, as a person opens them.
  await editor.click(`details:has(input[value="${INDICATOR}|"]) > summary`);
  await editor.check(`input[name=breakdown][value="${INDICATOR}|"]`);
  await submit(editor, 'button[name=step][value=save]');
  assert.match(editor.url(), /\/portal\/rounds\/\d+$/, await editor.textContent('main'));
  assert.match(await editor.textContent('p.flash'), /Ronde geopend/);
  const roundPath = new URL(editor.url()).pathname;
  const link = editor.locator('table.progress a[href^="/portal/deliveries/"]').first();
  const delivery = await link.getAttribute('href');

  // The supplier is told by mail, in Dutch: the round, then the reminder
  // (the worker looks every second, run.sh says --mail-poll 1).
  const opened = await waitForMail((m) => m.to.includes(SUPPLIER_EMAIL) && /Nieuwe uitvraag/.test(m.subject), 'the round-opened mail');
  assert.match(opened.body, /E2E-uitvraag 2025/);
  const reminder = await waitForMail((m) => m.to.includes(SUPPLIER_EMAIL) && /^Herinnering/.test(m.subject), 'the reminder');
  assert.match(reminder.subject, /E2E-uitvraag 2025/);
  assert.match(reminder.body, /nog niet afgetekend/);
  assert.doesNotMatch(reminder.body, /comensha|Dear|Reminder/, 'labels, not ids, and one language');
  assert.equal(mails().filter((m) => /^Herinnering/.test(m.subject)).length, 1, 'one reminder');

  // The supplier finds the request, uploads a file with a bad row, reads
  // the problem naming the row and column, and fixes it.
  const supplier = await login(SUPPLIER, SUPPLIER_PASSWORD);
  await submit(supplier, `table.requests a[href="${delivery}"]`);
  // The supplier's pages, in both languages: axe-core, nothing cut off.
  const pageFailures = await checkPortalPages(browser, supplier, BASE, [delivery, 'portal/', 'portal/history']);
  await supplier.setInputFiles('#file', {
    name: 'levering.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(csv('73,91')),
  });
  await submit(supplier, 'form.upload button[type=submit]');
  const problemsTable = await supplier.textContent('section.problems table');
  assert.match(problemsTable, /2\s*value/, `row 2, column value: ${problemsTable}`);
  assert.match(problemsTable, /is geen getal/);
  // Chromium logs the refused upload's 422 as a console error: that one is
  // expected, and must be the only one.
  const refused = problems.findIndex((p) => /status of 422/.test(p) && p.endsWith(`${delivery}/upload`));
  assert.ok(refused >= 0, `the refused upload is answered 422: ${problems}`);
  problems.splice(refused, 1);

  await supplier.setInputFiles('#file', {
    name: 'levering.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(csv(String(FIGURE))),
  });
  await submit(supplier, 'form.upload button[type=submit]');
  assert.match(await supplier.textContent('p.flash'), /Bestand gelezen/);
  assert.equal(await supplier.locator('section.problems').count(), 0);
  await submit(supplier, 'button[value=submit]');
  assert.match(await supplier.textContent('p.flash'), /Afgetekend als revisie 1/);
  assert.match(await supplier.textContent('dd.state'), /ingediend/);

  // The editor's pages of the round, in both languages, then the review
  // and the acceptance.
  pageFailures.push(...(await checkPortalPages(browser, editor, BASE, [
    delivery,
    roundPath,
    `${roundPath}/encoded`,
    'portal/rounds/plan',
  ])));
  assert.deepEqual(pageFailures, [], 'no serious axe violation, nothing cut off');
  await editor.goto(new URL(delivery, BASE).href);
  assert.match(await editor.textContent('table.review'), /7391/);
  await submit(editor, 'button.accept');
  assert.match(await editor.textContent('p.flash'), /Geaccepteerd/);

  // The embargo, a few seconds ahead, as an RFC 3339 instant.
  await editor.click('nav a[href="/portal/editions"]');
  await editor.waitForLoadState();
  const embargo = new Date(Date.now() + EMBARGO_AHEAD_MS);
  embargo.setMilliseconds(0);
  const instant = embargo.toISOString().replace('.000Z', 'Z');
  await editor.fill(`#embargo-${EDITION}`, instant);
  await submit(editor, `#edition-${EDITION} button[value=set]`);
  // The edition is public: the portal asks first, saying what disappears.
  assert.match(await editor.textContent('main'), /Embargo bevestigen/);
  assert.ok(Number(await editor.textContent('dd.cells')) > 0, 'public cells are counted');
  assert.ok(Number(await editor.textContent('dd.indicators')) > 0, 'indicators are counted');
  await submit(editor, 'button.confirm');
  assert.match(await editor.textContent('p.flash'), new RegExp(`Embargo van ${EDITION}`));
  assert.equal((await editor.textContent(`#edition-${EDITION} dd.embargo`)).trim(), instant);

  // Absent until the instant, present after it.
  let lastAbsent = null;
  let firstPresent = null;
  const deadline = embargo.getTime() + DEADLINE_AFTER_EMBARGO_MS;
  while (Date.now() < deadline) {
    const asked = Date.now();
    const shown = await publicShows();
    if (!shown.inApi && !shown.inPage) {
      lastAbsent = asked;
    } else if (shown.inApi && shown.inPage) {
      firstPresent = asked;
      break;
    } else if (!shown.inPage && shown.pageAsked < embargo.getTime() && shown.apiAnswered >= embargo.getTime()) {
      // The page was asked before the instant and the API answered after
      // it: two requests on either side of the swap, each whole. Ask again.
    } else {
      assert.fail(`the page and the API disagree at ${new Date(asked).toISOString()}: ${JSON.stringify(shown)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.ok(lastAbsent !== null, 'the figure was checked and absent before the embargo');
  assert.ok(lastAbsent < embargo.getTime(), 'absent only before the embargo instant');
  assert.ok(embargo.getTime() - lastAbsent < 3_000, `checked absent just before the instant (${embargo.getTime() - lastAbsent} ms)`);
  assert.ok(firstPresent !== null, `the figure appeared within ${DEADLINE_AFTER_EMBARGO_MS} ms after the embargo`);
  assert.ok(firstPresent >= embargo.getTime() - 1_000, 'not shown before the instant');
  console.log(`# embargo ${instant}: last seen absent ${embargo.getTime() - lastAbsent} ms before, first seen present ${firstPresent - embargo.getTime()} ms after`);

  // The editor closes the round: the page says so, and the supplier can
  // deliver no more.
  await editor.goto(new URL(roundPath, BASE).href);
  await submit(editor, 'section.round-actions button:has-text("Ronde sluiten")');
  assert.match(await editor.textContent('p.flash'), /Ronde gesloten/);
  assert.match(await editor.textContent('section.round-actions'), /Gesloten op/);
  await supplier.goto(new URL(delivery, BASE).href);
  assert.match(await supplier.textContent('p.closed'), /Deze ronde is gesloten/);
  assert.equal(await supplier.locator('form.upload').count(), 0, 'no upload form in a closed round');

  assert.deepEqual(problems, [], 'no page or console errors');
});
