// End-to-end test of the portal in headless Chromium against `zicht serve`
// (ZICHT_URL), with the admin run.sh made (ZICHT_ADMIN_PASSWORD). It guards
// what only a real browser shows: the Secure session cookie kept on
// http://127.0.0.1, the Origin a form post carries under the portal's
// headers, and forms that work under the portal's CSP; and the second
// factor an admin sets up at the first login (TOTP computed here, RFC 6238);
// and every page kind an admin reaches, in Dutch and in English, against
// axe-core and for anything cut off at 768 and 1280 px.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { enrol } from './totp.mjs';
import { checkPortalPages } from './portal-pages.mjs';

const BASE = process.env.ZICHT_URL;
const PASSWORD = process.env.ZICHT_ADMIN_PASSWORD;
assert.ok(BASE && PASSWORD, 'ZICHT_URL or ZICHT_ADMIN_PASSWORD is not set: run e2e/run.sh');

let browser;
let page;
const problems = [];

before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
  page = await browser.newPage();
  // The browser's own favicon request is not the portal's doing.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico')) {
      problems.push(`${m.text()} ${m.location().url}`);
    }
  });
});

after(async () => { await browser?.close(); });

test('an admin logs in, adds a user and logs out', async () => {
  const anon = await page.goto(new URL('portal/users', BASE).href);
  assert.ok(page.url().endsWith('/portal/login'), `anonymous: ${page.url()} ${anon.status()}`);

  await page.fill('#login', 'e2e-admin');
  await page.fill('#password', PASSWORD);
  await page.click('main button[type=submit]');
  await page.waitForLoadState();
  // An admin's first login: a second factor before anything else.
  assert.ok(page.url().endsWith('/portal/second-factor/enrol'), `after login: ${page.url()}: ${await page.textContent('main')}`);
  await enrol(page);
  assert.ok(page.url().endsWith('/portal/'), `after enrolment: ${page.url()}: ${await page.textContent('main')}`);
  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name === 'zicht_session');
  assert.ok(session, 'the session cookie is kept');
  assert.equal(session.secure, true);
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, 'Strict');

  await page.click('nav a[href="/portal/users"]');
  await page.fill('#login', 'e2e-editor');
  await page.fill('#name', 'E2E Editor');
  await page.selectOption('#role', 'editor');
  await page.click('form.stack button[type=submit]');
  await page.waitForLoadState();
  const flash = await page.textContent('p.flash');
  assert.match(flash, /Gebruiker e2e-editor toegevoegd/);
  assert.match(await page.textContent('table'), /E2E Editor/);

  // One language per page: the switch turns the whole page to English and
  // back, and is remembered from page to page.
  await page.click('nav.lang-switch a[hreflang=en]');
  await page.waitForLoadState();
  assert.ok(page.url().endsWith('/portal/users'), `the switch leads back: ${page.url()}`);
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.match(await page.textContent('h1'), /^Users$/);
  await page.click('nav a[href="/portal/account"]');
  await page.waitForLoadState();
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  const english = await page.textContent('body');
  assert.match(english, /Change your password/);
  assert.doesNotMatch(english, /Wachtwoord wijzigen|Uitloggen/);
  await page.click('nav.lang-switch a[hreflang=nl]');
  await page.waitForLoadState();
  assert.equal(await page.getAttribute('html', 'lang'), 'nl');
  assert.doesNotMatch(await page.textContent('body'), /Change your password|Log out/);
});

// Every page kind an admin reaches without a round (the round test checks
// the round's own pages), and the login page of someone not signed in.
const ADMIN_PAGES = [
  'portal/',
  'portal/rounds',
  'portal/rounds/plan',
  'portal/editions',
  'portal/editions/new',
  'portal/texts',
  'portal/history?organisation=comensha',
  'portal/users',
  'portal/audit',
  'portal/account',
  'portal/tokens',
];

test('no serious or critical axe violation and nothing cut off at 768 and 1280 px, in either language', { timeout: 300_000 }, async () => {
  const failures = await checkPortalPages(browser, page, BASE, ADMIN_PAGES);
  const nobody = await browser.newPage();
  failures.push(...(await checkPortalPages(browser, nobody, BASE, ['portal/login'])));
  await nobody.close();
  assert.deepEqual(failures, []);
});

test('the admin logs out', async () => {
  await page.click('form.logout button');
  await page.waitForLoadState();
  assert.ok(page.url().endsWith('/portal/login'));
  assert.match(await page.textContent('p.flash'), /uitgelogd/);
  assert.deepEqual(problems, [], 'no console errors (CSP violations show there)');
});
