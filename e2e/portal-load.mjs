// Load test of the round API: 50 supplier organisations deliver at once
// while readers hammer the public API, then every delivery is checked.
// Synthetic data only. Node ≥ 20, no dependencies.
//
//   node portal-load.mjs monitor DIR   writes the synthetic monitor to DIR
//   node portal-load.mjs run           runs the load against ZICHT_URL with
//                                      the tokens in ZICHT_LOAD_TOKENS (JSON
//                                      file: {"editor": T, "suppliers": {ORG: T}})
//
// bench/portal-load.sh sets everything up. Exits non-zero on any error, any
// lost or altered delivery, or when the run takes longer than the limit.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ORGANISATIONS = Array.from({ length: 50 }, (_, i) => `org-${String(i + 1).padStart(2, '0')}`);
const INDICATORS = ['victims', 'suspects'];
const PERIODS = ['2022', '2023', '2024'];
const READERS = Number(process.env.ZICHT_LOAD_READERS ?? 8);
const DRAFTS = 3; // draft uploads per supplier before the sign-off
const LIMIT_MS = Number(process.env.ZICHT_LOAD_LIMIT_MS ?? 60_000);

/** The region an organisation reports on: one each, so deliveries never overlap. */
const region = (org) => `r${org.slice(4)}`;

function writeMonitor(dir) {
  mkdirSync(join(dir, 'cells'), { recursive: true });
  const orgs = ORGANISATIONS.map((o) => `[[organisation]]\nid = "${o}"\nlabel_nl = "Synthetische bron ${o}"\nlabel_en = "Synthetic source ${o}"\n`).join('\n');
  const values = ORGANISATIONS.map((o) => `  { id = "${region(o)}", label_nl = "${region(o)}", label_en = "${region(o)}" }`).join(',\n');
  writeFileSync(join(dir, 'monitor.toml'), `[[theme]]
id = "synth"
label_nl = "Synthetisch"
label_en = "Synthetic"

[[document]]
id = "synth-2021"
kind = "edition"
label_nl = "Synthetische editie 2021"
label_en = "Synthetic edition 2021"
cutoff = "2022-03-01"

[[document]]
id = "synth-2024"
kind = "edition"
label_nl = "Synthetische editie 2024"
label_en = "Synthetic edition 2024"
cutoff = "2025-03-01"

${orgs}
[[counting_unit]]
id = "persons"
label_nl = "personen"
label_en = "persons"

[[dimension]]
id = "region"
label_nl = "regio"
label_en = "region"
values = [
${values}
]
`);
  writeFileSync(join(dir, 'indicators.toml'), INDICATORS.map((id) => `[[indicator]]
id = "${id}"
theme = "synth"
label_nl = "Synthetisch: ${id}"
label_en = "Synthetic: ${id}"
unit = "count"
counting_unit = "persons"
dimensions = ["region"]
`).join('\n'));
  // Last year's figures, so templates carry a reference value.
  const rows = ['indicator,period,breakdown,status,value,lower,upper,base,source,source_ref,footnotes,quote'];
  for (const ind of INDICATORS) {
    for (const o of ORGANISATIONS) rows.push(`${ind},2021,region=${region(o)},exact,${100 + Number(o.slice(4))},,,,${o},synthetic,,`);
  }
  writeFileSync(join(dir, 'cells', 'synth-2021.csv'), rows.join('\n') + '\n');
}

// --- measuring --------------------------------------------------------------

const timings = { delivery: [], read: [], editor: [] };
const failures = [];

async function call(kind, token, method, path, { body, type } = {}) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (type) headers['content-type'] = type;
  const t0 = performance.now();
  let res, text;
  try {
    res = await fetch(new URL(path, process.env.ZICHT_URL), { method, headers, body });
    text = await res.text();
  } catch (e) {
    failures.push(`${method} ${path}: ${e.message}`);
    throw e;
  }
  timings[kind].push(performance.now() - t0);
  if (!res.ok) {
    const msg = `${method} ${path}: ${res.status} ${text.slice(0, 300)}`;
    failures.push(msg);
    throw new Error(msg);
  }
  return text;
}

const json = async (...args) => JSON.parse(await call(...args));

