// End-to-end test of the published monitor, as a reader sees it: headless
// Chromium against `zicht serve` (ZICHT_URL) and the static site written by
// `zicht publish` (ZICHT_SITE_DIR). Run by run.sh.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { seriousViolations } from './axe.mjs';

const BASE = process.env.ZICHT_URL;
const SITE_DIR = process.env.ZICHT_SITE_DIR;
assert.ok(BASE, 'ZICHT_URL is not set: run e2e/run.sh');

let browser;
let strict; // the site's own CSP applies: any violation is a console error
let relaxed; // CSP bypassed, only to inject axe-core

before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  strict = await browser.newContext();
  relaxed = await browser.newContext({ bypassCSP: true });
});

after(async () => {
  await browser?.close();
});

/** Opens a page and records every console error, page error and failed request. */
async function open(context, url) {
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => {
    // The browser fetches the icon on its own schedule, after the page has
    // loaded; closing the page aborts it. Any other failure is the page's.
    const aborted = r.failure()?.errorText === 'net::ERR_ABORTED';
    if (!(aborted && r.url().endsWith('/favicon.svg'))) {
      errors.push(`requestfailed: ${r.url()} ${r.failure()?.errorText}`);
    }
  });
  const response = await page.goto(url, { waitUntil: 'load' });
  return { page, response, errors };
}

/** The rows of the table of all figures on an indicator page. */
async function figureRows(page) {
  return page.$$eval('#all ~ .table-wrap table tbody tr', (trs) =>
    trs.map((tr) => {
      const cells = tr.querySelectorAll('th, td');
      const fig = cells[2].querySelector('.fig');
      const notes = [...cells[2].querySelectorAll('sup a')].map((a) => {
        const li = document.getElementById(a.getAttribute('href').slice(1));
        return li ? li.textContent : `missing ${a.getAttribute('href')}`;
      });
      return {
        period: cells[0].textContent.trim(),
        breakdown: cells[1].textContent.trim(),
        figure: fig.textContent.trim(),
        status: [...fig.classList].find((c) => c.startsWith('st-')),
        notes,
      };
    }),
  );
}

test('every internal link works, on every page, without console errors', async () => {
  const origin = new URL(BASE).origin;
  const queue = [new URL('index.html', BASE).href, new URL('en/index.html', BASE).href];
  const seen = new Set(queue);
  const files = new Set();
  let pages = 0;
  // One tab for the whole crawl: its listeners collect the errors of each page.
  const page = await strict.newPage();
  const errors = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => {
    // The browser fetches the icon on its own schedule, after the page has
    // loaded; closing the page aborts it. Any other failure is the page's.
    const aborted = r.failure()?.errorText === 'net::ERR_ABORTED';
    if (!(aborted && r.url().endsWith('/favicon.svg'))) {
      errors.push(`requestfailed: ${r.url()} ${r.failure()?.errorText}`);
    }
  });
  while (queue.length) {
    const url = queue.shift();
    errors.length = 0;
    const response = await page.goto(url, { waitUntil: 'load' });
    assert.equal(response.status(), 200, `${url} answers ${response.status()}`);
    assert.deepEqual(errors, [], `${url}: ${errors.join('; ')}`);
    const info = await page.evaluate(() => {
      const hrefs = [...document.querySelectorAll('a[href], link[href]')].map((a) => a.href);
      const anchors = [...document.querySelectorAll('a[href^="#"]')]
        .map((a) => a.getAttribute('href').slice(1))
        .filter((id) => id && !document.getElementById(id));
      const levels = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].map((h) => Number(h.tagName[1]));
      const skipped = levels.some((l, i) => i > 0 && l > levels[i - 1] + 1);
      const unscoped = [...document.querySelectorAll('table th')].filter((th) => !th.getAttribute('scope')).length;
      const uncaptioned = [...document.querySelectorAll('table')].filter((t) => !t.querySelector('caption')).length;
      return {
        lang: document.documentElement.lang,
        h1: document.querySelectorAll('h1').length,
        hrefs,
        anchors,
        skipped,
        unscoped,
        uncaptioned,
        scripts: document.querySelectorAll('script').length,
        inlineStyles: document.querySelectorAll('[style]').length,
        main: document.querySelectorAll('main').length,
        skip: document.querySelector('a.skip')?.getAttribute('href'),
      };
    });
    const english = new URL(url).pathname.startsWith('/en/');
    assert.equal(info.lang, english ? 'en' : 'nl', `${url}: lang`);
    assert.equal(info.h1, 1, `${url}: one h1`);
    assert.equal(info.main, 1, `${url}: one main landmark`);
    assert.equal(info.skip, '#main', `${url}: skip link`);
    assert.equal(info.skipped, false, `${url}: headings skip a level`);
    assert.equal(info.unscoped, 0, `${url}: table headers without scope`);
    assert.equal(info.uncaptioned, 0, `${url}: tables without caption`);
    assert.equal(info.scripts, 0, `${url}: has a script`);
    assert.equal(info.inlineStyles, 0, `${url}: has an inline style`);
    assert.deepEqual(info.anchors, [], `${url}: anchors to nothing`);
    for (const href of info.hrefs) {
      const u = new URL(href);
      if (u.origin !== origin) continue;
      u.hash = '';
      const target = u.href;
      if (seen.has(target)) continue;
      seen.add(target);
      if (target.endsWith('.html')) queue.push(target);
      else files.add(target);
    }
    pages += 1;
  }
  await page.close();
  for (const f of files) {
    const r = await strict.request.get(f);
    assert.equal(r.status(), 200, `${f} answers ${r.status()}`);
  }
  assert.ok(pages > 100, `only ${pages} pages reached`);
  assert.ok([...files].some((f) => f.endsWith('downloads/cells.csv')), 'no CSV download linked');
});

