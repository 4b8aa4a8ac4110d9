// The second factor (« Double authentification ») in the staff screens: a
// mediator sets it up from the account bar (QR code drawn by the server, the key
// in groups of 4, a code of the app, the 8 recovery codes shown once); the login
// at /connexion then asks the code after the password (autocomplete
// "one-time-code", numeric keyboard); an admin whose structure requires one sees
// only the setup until done, then removes the mediator's second factor. The real
// server (`--demo`) serves the built app; codes are computed here as an
// authenticator app would; axe-core audits every state.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServerAndBrowser, stopServerAndBrowser } from './lib/server.mjs';
import { assertClean, checkScreen } from './lib/checks.mjs';
import { openPage, screenshot } from './lib/browser.mjs';
import { LAYOUTS, waitForApp } from './lib/app.mjs';
import { demoAccounts, apiSession, loginThroughForm, waitForFocus, totpCode } from './lib/staff.mjs';

let server;
let browser;
let accounts;
// The mediator's key, once set up.
let trainerKey = null;

before(async () => {
  ({ server, browser } = await startServerAndBrowser({ extraArgs: ['--demo'] }));
  accounts = demoAccounts(server.output());
});

after(() => stopServerAndBrowser({ server, browser }));

// Wrong codes typed on purpose answer 401 or 422.
const REFUSALS = /status of 4(01|22)\b/;

/** Six digits that are none of the codes accepted around now. */
function wrongCode(key) {
  const now = Date.now() / 1000;
  const near = [-60, -30, 0, 30, 60].map((d) => totpCode(key, now + d));
  for (let n = 0; ; n += 1) {
    const c = String((123457 + n * 7919) % 1_000_000).padStart(6, '0');
    if (!near.includes(c)) return c;
  }
}

