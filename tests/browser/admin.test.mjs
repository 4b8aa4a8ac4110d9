// The admin's screen (/admin): the structure's accounts (add one, a new password,
// disable and enable) and kiosks (add one with its short installation code shown
// once and how long it works, a new code that moves the kiosk to another device,
// remove one). The real server (`--demo`) serves the built app; headless Chromium
// drives the screen; axe-core audits it at every state; node's fetch checks what
// the server then accepts (the new account logs in, the disabled one cannot, the
// code installs a device once, the device works until the kiosk is removed).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServerAndBrowser, stopServerAndBrowser } from './lib/server.mjs';
import { assertClean, checkScreen } from './lib/checks.mjs';
import { openPage, screenshot } from './lib/browser.mjs';
import { LAYOUTS, waitForApp, fitsWidth } from './lib/app.mjs';
import {
  demoAccounts,
  answerLog,
  versions,
  submitResult,
  apiSession,
  loginThroughForm,
  waitForFocus,
} from './lib/staff.mjs';

let server;
let browser;
let accounts;

before(async () => {
  // The profiles' paging seeds 100+ results from the demo kiosk: the submission
  // limits the test server starts with (lib/server.mjs) leave room for them.
  ({ server, browser } = await startServerAndBrowser({ extraArgs: ['--demo'] }));
  accounts = demoAccounts(server.output());
});

after(() => stopServerAndBrowser({ server, browser }));

// Refusals the test asks for on purpose (a login taken: 422; a disabled login: 403).
const REFUSALS = /status of 4(0[0134]|22)\b/;

/** `POST /api/login` with node's fetch: the status and the error message. */
async function tryLogin(login, password) {
  const r = await fetch(new URL('/api/login', server.url), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ login, password }),
  });
  const body = await r.json();
  return { status: r.status, error: body.error || '' };
}

/** `POST /api/kiosk/pair` with `code`, as /borne does: `{ status, token }` (the device token of the cookie). */
async function pairDevice(code) {
  const r = await fetch(new URL('/api/kiosk/pair', server.url), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ code }),
  });
  await r.text();
  const cookie = r.headers.getSetCookie().find((c) => c.startsWith('repere_kiosk='));
  return { status: r.status, token: cookie ? cookie.split(';')[0].slice('repere_kiosk='.length) : null };
}

/** The form of an installation code: ten symbols of the result codes' alphabet, in three groups. */
const CODE_FORM = /^[2-9ACDEFGHJKMNPQRTVWXY]{4}-[2-9ACDEFGHJKMNPQRTVWXY]{4}-[2-9ACDEFGHJKMNPQRTVWXY]{2}$/;

/** The text of the kiosks table's row of `name`. */
async function kioskRow(page, name) {
  return (await page.locator('table.kiosks-table tbody tr', { has: page.locator(`th:text-is("${name}")`) }).innerText())
    .replace(/\s+/g, ' ');
}

/** `POST /api/results` with a kiosk's token: the status. */
async function kioskSubmits(token) {
  const log = answerLog(await versions(server.url), { rightShare: 0.5 });
  const r = await fetch(new URL('/api/results', server.url), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Kiosk-Token': token },
    body: JSON.stringify(log),
  });
  await r.text();
  return r.status;
}

/** The text of the accounts table's row of `login`. */
async function rowText(page, login) {
  return page.locator('table.accounts-table tbody tr', { has: page.locator(`th:text-is("${login}")`) }).innerText();
}