test('the language switch leads to the same page in the other language', async () => {
  const { page } = await open(strict, new URL('indicator/comensha.minor_victims.html', BASE).href);
  assert.equal(await page.getAttribute('html', 'lang'), 'nl');
  await page.click('a[hreflang="en"]');
  await page.waitForLoadState('load');
  assert.ok(page.url().endsWith('/en/indicator/comensha.minor_victims.html'), page.url());
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.match(await page.textContent('h1'), /Minor victims of trafficking registered with CoMensha/);
  await page.click('a[hreflang="nl"]');
  await page.waitForLoadState('load');
  assert.ok(page.url().endsWith('/indicator/comensha.minor_victims.html') && !page.url().includes('/en/'), page.url());
  await page.close();
});

test('key figures and statuses appear as the seeds give them', async () => {
  // "108 in 2019 → 52 in 2023"
  {
    const { page } = await open(strict, new URL('theme/kinderhandel.html', BASE).href);
    const pairs = await page.$$eval('a[href$="indicator/comensha.minor_victims.html"] + .key .pair', (ps) =>
      ps.map((p) => [p.querySelector('.fig').textContent, p.textContent.trim().split(' ').pop()]),
    );
    assert.deepEqual(pairs, [['108', '2019'], ['52', '2023']]);
    assert.match(await page.textContent('#keys'), /Kengetallen/);
    await page.close();
  }
  // "<10" for police reports on child prostitution 2017, with its footnote.
  {
    const { page } = await open(strict, new URL('indicator/politie.child_prostitution_reports.html', BASE).href);
    const row = (await figureRows(page)).find((r) => r.period === '2017' && r.breakdown === 'totaal');
    assert.equal(row.figure, '<10');
    assert.equal(row.status, 'st-below');
    assert.match(row.notes.join(' '), /kleiner dan tien/);
    assert.ok(await page.$('svg.chart g.below'), 'the chart draws <10 as a hatched box');
    await page.close();
  }
  // "x" for the temporary permits 2020, with the ministry's reason.
  {
    const { page } = await open(strict, new URL('indicator/jenv.minor_victims_temporary_permit.html', BASE).href);
    const row = (await figureRows(page)).find((r) => r.period === '2020' && r.breakdown === 'totaal');
    assert.equal(row.figure, 'x');
    assert.equal(row.status, 'st-refused');
    assert.match(row.notes.join(' '), /wil het ministerie .* niet geven/);
    const gaps = await page.$$eval('svg.chart g.gap text', (ts) => ts.map((t) => t.textContent));
    assert.ok(gaps.includes('x'), `refused years are marked gaps in the chart: ${gaps}`);
    await page.close();
  }
  // "7–28" for protected reception 2019.
  {
    const { page } = await open(strict, new URL('indicator/amv.disappearances.html', BASE).href);
    const row = (await figureRows(page)).find((r) => r.period === '2019' && r.breakdown === 'beschermde opvang');
    assert.equal(row.figure, '7–28');
    assert.equal(row.status, 'st-range');
    await page.close();
  }
  // "5.000–7.500" for the Rapporteur's estimate; "5,000–7,500" in English.
  for (const [path, text] of [
    ['indicator/nr.estimate.victims.html', '5.000–7.500'],
    ['en/indicator/nr.estimate.victims.html', '5,000–7,500'],
  ]) {
    const { page } = await open(strict, new URL(path, BASE).href);
    const row = (await figureRows(page)).find((r) => r.period === '2020' && /^(totaal|total)$/.test(r.breakdown));
    assert.ok(row.figure.startsWith(text), `${path}: ${row.figure}`);
    assert.equal(row.status, 'st-estimate');
    assert.ok(await page.$('svg.chart g.estimate path'), 'the estimate is drawn with its interval');
    await page.close();
  }
  // The yearly table never computes a change from a bound.
  {
    const { page } = await open(strict, new URL('table.html', BASE).href);
    // Newest year first, right after the change: nothing a reader comes for
    // is behind the scroll.
    const head = await page.$$eval('table.yearly thead th', (ths) => ths.map((th) => th.textContent.trim()));
    assert.match(head[1], /^Verschil met \d{4}$/, head.join(' | '));
    assert.ok(Number(head[2]) > Number(head[head.length - 1]), `newest first: ${head.join(' | ')}`);
    const rows = await page.$$eval('table.yearly tbody tr', (trs) =>
      trs.map((tr) => {
        const tds = [...tr.querySelectorAll('td')];
        return { last: tds[1].querySelector('.fig').className, change: tds[0].textContent };
      }),
    );
    assert.ok(rows.length > 5);
    for (const r of rows) {
      if (!/st-(exact|rounded)/.test(r.last)) assert.equal(r.change, '', `a change next to ${r.last}`);
    }
    await page.close();
  }
});

