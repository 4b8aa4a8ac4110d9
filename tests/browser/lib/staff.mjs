// Helpers for the staff screens' tests (agent, mediator): the demo accounts the
// server prints, answer logs made by the real adaptive test, and a small API
// client (node's fetch with the session cookie) to seed results.
import { dirname, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';


/**
 * The demo accounts and kiosk token from the output of `repere serve --demo`:
 * `{ agent: {login, password}, trainer: {…}, admin: {…}, kioskToken }`.
 */
export function demoAccounts(output) {
  const roles = { Agent: 'agent', 'Médiateur': 'trainer', Administrateur: 'admin' };
  const accounts = {};
  for (const m of output.matchAll(/^\s*(\S+)\s+identifiant : (\S+)\s+mot de passe : (\S+)\s*$/gm)) {
    if (roles[m[1]]) accounts[roles[m[1]]] = { login: m[2], password: m[3] };
  }
  const kiosk = output.match(/jeton \(en-tête X-Kiosk-Token\) : (\S+)/);
  accounts.kioskToken = kiosk ? kiosk[1] : null;
  for (const role of ['agent', 'trainer', 'admin']) {
    if (!accounts[role]) throw new Error(`no ${role} account in the server's output:\n${output}`);
  }
  return accounts;
}

/**
 * An answer log for `POST /api/results` or `/api/screenings/{id}/result`, made by
 * the real adaptive test (`repere-sample-log`, built next to `repere`), so that
 * the server's replay accepts it: the first `rightShare` of a 20-item test answered
 * right, the rest with « Je ne sais pas » (`skip`: all of them). The test decides
 * its own length and items; `versions` and `n` are kept for the callers' sake.
 */
export function answerLog(_versions, { rightShare = 0.5, skip = false } = {}) {
  const bin = process.env.REPERE_SAMPLE_LOG
    || join(dirname(process.env.REPERE_BIN || ''), 'repere-sample-log');
  const args = [randomUUID(), '--right-share', String(rightShare)];
  if (skip) args.push('--skip');
  return JSON.parse(execFileSync(bin, args, { encoding: 'utf8' }));
}

/** `GET /api/health`: the engine and référentiel versions the server expects. */
export async function versions(url) {
  const r = await fetch(new URL('/api/health', url));
  if (!r.ok) throw new Error(`health: ${r.status}`);
  return r.json();
}

/** Logs in with node's fetch; returns a client `{ get, post, delete }` with the cookie and CSRF token. */
export async function apiSession(url, { login, password }) {
  const r = await fetch(new URL('/api/login', url), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ login, password }),
  });
  if (!r.ok) throw new Error(`login ${login}: ${r.status} ${await r.text()}`);
  const { csrf_token: csrf } = await r.json();
  const cookie = r.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const call = async (method, path, body, headers = {}) => {
    const res = await fetch(new URL(path, url), {
      method,
      headers: {
        Cookie: cookie,
        ...(method === 'GET' ? {} : { 'X-CSRF-Token': csrf, 'Content-Type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json = null;
    try {
      json = JSON.parse(text);
    } catch {
      // Not JSON (a CSV export): the text is returned.
    }
    return { status: res.status, json, text };
  };
  return {
    get: (path) => call('GET', path),
    post: (path, body, headers) => call('POST', path, body, headers),
    delete: (path) => call('DELETE', path),
  };
}

/** `POST /api/results` without an account (a kiosk with its token, or a personal device). */
export async function submitResult(url, log, { kioskToken = null } = {}) {
  const res = await fetch(new URL('/api/results', url), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(kioskToken ? { 'X-Kiosk-Token': kioskToken } : {}) },
    body: JSON.stringify(log),
  });
  const json = await res.json();
  if (res.status !== 201) throw new Error(`submit: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Logs in through the login form of the page (which shows it). */
export async function loginThroughForm(page, { login, password }) {
  await page.getByRole('heading', { level: 1, name: 'Connexion' }).waitFor();
  await page.getByLabel('Identifiant', { exact: true }).fill(login);
  await page.getByLabel('Mot de passe', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
}

/** The id of the focused element (or its tag when it has none). */
export async function focusedId(page) {
  return page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName.toLowerCase());
}

/** Waits until the element `id` has the focus (focus moves once the screen is drawn). */
export async function waitForFocus(page, id, { timeout = 5_000 } = {}) {
  try {
    await page.waitForFunction((id) => document.activeElement?.id === id, id, { timeout });
  } catch {
    throw new Error(`focus should be on #${id}, it is on ${await focusedId(page)}`);
  }
}

/** Parses a `;`-separated CSV (quotes doubled inside quoted cells), CRLF lines. */
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (c === '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ';') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i += 1;
    } else {
      cell += c;
    }
  }
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

/**
 * The code an authenticator app shows for `base32` (the key shown on the setup
 * screen, spaces allowed) at `at` seconds: RFC 6238, HMAC-SHA-1, 6 digits, 30 s.
 */
export function totpCode(base32, at = Date.now() / 1000) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bits = [...base32.replace(/[\s=]/g, '').toUpperCase()]
    .map((c) => {
      const v = alphabet.indexOf(c);
      if (v < 0) throw new Error(`not base32: ${c}`);
      return v.toString(2).padStart(5, '0');
    })
    .join('');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 30)));
  const h = createHmac('sha1', key).update(counter).digest();
  const o = h[19] & 15;
  const n = (((h[o] & 0x7f) << 24) | (h[o + 1] << 16) | (h[o + 2] << 8) | h[o + 3]) % 1_000_000;
  return String(n).padStart(6, '0');
}