/** Sets up the second factor on the screen shown (after « Commencer »): returns the key. */
async function setUp(page, label) {
  await page.getByRole('button', { name: 'Commencer' }).click();
  const qr = page.getByRole('img', { name: "Code QR à scanner avec l'application d'authentification" });
  await qr.waitFor();
  await waitForFocus(page, 'second-factor-scan');
  assert.equal(await qr.locator('svg').count(), 1, 'the QR code is drawn inline');
  const key = (await page.locator('.second-factor-key').innerText()).trim();
  assert.match(key, /^([A-Z2-7]{4} ){7}[A-Z2-7]{4}$/, 'the key, 160 bits in groups of 4');
  const field = page.getByLabel('Code à 6 chiffres');
  assert.equal(await field.getAttribute('autocomplete'), 'one-time-code');
  assert.equal(await field.getAttribute('inputmode'), 'numeric');
  await checkScreen(page, `${label}: QR code and key`);
  await screenshot(page, `totp-${label}-scan`);
  // A wrong code is said at the field, which keeps the focus.
  await field.fill(wrongCode(key));
  await page.getByRole('button', { name: 'Valider', exact: true }).click();
  await page.getByText("Ce code n'est pas le bon.", { exact: false }).waitFor();
  await waitForFocus(page, 'second-factor-code');
  assert.equal(await field.getAttribute('aria-invalid'), 'true');
  await checkScreen(page, `${label}: wrong code`);
  await field.fill(totpCode(key));
  await page.getByRole('button', { name: 'Valider', exact: true }).click();
  await page.getByText('Voici vos codes de secours.', { exact: false }).waitFor();
  await waitForFocus(page, 'second-factor-recovery');
  const codes = await page.locator('ol.recovery-codes li').allInnerTexts();
  assert.equal(codes.length, 8);
  for (const c of codes) assert.match(c, /^[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{2}$/);
  await checkScreen(page, `${label}: recovery codes`);
  await screenshot(page, `totp-${label}-recovery`);
  await page.getByRole('button', { name: "J'ai noté les codes" }).click();
  return key.replace(/ /g, '');
}

test('totp: the code helper gives RFC 6238\'s codes', () => {
  // RFC 6238 appendix B, SHA-1 ("12345678901234567890"), the last 6 digits.
  assert.equal(totpCode('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 59), '287082');
  assert.equal(totpCode('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 1234567890), '005924');
});

test('totp: a mediator sets up a second factor from the account bar; zero axe violations', async () => {
  const { context, page, problems } = await openPage(browser, { viewport: LAYOUTS['tablet-landscape'] });
  await page.goto(new URL('/connexion', server.url).href);
  await waitForApp(page);
  await loginThroughForm(page, accounts.trainer);
  await page.waitForURL(/\/mediateur$/);
  const toggle = page.getByRole('button', { name: 'Double authentification' });
  await toggle.click();
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  await page.getByRole('heading', { level: 2, name: 'Double authentification' }).waitFor();
  await waitForFocus(page, 'second-factor-title');
  await checkScreen(page, 'mediator: second factor, before');
  trainerKey = await setUp(page, 'mediator');
  // The account now has it, with its 8 recovery codes.
  await page.getByRole('button', { name: 'Double authentification' }).click();
  await page.getByText('Elle est activée.', { exact: false }).waitFor();
  await page.getByText('Codes de secours pas encore utilisés : 8.').waitFor();
  await page.getByRole('group', { name: 'Retirer la double authentification' }).waitFor();
  await checkScreen(page, 'mediator: second factor active');
  assertClean(problems, REFUSALS);
  await context.close();
});

test('totp: /connexion asks the code after the password; a wrong one is said; the right one opens the session', async () => {
  assert.ok(trainerKey, 'set up by the test before');
  const { context, page, problems } = await openPage(browser, { viewport: LAYOUTS.phone });
  await page.goto(new URL('/connexion', server.url).href);
  await waitForApp(page);
  await loginThroughForm(page, accounts.trainer);
  const field = page.getByLabel('Code à 6 chiffres');
  await field.waitFor();
  await waitForFocus(page, 'login-code');
  assert.equal(await field.getAttribute('autocomplete'), 'one-time-code');
  assert.equal(await field.getAttribute('inputmode'), 'numeric');
  assert.equal(await page.getByText('Votre mot de passe est bon.').count(), 1);
  // No session yet.
  assert.equal((await context.request.get(new URL('/api/me', server.url).href)).status(), 401);
  await checkScreen(page, 'login: code asked');
  await screenshot(page, 'totp-login-code');
  await field.fill(wrongCode(trainerKey));
  await page.getByRole('button', { name: 'Valider le code' }).click();
  await page.getByText("Ce code n'est pas le bon.", { exact: false }).waitFor();
  await waitForFocus(page, 'login-code');
  assert.equal(await field.getAttribute('aria-invalid'), 'true');
  await checkScreen(page, 'login: wrong code');
  // The setup used the code of its step: the next step's code (accepted, one
  // step of difference) opens the session.
  await field.fill(totpCode(trainerKey, Date.now() / 1000 + 30));
  await page.getByRole('button', { name: 'Valider le code' }).click();
  await page.waitForURL(/\/mediateur$/);
  assert.equal((await context.request.get(new URL('/api/me', server.url).href)).status(), 200);
  assertClean(problems, REFUSALS);
  await context.close();
});

test('totp: an admin whose structure requires it sees only the setup, then removes the mediator\'s second factor', async () => {
  const api = await apiSession(server.url, accounts.admin);
  const me = await api.get('/api/me');
  const structure = String(me.json.user.structure.id);
  execFileSync(process.env.REPERE_BIN, ['structure', 'require-2fa', structure, 'on', '--data', server.dataDir]);
  const { context, page, problems } = await openPage(browser, { viewport: LAYOUTS['tablet-landscape'] });
  await page.goto(new URL('/connexion', server.url).href);
  await waitForApp(page);
  await loginThroughForm(page, accounts.admin);
  await page.waitForURL(/\/admin$/);
  await page.getByRole('heading', { level: 1, name: 'Double authentification' }).waitFor();
  await page.getByText('Votre structure demande la double authentification', { exact: false }).waitFor();
  assert.equal(await page.getByRole('heading', { name: 'Administration' }).count(), 0, 'nothing else');
  assert.equal(await page.locator('#second-factor-toggle').count(), 0);
  await checkScreen(page, 'admin: setup required');
  await screenshot(page, 'totp-admin-required');
  await setUp(page, 'admin');
  await page.getByRole('heading', { level: 1, name: 'Administration' }).waitFor();
  const row = page.locator('table.accounts-table tbody tr', { has: page.locator(`th:text-is("${accounts.trainer.login}")`) });
  await row.waitFor();
  assert.match(await row.innerText(), /Médiateur\s+Actif\s+Oui/);
  assert.match(await page.locator('#factor-setting-title + p + p').innerText(), /Elle est exigée/);
  await checkScreen(page, 'admin: second factors');
  await page.getByRole('button', { name: `Retirer la double authentification de ${accounts.trainer.login}` }).click();
  await page.getByText(`La double authentification de ${accounts.trainer.login} est retirée.`, { exact: false }).waitFor();
  await waitForFocus(page, 'account-done');
  await page.waitForFunction(
    (login) => [...document.querySelectorAll('table.accounts-table tbody tr')]
      .some((tr) => tr.querySelector('th')?.innerText === login && /Non/.test(tr.innerText)),
    accounts.trainer.login,
  );
  await checkScreen(page, 'admin: second factor removed');
  // The mediator logs in with the password alone again.
  const back = await fetch(new URL('/api/login', server.url), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(accounts.trainer),
  });
  assert.equal(back.status, 200);
  assert.ok((await back.json()).csrf_token);
  // The switch: no longer required.
  await page.getByRole('button', { name: "Ne plus l'exiger" }).click();
  await page.getByText("La double authentification n'est plus exigée.").waitFor();
  await checkScreen(page, 'admin: requirement off');
  assertClean(problems, REFUSALS);
  await context.close();
});