test('the API answers public cells as JSON', async () => {
  const r = await strict.request.get(new URL('api/indicators/politie.child_prostitution_reports/cells', BASE).href);
  assert.equal(r.status(), 200);
  assert.equal(r.headers()['content-security-policy'].includes("default-src 'self'"), true);
  const cells = (await r.json()).cells;
  const c2017 = cells.find((c) => c.period === '2017' && c.breakdown === '');
  assert.equal(c2017.status, 'below');
  assert.equal(c2017.upper, 10);
  assert.equal(c2017.value, null);
  const missing = await strict.request.get(new URL('api/indicators/nope/cells', BASE).href);
  assert.equal(missing.status(), 404);
  assert.ok((await missing.json()).error);
  const spec = await strict.request.get(new URL('api/openapi.json', BASE).href);
  assert.match((await spec.json()).openapi, /^3\./);
});

test('no serious or critical accessibility violation (axe-core)', async () => {
  const paths = [
    'index.html',
    'about.html',
    'methodology.html',
    'theme/kinderhandel.html',
    'indicator/comensha.minor_victims.html',
    'indicator/jenv.minor_victims_temporary_permit.html',
    'indicator/nr.estimate.victims.html',
    'recommendation/19a.html',
    'measure/wet-seksuele-misdrijven.html',
    'table.html',
    'recommendations.html',
    'measures.html',
    'downloads.html',
  ];
  const failures = [];
  for (const p of [...paths, ...paths.map((p) => `en/${p}`)]) {
    const { page } = await open(relaxed, new URL(p, BASE).href);
    for (const v of await seriousViolations(page)) failures.push(`${p}: ${v}`);
    await page.close();
  }
  assert.deepEqual(failures, []);
});

