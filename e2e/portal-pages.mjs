// Checks of portal pages as a signed-in user sees them, in Dutch and in
// English: no serious or critical axe-core violation, and nothing cut off
// or sticking out at 768 and 1280 px. Shared by portal.test.mjs and
// round.test.mjs, which each hold the pages only their users reach.

import { seriousViolations } from './axe.mjs';

const WIDTHS = [768, 1280];

/**
 * What is cut off or sticks out on the open page: the page wider than the
 * window, a box of the page outside it, a cell whose text is cut, and a
 * table that does not fit its box at `width` (a table may scroll inside
 * its box below 1280 px, never at 1280 or wider).
 */
function overflowProblems(width) {
  const out = [];
  const doc = document.documentElement;
  const pageWidth = doc.clientWidth;
  const name = (el) => {
    const id = el.id ? `#${el.id}` : '';
    const cls = typeof el.className === 'string' && el.className ? `.${el.className.trim().split(/\s+/).join('.')}` : '';
    const text = (el.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 40);
    return `${el.tagName.toLowerCase()}${id}${cls} "${text}"`;
  };
  if (doc.scrollWidth > pageWidth) {
    // Name the innermost things that stick out, which are what to fix.
    const outside = [...document.body.querySelectorAll('*')].filter(
      (el) => el.getBoundingClientRect().right > pageWidth + 1 && !el.closest('.table-wrap'),
    );
    const innermost = outside.filter((el) => !outside.some((o) => o !== el && el.contains(o)));
    out.push(`page: scrollWidth ${doc.scrollWidth} > ${pageWidth} (${innermost.slice(0, 3).map(name).join(', ')})`);
  }
  for (const el of document.querySelectorAll('header.site, main > *, footer.site, form, fieldset, dl.facts')) {
    // A wide table scrolls inside its box; what is in it goes along.
    if (el.closest('.table-wrap')) continue;
    const r = el.getBoundingClientRect();
    if (r.right > pageWidth + 1 || r.left < -1) out.push(`${name(el)}: ${Math.round(r.left)}..${Math.round(r.right)} outside 0..${pageWidth}`);
  }
  for (const wrap of document.querySelectorAll('.table-wrap')) {
    if (wrap.scrollWidth > wrap.clientWidth + 1) {
      const scrolls = ['auto', 'scroll'].includes(getComputedStyle(wrap).overflowX);
      if (width >= 1280 || !scrolls) out.push(`${name(wrap)}: table ${wrap.scrollWidth} > box ${wrap.clientWidth}`);
    }
  }
  for (const cell of document.querySelectorAll('td, th')) {
    if (cell.scrollWidth > cell.clientWidth + 1) out.push(`${name(cell)}: cell text cut (${cell.scrollWidth} > ${cell.clientWidth})`);
  }
  return out;
}

/**
 * Opens each of `paths` (portal paths) with the cookies of `signedIn` (a
 * page of a signed-in user, or of nobody) in both languages, and answers
 * every failure found, empty when all is well. Its own context bypasses
 * the portal's CSP, only to inject axe-core.
 */
export async function checkPortalPages(browser, signedIn, base, paths) {
  const failures = [];
  const context = await browser.newContext({ bypassCSP: true });
  await context.addCookies(await signedIn.context().cookies());
  const host = new URL(base).hostname;
  const page = await context.newPage();
  for (const lang of ['nl', 'en']) {
    await context.addCookies([{ name: 'zicht_lang', value: lang, domain: host, path: '/portal' }]);
    for (const p of paths) {
      await page.setViewportSize({ width: 1280, height: 900 });
      const response = await page.goto(new URL(p, base).href, { waitUntil: 'load' });
      if (!response || response.status() !== 200) {
        failures.push(`${lang} ${p}: answered ${response?.status()}`);
        continue;
      }
      if ((await page.getAttribute('html', 'lang')) !== lang) failures.push(`${lang} ${p}: <html lang> is not ${lang}`);
      for (const v of await seriousViolations(page)) failures.push(`${lang} ${p}: ${v}`);
      for (const width of WIDTHS) {
        await page.setViewportSize({ width, height: 900 });
        for (const problem of await page.evaluate(overflowProblems, width)) failures.push(`${lang} ${width}px ${p}: ${problem}`);
      }
    }
  }
  await context.close();
  return failures;
}