test('admin: login lands on /admin; accounts added, disabled, given a new password; zero axe violations', async () => {
  const { context, page, problems } = await openPage(browser, { viewport: LAYOUTS['tablet-landscape'] });
  await page.goto(new URL('/connexion', server.url).href);
  await waitForApp(page);
  await loginThroughForm(page, accounts.admin);
  await page.waitForURL(/\/admin$/);
  await page.getByRole('heading', { level: 1, name: 'Administration' }).waitFor();
  await page.locator('table.accounts-table tbody tr').nth(2).waitFor();
  assert.equal(await page.title(), 'Administration — Repère');
  const table = page.locator('table.accounts-table');
  assert.equal(await table.locator('caption').innerText(), 'Comptes de la structure');
  assert.equal(await table.locator('tbody th[scope=row]').count(), 3);
  assert.match(await rowText(page, accounts.agent.login), /Agent\s+Actif/);
  assert.match(await rowText(page, accounts.trainer.login), /Médiateur\s+Actif/);
  // The admin's own row has no « Désactiver ».
  assert.match(await page.locator('table.accounts-table tbody tr', { hasText: '(vous)' }).innerText(), /Administrateur/);
  assert.equal(await page.getByRole('button', { name: `Désactiver le compte ${accounts.admin.login}` }).count(), 0);
  await checkScreen(page, 'admin');
  assert.ok(await fitsWidth(page));
  await screenshot(page, 'admin');

  // Add an account: missing fields are said at the field, with the focus there.
  await page.getByRole('button', { name: 'Ajouter le compte' }).click();
  await page.getByText('Écrivez un nom.').waitFor();
  await waitForFocus(page, 'new-login');
  assert.equal(await page.locator('#new-login').getAttribute('aria-invalid'), 'true');
  assert.match(await page.locator('#new-login').getAttribute('aria-describedby'), /new-login-error/);
  await checkScreen(page, 'admin, field error');
  const name = 'nouvel.agent';
  const password = 'mot-de-passe-agent-2026';
  await page.getByLabel('Nom', { exact: true }).fill(name);
  await page.getByRole('button', { name: 'Ajouter le compte' }).click();
  await page.getByText('Choisissez un rôle.').waitFor();
  await waitForFocus(page, 'new-role-agent');
  await page.getByLabel('Agent (guichet)').check();
  await page.getByLabel('Mot de passe', { exact: true }).fill('trop-court');
  await page.getByRole('button', { name: 'Ajouter le compte' }).click();
  await page.getByText('au moins 12 caractères').first().waitFor();
  await waitForFocus(page, 'new-password');
  // A name too long for the login made from it: the server's message, at the field.
  await page.getByLabel('Nom', { exact: true }).fill('n'.repeat(60));
  await page.getByLabel('Mot de passe', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Ajouter le compte' }).click();
  await page.getByText('Le nom doit faire de 2 à 59 caractères').waitFor();
  await waitForFocus(page, 'new-login');
  // The login is made by the server from the name, and shown plainly.
  await page.getByLabel('Nom', { exact: true }).fill(name);
  await page.getByRole('button', { name: 'Ajouter le compte' }).click();
  await page.locator('#add-account-done').waitFor();
  await waitForFocus(page, 'add-account-done');
  const login = await page.locator('#add-account-done strong').innerText();
  assert.match(login, /^nouvel\.agent\.[2-9ac-hjkmnpqrtv-y]{4}$/);
  // (\s matches the no-break space before the colon too.)
  assert.equal(
    (await page.locator('#add-account-done').innerText()).replace(/\s+/g, ' ').trim(),
    `Compte créé. Identifiant : ${login}. Notez-le et donnez-le à la personne.`,
  );
  await page.locator(`table.accounts-table tbody th:text-is("${login}")`).waitFor();
  assert.match(await rowText(page, login), /Agent\s+Actif/);
  await checkScreen(page, 'admin, account added');

  // The new account logs in (through the login form of another browser context).
  const other = await openPage(browser, { viewport: LAYOUTS['tablet-portrait'] });
  await other.page.goto(new URL('/connexion', server.url).href);
  await waitForApp(other.page);
  await loginThroughForm(other.page, { login, password });
  await other.page.waitForURL(/\/agent$/);
  await other.page.getByRole('heading', { level: 1, name: 'Nouveau dépistage' }).waitFor();

  // Disable it: the row says so, the focus stays on its button (now « Réactiver »).
  await page.getByRole('button', { name: `Désactiver le compte ${login}` }).click();
  await page.getByText(`Le compte ${login} est désactivé.`).waitFor();
  await page.getByRole('button', { name: `Réactiver le compte ${login}` }).waitFor();
  const toggleId = await page.getByRole('button', { name: `Réactiver le compte ${login}` }).getAttribute('id');
  await waitForFocus(page, toggleId);
  assert.match(await rowText(page, login), /Désactivé/);
  await checkScreen(page, 'admin, account disabled');
  await screenshot(page, 'admin-disabled');
  // It cannot log in, and its open session ended at once.
  const refused = await tryLogin(login, password);
  assert.equal(refused.status, 403);
  assert.match(refused.error, /désactivé/);
  await other.page.reload();
  await waitForApp(other.page);
  await other.page.getByRole('heading', { level: 1, name: 'Connexion' }).waitFor();
  await loginThroughForm(other.page, { login, password });
  await other.page.getByText('Ce compte est désactivé.').waitFor();
  // Enabled again: it logs in.
  await page.getByRole('button', { name: `Réactiver le compte ${login}` }).click();
  await page.getByText(`Le compte ${login} est réactivé.`).waitFor();
  assert.equal((await tryLogin(login, password)).status, 200);

  // A new password for the trainer, made by the server and shown once.
  await page.getByRole('button', { name: `Nouveau mot de passe pour ${accounts.trainer.login}` }).click();
  await page.getByRole('heading', { level: 3, name: `Nouveau mot de passe pour ${accounts.trainer.login}` }).waitFor();
  await waitForFocus(page, 'reset-title');
  await checkScreen(page, 'admin, new password');
  await page.getByRole('button', { name: 'Créer un mot de passe automatiquement' }).click();
  await page.locator('#account-done .secret').waitFor();
  await waitForFocus(page, 'account-done');
  const generated = await page.locator('#account-done .secret').innerText();
  assert.match(generated, /^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/);
  assert.ok((await page.locator('#account-done').innerText()).includes('Il ne sera plus affiché.'));
  assert.equal((await tryLogin(accounts.trainer.login, accounts.trainer.password)).status, 401);
  assert.equal((await tryLogin(accounts.trainer.login, generated)).status, 200);
  await checkScreen(page, 'admin, password shown once');

  assertClean(problems, REFUSALS);
  assertClean(other.problems, REFUSALS);
  await other.context.close();
  await context.close();
});

test('admin: a kiosk added shows its short code once and how long it works; a new code moves it to another device; removed, its device stops counting', async () => {
  const { context, page, problems } = await openPage(browser, { viewport: LAYOUTS['tablet-landscape'] });
  await page.goto(new URL('/admin', server.url).href);
  await waitForApp(page);
  await loginThroughForm(page, accounts.admin);
  await page.getByRole('heading', { level: 1, name: 'Administration' }).waitFor();
  await page.locator('table.kiosks-table tbody tr').first().waitFor();
  const before = await page.locator('table.kiosks-table tbody tr').count();
  assert.match(await kioskRow(page, 'Borne de démonstration'), /Installée\. Un code attend, valable jusqu'au \d\d\/\d\d\/\d{4}\./);

  await page.getByRole('button', { name: 'Ajouter la borne' }).click();
  await page.getByText('Écrivez le nom de la borne.').waitFor();
  await waitForFocus(page, 'kiosk-name');
  await page.getByLabel('Nom de la borne').fill("Borne de l'accueil");
  await page.getByRole('button', { name: 'Ajouter la borne' }).click();
  const added = page.locator('#kiosk-added');
  await added.waitFor();
  await waitForFocus(page, 'kiosk-added');
  const text = (await added.innerText()).replace(/\s+/g, ' ');
  assert.ok(text.includes("Sur la borne, ouvrez l'adresse /borne et tapez ce code."), text);
  assert.match(text, /Ce code marche une seule fois, pendant 7 jours : jusqu'au \d\d\/\d\d\/\d{4} à \d\dh\d\d\./);
  assert.ok(text.includes('il ne sera plus affiché'), text);
  const code = (await added.locator('.secret').innerText()).trim();
  assert.match(code, CODE_FORM, 'short enough to type on a touch screen');
  await page.waitForFunction((n) => document.querySelectorAll('table.kiosks-table tbody tr').length === n, before + 1);
  assert.match(await kioskRow(page, "Borne de l'accueil"), /Pas encore installée\. Un code attend/);
  await checkScreen(page, 'admin, kiosk added');
  await screenshot(page, 'admin-kiosk');

  // The code installs one device, once.
  const first = await pairDevice(code.toLowerCase().replace(/-/g, ' '));
  assert.equal(first.status, 204, 'the code works, typed loosely');
  assert.match(first.token, /^[0-9a-f]{64}$/);
  assert.equal((await pairDevice(code)).status, 401, 'once');
  assert.equal(await kioskSubmits(first.token), 201, 'the device is the kiosk');

  // « Nouveau code d'installation »: shown once, with focus; the device that uses
  // it becomes the kiosk and the first one stops.
  await page.reload();
  await waitForApp(page);
  await page.locator('table.kiosks-table tbody tr').first().waitFor();
  assert.match(await kioskRow(page, "Borne de l'accueil"), /Installée le \d\d\/\d\d\/\d{4}\./);
  await page.getByRole('button', { name: "Nouveau code d'installation pour la borne Borne de l'accueil" }).click();
  const renewed = page.locator('#kiosk-new-code');
  await renewed.waitFor();
  await waitForFocus(page, 'kiosk-new-code');
  const renewedText = (await renewed.innerText()).replace(/\s+/g, ' ');
  assert.ok(renewedText.includes("Nouveau code pour la borne « Borne de l'accueil »."), renewedText);
  assert.match(renewedText, /pendant 7 jours : jusqu'au \d\d\/\d\d\/\d{4} à \d\dh\d\d\./);
  assert.ok(renewedText.includes("L'ancien appareil ne l'est plus."), renewedText);
  const second = (await renewed.locator('.secret').innerText()).trim();
  assert.match(second, CODE_FORM);
  assert.notEqual(second, code);
  await checkScreen(page, 'admin, new kiosk code');
  assert.equal(await kioskSubmits(first.token), 201, 'the first device works until the new code is used');
  const moved = await pairDevice(second);
  assert.equal(moved.status, 204);
  assert.equal(await kioskSubmits(first.token), 401, 'the first device stopped');
  assert.equal(await kioskSubmits(moved.token), 201, 'the new device is the kiosk');

  // Remove it: a confirmation first, then its device no longer counts.
  await page.getByRole('button', { name: "Retirer la borne Borne de l'accueil" }).click();
  const confirm = page.getByRole('button', { name: 'Oui, retirer' });
  await confirm.waitFor();
  await waitForFocus(page, await confirm.getAttribute('id'));
  await checkScreen(page, 'admin, confirm removal');
  await confirm.click();
  await page.getByText("La borne « Borne de l'accueil » est retirée.").waitFor();
  await waitForFocus(page, 'kiosk-message');
  await page.waitForFunction((n) => document.querySelectorAll('table.kiosks-table tbody tr').length === n, before);
  assert.equal(await kioskSubmits(moved.token), 401, 'the device of a removed kiosk is refused');
  // After a reload the codes are nowhere on the screen.
  await page.reload();
  await waitForApp(page);
  await page.locator('table.kiosks-table tbody tr').first().waitFor();
  const main = await page.locator('main').innerText();
  assert.ok(!main.includes(code) && !main.includes(second));
  assertClean(problems, REFUSALS);
  await context.close();
});

test('admin: from /admin to the structure\'s profiles, shown 100 at a time with « Voir plus »', async () => {
  const bank = await versions(server.url);
  // Results the other tests left in the structure (a kiosk's).
  const admin = await apiSession(server.url, accounts.admin);
  const existing = (await admin.get('/api/profiles')).json.count;
  const sent = [];
  for (let k = 0; k < 105; k += 1) {
    const log = answerLog(bank, { rightShare: (k % 10) / 10 });
    sent.push((await submitResult(server.url, log, { kioskToken: accounts.kioskToken })).code);
  }
  const { context, page, problems } = await openPage(browser, { viewport: LAYOUTS['tablet-landscape'] });
  await page.goto(new URL('/admin', server.url).href);
  await waitForApp(page);
  await loginThroughForm(page, accounts.admin);
  await page.getByRole('heading', { level: 1, name: 'Administration' }).waitFor();
  await page.getByRole('link', { name: 'Voir les profils de la structure' }).click();
  await page.getByRole('heading', { level: 1, name: 'Profils de votre structure' }).waitFor();
  const rows = page.locator('table.profiles-table tbody tr');
  await rows.nth(99).waitFor();
  assert.equal(await rows.count(), 100);
  const count = await page.locator('.mediator-list .count').innerText();
  assert.match(count, new RegExp(`^${existing + 105}\\sprofils`));
  assert.ok(count.includes('Les 100 plus récents sont affichés.'), count);
  const codes = await page.locator('table.profiles-table tbody th .code').allInnerTexts();
  assert.deepEqual(codes, sent.slice(5).reverse(), 'the newest 100, newest first');
  await checkScreen(page, 'mediator list, first page');

  await page.getByRole('button', { name: 'Voir plus de profils' }).click();
  await rows.nth(existing + 104).waitFor();
  assert.equal(await rows.count(), existing + 105);
  const all = await page.locator('table.profiles-table tbody th .code').allInnerTexts();
  assert.deepEqual(all.slice(0, 105), [...sent].reverse(), 'newest first, each once');
  assert.equal(new Set(all).size, existing + 105);
  // Focus moves to the first added row; the button is gone (nothing more to see).
  await waitForFocus(page, `open-${sent[4]}`);
  assert.equal(await page.getByRole('button', { name: 'Voir plus de profils' }).count(), 0);
  await checkScreen(page, 'mediator list, all pages');
  assertClean(problems, REFUSALS);
  await context.close();
});

test('staff: a person changes their own password from the account bar', async () => {
  const elsewhere = await apiSession(server.url, accounts.agent);
  const { context, page, problems } = await openPage(browser, { viewport: LAYOUTS['tablet-portrait'] });
  await page.goto(new URL('/agent', server.url).href);
  await waitForApp(page);
  await loginThroughForm(page, accounts.agent);
  await page.getByRole('heading', { level: 1, name: 'Nouveau dépistage' }).waitFor();
  const toggle = page.getByRole('button', { name: 'Mon mot de passe' });
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  await toggle.click();
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  await waitForFocus(page, 'own-current');
  await checkScreen(page, 'own password form');

  // A wrong current password: the server's message, at that field.
  await page.getByLabel('Mot de passe actuel').fill('pas-le-bon-mot-de-passe');
  await page.getByLabel('Nouveau mot de passe').fill('un-nouveau-secret-agent');
  await page.getByRole('button', { name: 'Enregistrer' }).click();
  await page.getByText("Le mot de passe actuel n'est pas le bon.").waitFor();
  await waitForFocus(page, 'own-current');
  assert.equal(await page.locator('#own-current').getAttribute('aria-invalid'), 'true');
  // Too short: said at the new one's field.
  await page.getByLabel('Mot de passe actuel').fill(accounts.agent.password);
  await page.getByLabel('Nouveau mot de passe').fill('court');
  await page.getByRole('button', { name: 'Enregistrer' }).click();
  await page.getByText('au moins 12 caractères').waitFor();
  await waitForFocus(page, 'own-new');
  await checkScreen(page, 'own password, error');

  await page.getByLabel('Nouveau mot de passe').fill('un-nouveau-secret-agent');
  await page.getByRole('button', { name: 'Enregistrer' }).click();
  await page.getByText('Votre mot de passe est changé.').waitFor();
  await waitForFocus(page, 'own-password-done');
  await checkScreen(page, 'own password changed');
  // This session goes on; the other one ended; only the new password works.
  await page.reload();
  await waitForApp(page);
  await page.getByRole('heading', { level: 1, name: 'Nouveau dépistage' }).waitFor();
  assert.equal((await elsewhere.get('/api/me')).status, 401);
  assert.equal((await tryLogin(accounts.agent.login, accounts.agent.password)).status, 401);
  assert.equal((await tryLogin(accounts.agent.login, 'un-nouveau-secret-agent')).status, 200);
  assertClean(problems, REFUSALS);
  await context.close();
});