function stats(name, ms, seconds) {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p) => s.length ? s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)].toFixed(1) : '-';
  return `${name.padEnd(10)} ${String(s.length).padStart(6)} requests  ${(s.length / seconds).toFixed(1).padStart(8)} req/s  ` +
    `p50 ${q(0.5)} ms  p95 ${q(0.95)} ms  p99 ${q(0.99)} ms  max ${s.length ? s.at(-1).toFixed(1) : '-'} ms`;
}

// --- the run ----------------------------------------------------------------

/** A CSV line's fields (the template quotes nothing we write, but labels may be). */
function fields(line) {
  const out = [];
  let cur = '', quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (c === '"') quoted = false; else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { out.push(cur); cur = ''; } else cur += c;
  }
  out.push(cur);
  return out;
}

const csvField = (s) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** Fills the template's rows: `round` changes the values, so each draft differs. */
function fill(template, org, round, upTo = Infinity) {
  const lines = template.replace(/^\uFEFF/, '').trim().split(/\r?\n/);
  const header = fields(lines[0]);
  const col = (n) => header.indexOf(n);
  const cells = [];
  const out = [lines[0]];
  for (const line of lines.slice(1, 1 + upTo)) {
    const f = fields(line);
    const value = 1000 * Number(org.slice(4)) + 10 * PERIODS.indexOf(f[col('period')]) + round + (f[col('indicator')] === 'suspects' ? 500 : 0);
    f[col('status')] = 'exact';
    f[col('value')] = String(value);
    cells.push({ indicator: f[col('indicator')], period: f[col('period')], breakdown: f[col('breakdown')], status: 'exact', value });
    out.push(f.map(csvField).join(','));
  }
  return { csv: out.join('\n') + '\n', cells };
}

const key = (c) => `${c.indicator}|${c.period}|${c.breakdown}`;

async function supplier(org, token, uploaded) {
  const { deliveries } = await json('delivery', token, 'GET', '/api/deliveries');
  if (deliveries.length !== 1 || deliveries[0].organisation !== org) throw new Error(`${org} sees ${JSON.stringify(deliveries)}`);
  const id = deliveries[0].id;
  const template = await call('delivery', token, 'GET', `/api/deliveries/${id}/template.csv`);
  let last;
  for (let round = 1; round <= DRAFTS; round++) {
    // The first draft is half done, as people save their work.
    const half = round === 1 ? INDICATORS.length * PERIODS.length / 2 : Infinity;
    last = fill(template, org, round, half);
    const saved = await json('delivery', token, 'PUT', `/api/deliveries/${id}/draft`, { body: last.csv, type: 'text/csv' });
    if (saved.saved !== last.cells.length) throw new Error(`${org}: saved ${JSON.stringify(saved)}`);
  }
  const d = await json('delivery', token, 'GET', `/api/deliveries/${id}`);
  if (d.draft.length !== last.cells.length) throw new Error(`${org}: draft has ${d.draft.length} cells`);
  const signed = await json('delivery', token, 'POST', `/api/deliveries/${id}/submit`);
  if (signed.revision !== 1 || !signed.new) throw new Error(`${org}: sign-off ${JSON.stringify(signed)}`);
  uploaded.set(id, { org, cells: last.cells });
}

async function reader(stop) {
  let i = 0;
  while (!stop.done) {
    const ind = INDICATORS[i++ % INDICATORS.length];
    try {
      await call('read', null, 'GET', `/api/indicators/${ind}/cells`);
    } catch { /* recorded in failures */ }
  }
}

