// Kills the real server process (SIGKILL, as kill -9) while 50 suppliers
// deliver, starts it again on the same store, and checks that nothing was
// lost or half-stored: every delivery is as it was before its last request
// or as after it, never in between; then the interrupted suppliers try
// again and every delivery lands exactly as sent. Synthetic data only; the
// store and the tokens are bench/portal-load.sh's (the monitor of
// portal-load.mjs). Node ≥ 20, no dependencies.
//
//   ZICHT_BIN=zicht ZICHT_DB=URL ZICHT_LOAD_TOKENS=tokens.json node portal-crash.mjs
//
// Exits non-zero on any lost or half-stored delivery, or when the kill came
// too late to interrupt anything.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const BIN = process.env.ZICHT_BIN;
const DB = process.env.ZICHT_DB;
const TOKENS = JSON.parse(readFileSync(process.env.ZICHT_LOAD_TOKENS, 'utf8'));
const ORGANISATIONS = Object.keys(TOKENS.suppliers).sort();
const INDICATORS = ['victims', 'suspects'];
// Periods the load run did not accept figures for, so that no draft is a
// correction (which would need a reason).
const PERIODS = ['2025', '2026', '2027'];
const DRAFTS = 3;
// The server is killed once this many suppliers have signed off: the rest
// are still at work.
const KILL_AFTER = Number(process.env.ZICHT_CRASH_AFTER ?? 5);

const region = (org) => `r${org.slice(4)}`;
const key = (c) => `${c.indicator}|${c.period}|${c.breakdown}`;

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

let url;
let log = '';