test('the static site works from file://', { skip: !SITE_DIR && 'ZICHT_SITE_DIR not set' }, async () => {
  const { page, errors } = await open(strict, pathToFileURL(path.join(SITE_DIR, 'index.html')).href);
  assert.equal(await page.getAttribute('html', 'lang'), 'nl');
  await page.click('nav a[href$="theme/kinderhandel.html"]');
  await page.waitForLoadState('load');
  assert.match(await page.textContent('h1'), /Kinderhandel en seksuele uitbuiting/);
  const css = await page.evaluate(() => getComputedStyle(document.querySelector('header.site')).borderBottomStyle);
  assert.equal(css, 'solid', 'the stylesheet loads from file://');
  await page.click('a[hreflang="en"]');
  await page.waitForLoadState('load');
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.match(await page.textContent('h1'), /Child trafficking and sexual exploitation/);
  assert.deepEqual(errors, []);
  await page.close();
});

// Every page kind of the published site, as the overflow test opens them.
const PAGE_KINDS = [
  'index.html',
  'theme/kinderhandel.html',
  'indicator/comensha.minor_victims.html',
  'indicator/nr.estimate.victims.html',
  'indicator/amv.disappearances.html',
  'recommendations.html',
  'recommendation/39a.html',
  'measures.html',
  'measure/wet-seksuele-misdrijven.html',
  'table.html',
  'downloads.html',
  'methodology.html',
  'about.html',
];
const WIDTHS = [360, 768, 1280, 1920];

/**
 * What overflows on the open page: the page itself, a card or box wider
 * than its content box or sticking out of the page, a table cell whose text
 * is cut, and a table box that scrolls without keeping its first column in
 * view (a wide table may scroll inside its box, newest years first, with a
 * sticky first column; nothing else may).
 */
function overflowProblems() {
  const out = [];
  const doc = document.documentElement;
  const pageWidth = doc.clientWidth;
  const name = (el) => {
    const id = el.id ? `#${el.id}` : '';
    const cls = typeof el.className === 'string' && el.className ? `.${el.className.trim().split(/\s+/).join('.')}` : '';
    const text = (el.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 40);
    return `${el.tagName.toLowerCase()}${id}${cls} "${text}"`;
  };
  if (doc.scrollWidth > pageWidth) out.push(`page: scrollWidth ${doc.scrollWidth} > ${pageWidth}`);
  const boxes = document.querySelectorAll(
    '.card, .keys > li, figure.chart, .legend, dl.facts, .inview-block, header.site, footer.site, svg.chart, svg.spark, svg.inview, blockquote',
  );
  for (const el of boxes) {
    const r = el.getBoundingClientRect();
    if (el.scrollWidth > el.clientWidth + 1 && !(el instanceof SVGElement)) {
      out.push(`${name(el)}: scrollWidth ${el.scrollWidth} > clientWidth ${el.clientWidth}`);
    }
    if (r.right > pageWidth + 1 || r.left < -1) out.push(`${name(el)}: ${Math.round(r.left)}..${Math.round(r.right)} outside 0..${pageWidth}`);
  }
  for (const wrap of document.querySelectorAll('.table-wrap')) {
    const r = wrap.getBoundingClientRect();
    if (r.right > pageWidth + 1) out.push(`${name(wrap)}: box ends at ${Math.round(r.right)} > ${pageWidth}`);
    if (wrap.scrollWidth > wrap.clientWidth + 1) {
      const first = wrap.querySelector('tbody th[scope="row"]');
      const scrolls = ['auto', 'scroll'].includes(getComputedStyle(wrap).overflowX);
      const sticky = first && getComputedStyle(first).position === 'sticky';
      if (!scrolls || !sticky) {
        out.push(`${name(wrap.querySelector('caption') || wrap)}: table ${wrap.scrollWidth} > box ${wrap.clientWidth} without a sticky first column`);
      }
    }
  }
  for (const cell of document.querySelectorAll('td, th')) {
    if (cell.scrollWidth > cell.clientWidth + 1) out.push(`${name(cell)}: cell text cut (${cell.scrollWidth} > ${cell.clientWidth})`);
  }
  return out;
}

test('no page, card or table overflows at 360, 768, 1280 and 1920 px', async () => {
  const failures = [];
  for (const width of WIDTHS) {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    const page = await context.newPage();
    for (const p of [...PAGE_KINDS, ...PAGE_KINDS.map((p) => `en/${p}`)]) {
      await page.goto(new URL(p, BASE).href, { waitUntil: 'load' });
      for (const problem of await page.evaluate(overflowProblems)) failures.push(`${width}px ${p}: ${problem}`);
    }
    await context.close();
  }
  assert.deepEqual(failures, []);
});

