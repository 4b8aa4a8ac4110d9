// Helpers for the staff screens' tests (agent, mediator): the demo accounts the
// server prints, answer logs built from the item bank's files, and a small API
// client (node's fetch with the session cookie) to seed results.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';

const here = dirname(fileURLToPath(import.meta.url));
const bankDir = join(here, '..', '..', '..', 'items', 'data', 'bank');

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
 * The live `single` items of the bank, from its TOML files (a plain reading of
 * the format: `[[item]]` blocks, `answer = "…"`, options in file order):
 * `[{ id, options: [ids], right: index }]`.
 */
export function singleItems() {
  const items = [];
  for (const file of readdirSync(bankDir).filter((f) => f.endsWith('.toml')).sort()) {
    const text = readFileSync(join(bankDir, file), 'utf8');
    for (const block of text.split(/^\[\[item\]\]\s*$/m).slice(1)) {
      const field = (name) => block.match(new RegExp(`^${name} = "([^"]*)"`, 'm'))?.[1];
      if (field('type') !== 'single' || field('status') !== 'live') continue;
      const options = [...block.matchAll(/^\[\[item\.option\]\]\s*\nid = "([^"]+)"/gm)].map((m) => m[1]);
      const right = options.indexOf(field('answer'));
      if (right >= 0) items.push({ id: field('id'), options, right });
    }
  }
  if (items.length < 12) throw new Error(`only ${items.length} live single items found in ${bankDir}`);
  return items;
}

/**
 * An answer log for `POST /api/results` or `/api/screenings/{id}/result`: `n`
 * single items (one per skill first), each answered right with probability
 * `rightShare` (deterministic: the first share of them), the others wrong.
 * `versions`: the answer of `GET /api/health`.
 */
export function answerLog(versions, { n = 12, rightShare = 0.5, skip = false } = {}) {
  const all = singleItems();
  const seen = new Set();
  const picked = [];
  for (const item of all) {
    const skill = item.id.split('.').slice(0, 2).join('.');
    if (!seen.has(skill)) {
      seen.add(skill);
      picked.push(item);
    }
  }
  for (const item of all) if (!picked.includes(item)) picked.push(item);
  const chosen = picked.slice(0, n);
  const rights = Math.round(rightShare * chosen.length);
  const start = 1_767_000_000_000;
  return {
    id: randomUUID(),
    engine_version: versions.engine_version,
    referentiel_id: versions.referentiel.id,
    referentiel_version: versions.referentiel.version,
    started_at: start,
    finished_at: start + 600_000,
    context: [],
    answers: chosen.map((item, k) => ({
      item: item.id,
      response: skip ? 'skip' : { choice: k < rights ? item.right : (item.right + 1) % item.options.length },
      shown_at: start + k * 30_000,
      answered_at: start + k * 30_000 + 20_000,
    })),
  };
}

/** `GET /api/health`: the engine and référentiel versions the server expects. */
export async function versions(url) {
  const r = await fetch(new URL('/api/health', url));
  if (!r.ok) throw new Error(`health: ${r.status}`);
  return r.json();
}

/** Logs in with node's fetch; returns a client `{ get, post }` with the cookie and CSRF token. */
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
