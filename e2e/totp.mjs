// The second factor as an authenticator app computes it: TOTP (RFC 6238,
// HMAC-SHA1, 6 digits, 30-second steps) from a base32 secret, with Node's
// crypto module only. Checked against RFC 6238's own test vector on load.

import { createHmac } from 'node:crypto';
import assert from 'node:assert/strict';

function base32(secret) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const c of secret.replace(/[=\s]/g, '').toUpperCase()) {
    const i = alphabet.indexOf(c);
    assert.ok(i >= 0, `not base32: ${c}`);
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

function hotp(key, counter, digits) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const h = createHmac('sha1', key).update(msg).digest();
  const o = h[h.length - 1] & 15;
  const n = (h.readUInt32BE(o) & 0x7fffffff) % 10 ** digits;
  return String(n).padStart(digits, '0');
}

// The code of a base32 `secret` at `ms` (milliseconds since the epoch).
export function totp(secret, ms = Date.now()) {
  return hotp(base32(secret), Math.floor(ms / 1000 / 30), 6);
}

// RFC 6238 appendix B: "12345678901234567890" at 59 s is 94287082 (8 digits).
assert.equal(hotp(Buffer.from('12345678901234567890'), Math.floor(59 / 30), 8), '94287082');
assert.equal(totp('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 59_000), '287082');

// Sets up the second factor on the enrolment page `page` is on: reads the
// secret, types the code, and goes on to the portal. Answers the secret.
export async function enrol(page) {
  const secret = (await page.textContent('code.totp-secret')).trim();
  assert.match(await page.textContent('code.totp-uri'), /^otpauth:\/\/totp\//);
  await page.fill('#code', totp(secret));
  await Promise.all([page.waitForNavigation(), page.click('main form.stack button[type=submit]')]);
  const codes = await page.locator('ul.recovery-codes li').count();
  assert.equal(codes, 10, `ten recovery codes: ${await page.textContent('main')}`);
  await Promise.all([page.waitForNavigation(), page.click('a.continue')]);
  return secret;
}