async function start(port) {
  const server = spawn(BIN, ['--db', DB, 'serve', '--addr', `127.0.0.1:${port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  server.stderr.on('data', (d) => { log = (log + d).slice(-4000); });
  url = `http://127.0.0.1:${port}/`;
  for (let i = 0; i < 200; i++) {
    if (server.exitCode !== null) throw new Error(`zicht serve stopped before answering:\n${log}`);
    try {
      if ((await fetch(new URL('api/editions', url))).ok) return server;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`zicht serve did not answer:\n${log}`);
}

function stopped(server) {
  return new Promise((resolve) => (server.exitCode !== null || server.signalCode !== null ? resolve() : server.once('exit', resolve)));
}

async function call(token, method, path, { body, type } = {}) {
  const headers = { authorization: `Bearer ${token}` };
  if (type) headers['content-type'] = type;
  const res = await fetch(new URL(path, url), { method, headers, body });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

/** What `org` sends in its `n`th draft (the last one is signed off). */
function cells(org, n) {
  const out = [];
  for (const indicator of INDICATORS) {
    for (const period of PERIODS) {
      const value = 1000 * Number(org.slice(4)) + 10 * PERIODS.indexOf(period) + n + (indicator === 'suspects' ? 500 : 0);
      out.push({ indicator, period, breakdown: `region=${region(org)}`, status: 'exact', value });
    }
  }
  return out;
}

const csv = (cs) => 'indicator,period,breakdown,status,value,lower,upper,reason\n' +
  cs.map((c) => `${c.indicator},${c.period},${c.breakdown},${c.status},${c.value},,,`).join('\n') + '\n';

const same = (got, want) => got.length === want.length &&
  want.every((c) => got.some((g) => key(g) === key(c) && g.status === c.status && g.value === c.value));

async function main() {
  const port = await freePort();
  let server = await start(port);
  const plan = {
    edition: 'synth-2024',
    title: 'Synthetische uitvraag na een crash',
    due: '2099-12-31',
    requests: ORGANISATIONS.map((o) => ({ organisation: o, indicators: INDICATORS, periods: PERIODS, breakdowns: [`region=${region(o)}`] })),
  };
  const { id: round } = await call(TOKENS.editor, 'POST', '/api/rounds', { body: JSON.stringify(plan), type: 'application/json' });
  const { deliveries } = await call(TOKENS.editor, 'GET', `/api/deliveries?round=${round}`);
  const deliveryOf = new Map(deliveries.map((d) => [d.organisation, d.id]));

  // Each supplier: drafts 1..3, then signs off draft 3. `done` counts the
  // requests answered, so the state after the crash can be judged.
  const progress = new Map(ORGANISATIONS.map((o) => [o, { answered: 0, sent: 0, error: null }]));
  let signedOff = 0;
  let killedAt = null;
  const kill = () => {
    if (killedAt === null) {
      killedAt = performance.now();
      server.kill('SIGKILL');
    }
  };
  async function supplier(org) {
    const p = progress.get(org);
    const id = deliveryOf.get(org);
    const token = TOKENS.suppliers[org];
    try {
      for (let n = 1; n <= DRAFTS; n++) {
        p.sent = n;
        await call(token, 'PUT', `/api/deliveries/${id}/draft`, { body: csv(cells(org, n)), type: 'text/csv' });
        p.answered = n;
      }
      p.sent = DRAFTS + 1;
      await call(token, 'POST', `/api/deliveries/${id}/submit`);
      p.answered = DRAFTS + 1;
      if (++signedOff >= KILL_AFTER) kill();
    } catch (e) {
      p.error = e.message;
    }
  }
  await Promise.all(ORGANISATIONS.map(supplier));
  kill();
  await stopped(server);
  const interrupted = ORGANISATIONS.filter((o) => progress.get(o).error !== null);

  // The same store, a new process.
  server = await start(port);
  const failures = [];
  const states = { signedOff: 0, draft: 0, untouched: 0 };
  for (const org of ORGANISATIONS) {
    const p = progress.get(org);
    const id = deliveryOf.get(org);
    const d = await call(TOKENS.editor, 'GET', `/api/deliveries/${id}`);
    const { revisions } = await call(TOKENS.editor, 'GET', `/api/deliveries/${id}/revisions`);
    // Answered n requests and sent n+1: the store holds the state after
    // request n, or after request n+1, whole.
    const after = (n) => {
      if (n === 0) return d.state === 'draft' && d.draft.length === 0 && revisions.length === 0;
      if (n <= DRAFTS) return d.state === 'draft' && revisions.length === 0 && same(d.draft, cells(org, n));
      return d.state === 'submitted' && revisions.length === 1 && same(revisions[0].cells, cells(org, DRAFTS)) && same(d.draft, cells(org, DRAFTS));
    };
    if (!(after(p.answered) || (p.error !== null && after(p.sent)))) {
      failures.push(`${org} (delivery ${id}): answered ${p.answered} of ${p.sent} sent, but the store holds state ${d.state}, ` +
        `${d.draft.length} draft cells, ${revisions.length} revisions`);
    }
    if (revisions.length) states.signedOff++;
    else if (d.draft.length) states.draft++;
    else states.untouched++;
  }
  if (interrupted.length === 0) failures.push('the kill came after every supplier had finished: nothing was interrupted');

  // The interrupted suppliers try again: every delivery lands as sent; a
  // sign-off that landed before the kill is recognised, not doubled.
  let repeated = 0;
  for (const org of interrupted) {
    const id = deliveryOf.get(org);
    const token = TOKENS.suppliers[org];
    const signed = await call(token, 'POST', `/api/deliveries/${id}/submit`, { body: csv(cells(org, DRAFTS)), type: 'text/csv' });
    if (!signed.new) repeated++;
    if (signed.revision !== 1) failures.push(`${org}: signed off as revision ${signed.revision} after the restart`);
  }
  let lost = 0;
  for (const org of ORGANISATIONS) {
    const id = deliveryOf.get(org);
    const d = await call(TOKENS.editor, 'GET', `/api/deliveries/${id}`);
    const { revisions } = await call(TOKENS.editor, 'GET', `/api/deliveries/${id}/revisions`);
    if (d.state !== 'submitted' || revisions.length !== 1 || !same(revisions[0].cells, cells(org, DRAFTS))) {
      lost++;
      failures.push(`${org}: after the retries ${d.state} with ${revisions.length} revisions`);
    }
  }
  server.kill('SIGTERM');
  await stopped(server);

  console.log(`portal-crash: ${DB.split(':')[0]}: killed the server (SIGKILL) after ${signedOff} sign-offs with ${interrupted.length} suppliers interrupted; ` +
    `after the restart ${states.signedOff} signed off, ${states.draft} with a whole draft, ${states.untouched} untouched, ` +
    `${failures.filter((f) => f.includes('store holds')).length} half-stored; after retrying ${interrupted.length} ` +
    `(${repeated} found already signed off) ${ORGANISATIONS.length - lost}/${ORGANISATIONS.length} delivered, ${lost} lost`);
  if (failures.length) {
    console.error('portal-crash: FAILED');
    for (const f of failures.slice(0, 20)) console.error('  ' + f);
    process.exit(1);
  }
}

await main();