test('screenshots of the home, a theme and an indicator page at 1280 px', async () => {
  const dir = process.env.ZICHT_SCREENSHOTS;
  if (!dir) return;
  const { mkdirSync } = await import('node:fs');
  mkdirSync(dir, { recursive: true });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  for (const [p, file] of [
    ['index.html', 'home-1280.png'],
    ['theme/kinderhandel.html', 'theme-1280.png'],
    ['indicator/comensha.minor_victims.html', 'indicator-1280.png'],
  ]) {
    await page.goto(new URL(p, BASE).href, { waitUntil: 'load' });
    const out = path.join(dir, file);
    await page.screenshot({ path: out, fullPage: true });
    console.log(`screenshot: ${out}`);
  }
  await context.close();
});

test('the home page leads with headline figures, their trend and what is in view', async () => {
  const { page } = await open(strict, new URL('index.html', BASE).href);
  const cards = await page.$$eval('.headlines > li.card', (lis) =>
    lis.map((li) => ({
      title: li.querySelector('h3').textContent.trim(),
      big: li.querySelector('.big .fig').textContent.trim(),
      spark: !!li.querySelector('svg.spark'),
      inView: li.querySelector('.inview-share')?.textContent.trim() ?? null,
    })),
  );
  assert.ok(cards.length >= 3 && cards.length <= 6, `${cards.length} headline cards`);
  assert.ok(cards.every((c) => c.spark), 'every headline has its trend');
  const estimate = cards.find((c) => /Geschat aantal slachtoffers/.test(c.title));
  assert.ok(estimate, 'the estimate is a headline');
  assert.equal(estimate.inView, 'In beeld: 14%–20%');
  assert.ok(await page.$('svg.inview rect.interval'), 'in view is drawn against the interval');
  // One table of changes, not one per indicator.
  assert.equal(await page.$$eval('#changes ~ .table-wrap table, section[aria-labelledby="changes"] table', (t) => t.length), 1);
  await page.close();
});

test('recommendations have a status per edition and timelines name events with dates in words', async () => {
  {
    const { page } = await open(strict, new URL('recommendations.html', BASE).href);
    const head = await page.$$eval('table.recs thead th', (ths) => ths.map((th) => th.textContent.trim()));
    assert.ok(head.length >= 3, head.join(' | '));
    const badges = await page.$$eval('table.recs .badge', (bs) => bs.map((b) => b.textContent.trim()));
    assert.ok(badges.includes('deels uitgevoerd') && badges.includes('niet uitgevoerd'), badges.join(', '));
    await page.close();
  }
  for (const [p, date] of [
    ['measure/wet-seksuele-misdrijven.html', /\b4 juli 2023/],
    ['en/measure/wet-seksuele-misdrijven.html', /\b4 July 2023/],
  ]) {
    const { page } = await open(strict, new URL(p, BASE).href);
    const text = await page.textContent('#timeline ~ .table-wrap table, section[aria-labelledby="timeline"] table');
    assert.match(text, date);
    assert.doesNotMatch(text, /\d{4}-\d{2}-\d{2}/, 'no ISO dates in the timeline');
    await page.close();
  }
  for (const p of ['measures.html']) {
    const { page } = await open(strict, new URL(p, BASE).href);
    await page.close();
  }
});

test('methodology and about come from the data, in both languages', async () => {
  for (const [p, words] of [
    ['methodology.html', [/Wat een cijfer kan zijn/, /Afgeschermd/, /0,3 keer de ondergrens/, /95%-interval/]],
    ['en/methodology.html', [/What a figure can be/, /Withheld/, /0\.3 times the minimum/, /95% interval/]],
    ['about.html', [/CC BY 4\.0/, /Kinderrechtencollectief \(\d{4}\)\. Kinderrechten in Beweging/]],
    ['en/about.html', [/CC BY 4\.0/, /Children's Rights Collective \(\d{4}\)\. Children's Rights in Motion|Children's Rights Collective \(\d{4}\)\./]],
  ]) {
    const { page } = await open(strict, new URL(p, BASE).href);
    const text = await page.textContent('main');
    for (const w of words) assert.match(text, w, `${p}: ${w}`);
    await page.close();
  }
});