async function run() {
  const tokens = JSON.parse(readFileSync(process.env.ZICHT_LOAD_TOKENS, 'utf8'));
  const editor = tokens.editor;
  const limit = setTimeout(() => {
    console.error(`portal-load: FAILED: longer than ${LIMIT_MS / 1000} s`);
    process.exit(1);
  }, LIMIT_MS);
  const started = performance.now();

  const plan = {
    edition: 'synth-2024',
    title: 'Synthetische uitvraag 2024',
    due: '2099-12-31',
    requests: ORGANISATIONS.map((o) => ({ organisation: o, indicators: INDICATORS, periods: PERIODS, breakdowns: [`region=${region(o)}`] })),
  };
  const { id: round } = await json('editor', editor, 'POST', '/api/rounds', { body: JSON.stringify(plan), type: 'application/json' });

  // Suppliers and readers at the same time, for the same period.
  const uploaded = new Map();
  const stop = { done: false };
  const readers = Array.from({ length: READERS }, () => reader(stop));
  const t0 = performance.now();
  const outcomes = await Promise.allSettled(ORGANISATIONS.map((o) => supplier(o, tokens.suppliers[o], uploaded)));
  const deliverSeconds = (performance.now() - t0) / 1000;
  stop.done = true;
  await Promise.all(readers);
  const loadSeconds = (performance.now() - t0) / 1000;
  // The figures of the concurrent phase only; checking comes after.
  const deliveryTimes = timings.delivery.slice();
  const readTimes = timings.read.slice();
  for (const o of outcomes) if (o.status === 'rejected') failures.push(String(o.reason?.message ?? o.reason));

  // No delivery lost: each signed off, with exactly what was uploaded.
  const r = await json('editor', editor, 'GET', `/api/rounds/${round}`);
  let lost = 0;
  for (const d of r.deliveries) {
    const mine = uploaded.get(d.id);
    const revs = await json('editor', editor, 'GET', `/api/deliveries/${d.id}/revisions`);
    const got = revs.revisions.at(-1)?.cells ?? [];
    const same = mine && d.state === 'submitted' && got.length === mine.cells.length &&
      mine.cells.every((c) => got.some((g) => key(g) === key(c) && g.status === c.status && g.value === c.value));
    if (!same) {
      lost++;
      failures.push(`delivery ${d.id} (${d.organisation}): state ${d.state}, ${got.length} cells signed off, not what was uploaded`);
    }
  }
  if (r.deliveries.length !== ORGANISATIONS.length) failures.push(`${r.deliveries.length} deliveries, expected ${ORGANISATIONS.length}`);

  // The editor accepts all; the figures are then in the store and public.
  let added = 0;
  for (const d of r.deliveries) {
    added += (await json('editor', editor, 'POST', `/api/deliveries/${d.id}/accept`)).cells_added;
  }
  const expected = [...uploaded.values()].flatMap((u) => u.cells);
  const published = new Map();
  for (const ind of INDICATORS) {
    for (const c of JSON.parse(await call('editor', null, 'GET', `/api/indicators/${ind}/cells`)).cells) published.set(key(c), c);
  }
  const missing = expected.filter((c) => published.get(key(c))?.value !== c.value);
  if (added !== expected.length) failures.push(`accepting added ${added} cells, ${expected.length} were delivered`);
  if (missing.length) failures.push(`${missing.length} accepted cells not in the public API, e.g. ${JSON.stringify(missing[0])}`);
  clearTimeout(limit);

  const total = (performance.now() - started) / 1000;
  console.log(`portal-load: ${ORGANISATIONS.length} suppliers × ${INDICATORS.length * PERIODS.length} cells, ${READERS} public readers`);
  console.log(`  deliveries done in ${deliverSeconds.toFixed(2)} s; readers ran ${loadSeconds.toFixed(2)} s alongside`);
  console.log('  ' + stats('deliveries', deliveryTimes, deliverSeconds));
  console.log('  ' + stats('reads', readTimes, loadSeconds));
  console.log(`  total: ${deliveryTimes.length + readTimes.length} requests under load (${((deliveryTimes.length + readTimes.length) / loadSeconds).toFixed(1)} req/s), ${timings.editor.length} editor requests; whole run ${total.toFixed(2)} s; ` +
    `${uploaded.size}/${ORGANISATIONS.length} deliveries signed off, ${lost} lost, ${added} cells accepted, ${failures.length} errors`);
  if (failures.length) {
    console.error('portal-load: FAILED');
    for (const f of failures.slice(0, 20)) console.error('  ' + f);
    process.exit(1);
  }
}

const [mode, dir] = process.argv.slice(2);
if (mode === 'monitor' && dir) writeMonitor(dir);
else if (mode === 'run') await run();
else {
  console.error('usage: node portal-load.mjs monitor DIR | run');
  process.exit(2);
}
