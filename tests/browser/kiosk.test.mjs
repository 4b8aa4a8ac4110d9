// Kiosk identity and delivery: a tablet becomes a registered kiosk at `/borne` by
// typing the short installation code on its touch screen, then opens `/` in kiosk
// mode with no URL parameter (the server's page says so), its results are filed
// under the kiosk's structure, « Terminer » wipes every trace of the person but
// keeps the pairing (an HttpOnly cookie the page cannot reach), a result that
// cannot be sent is said plainly, with the print view to keep it, then wiped at
// the end of the visit. Uninstalling asks for an admin of the structure; a kiosk
// the admin removed stays in kiosk mode and says so at `/borne`. The real server
// (`--demo`: a demo kiosk, trainer and admin) serves the built app; headless
// Chromium drives it; axe-core audits the screens.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServerAndBrowser, stopServerAndBrowser } from './lib/server.mjs';
import { checkScreen } from './lib/checks.mjs';
import { openPage, screenshot } from './lib/browser.mjs';
import { LAYOUTS, waitForApp, storedTraces, leaveTraces } from './lib/app.mjs';
import { demoAccounts, apiSession, waitForFocus } from './lib/staff.mjs';
import { takeTest, answerContext, answerOne } from './lib/person.mjs';

let server;
let browser;
let accounts;
let trainer;
let admin;
let demoKiosk;
/** The demo kiosk's installation code printed at start (used by the first test). */
let printedCode;

/** A tablet on its stand: a touch screen. */
const TOUCH = { viewport: LAYOUTS['tablet-portrait'], hasTouch: true };
/** The form of an installation code. */
const CODE_FORM = /^[2-9ACDEFGHJKMNPQRTVWXY]{4}-[2-9ACDEFGHJKMNPQRTVWXY]{4}-[2-9ACDEFGHJKMNPQRTVWXY]{2}$/;

before(async () => {
  ({ server, browser } = await startServerAndBrowser({ extraArgs: ['--demo'] }));
  accounts = demoAccounts(server.output());
  const printed = server.output().match(/code d'installation \(à taper sur \/borne, une fois, valable 7 jours\) : (\S+)/);
  assert.ok(printed, 'the demo prints an installation code');
  printedCode = printed[1];
  assert.match(printedCode, CODE_FORM);
  trainer = await apiSession(server.url, accounts.trainer);
  admin = await apiSession(server.url, accounts.admin);
  const kiosks = await admin.get('/api/admin/kiosks');
  demoKiosk = kiosks.json.kiosks.find((k) => k.name === 'Borne de démonstration');
  assert.ok(demoKiosk, 'the demo kiosk');
});

after(() => stopServerAndBrowser({ server, browser }));

/** `DELETE path` as the demo admin, in a session of its own: the status. */
async function adminDelete(path) {
  const session = await apiSession(server.url, accounts.admin);
  return (await session.delete(path)).status;
}

/** A new installation code for the demo kiosk, as the admin's « Nouveau code d'installation » gives it. */
async function newCode(id = demoKiosk.id) {
  const r = await admin.post(`/api/admin/kiosks/${id}/code`, {});
  assert.equal(r.status, 200, r.text);
  assert.match(r.json.code, CODE_FORM);
  return r.json.code;
}

/** The structure's profiles, as the demo trainer sees them. */
async function trainerProfiles() {
  const r = await trainer.get('/api/profiles');
  assert.equal(r.status, 200, r.text);
  return r.json.profiles;
}

/** The kiosk cookie of a browser context (`null` if none). */
async function kioskCookie(context) {
  return (await context.cookies()).find((c) => c.name === 'repere_kiosk') ?? null;
}

/** Whether the page the server sent is in kiosk mode. */
async function kioskMeta(page) {
  return page.evaluate(() => document.querySelector('meta[name="repere-mode"]')?.content ?? null);
}

/**
 * The result's summary, the advice and « Terminer » are in the first screen: seen
 * without scrolling (the page shows from its top).
 */
async function assertFirstScreen(page, what) {
  const viewport = page.viewportSize();
  await page.evaluate(() => window.scrollTo(0, 0));
  for (const locator of [page.locator('main .advice'), page.getByRole('button', { name: 'Terminer' })]) {
    const box = await locator.boundingBox();
    assert.ok(box && box.y >= 0 && box.y + box.height <= viewport.height, `${what}: in the first screen (${JSON.stringify(box)}, ${viewport.height} px high)`);
  }
}

/** Takes the test as a person on the kiosk; returns the result code shown. */
async function personTakesTheTest(page) {
  assert.equal(await waitForApp(page), 'Repère');
  assert.ok(
    (await page.locator('main').innerText()).includes('Sur la borne, tout est effacé à la fin'),
    'the welcome screen says everything is wiped',
  );
  await takeTest(page);
  await page.locator('main').getByText('Votre résultat est envoyé au serveur de la structure.').waitFor({ timeout: 15_000 });
  const line = await page.locator('.code-line').innerText();
  const m = line.match(/^Votre code\s*:\s*([0-9A-Z]{4}-[0-9A-Z]{4})$/);
  assert.ok(m, `« Votre code : XXXX-XXXX » (${line})`);
  await assertFirstScreen(page, 'the result with its code');
  return m[1];
}

/** Presses « Terminer » and waits for the welcome screen of the next person. */
async function finishVisit(page) {
  await page.getByRole('button', { name: 'Terminer' }).click();
  await page.waitForFunction(() => document.querySelector('main h1')?.textContent === 'Repère');
  await page.waitForLoadState('load');
}

test('kiosk: paired at /borne by typing the short code on the touch screen, kiosk mode without URL parameters, results filed under the structure; uninstalling asks for an admin', async () => {
  const { context, page, problems } = await openPage(browser, TOUCH);
  await page.goto(new URL('/borne', server.url).href);
  assert.equal(await waitForApp(page), 'Installer cette borne');
  assert.equal(await page.title(), 'Installer cette borne — Repère');
  assert.equal(await kioskMeta(page), null, 'not a kiosk yet');
  await checkScreen(page, 'pairing', { fits: true });
  await screenshot(page, 'kiosk-pairing');
  const field = page.getByLabel("Code d'installation");
  assert.match(await page.locator('#kiosk-code-hint').innerText(), /10\s+lettres ou chiffres.*une seule fois, pendant 7\s+jours/);
  const install = page.getByRole('button', { name: 'Installer', exact: true });

  // Nothing typed, then a code of the wrong form, then a wrong code: said in words
  // at the field, with the focus there.
  await install.tap();
  await page.getByText("Écrivez le code d'installation.").waitFor();
  await waitForFocus(page, 'kiosk-code');
  await field.tap();
  await page.keyboard.type('12345');
  await install.tap();
  await page.getByRole('alert').getByText(/Ce code n'a pas la bonne forme/).waitFor();
  await waitForFocus(page, 'kiosk-code');
  await field.fill('');
  await field.tap();
  await page.keyboard.type('k7m4 qx2p 7h');
  await install.tap();
  await page.getByRole('alert').getByText(/Ce code d'installation n'est pas valide/).waitFor();
  await waitForFocus(page, 'kiosk-code');
  assert.equal(await field.getAttribute('aria-invalid'), 'true');
  assert.match(await field.getAttribute('aria-describedby'), /kiosk-code-hint kiosk-code-error/);
  await checkScreen(page, 'pairing, wrong code', { fits: true });
  assert.equal(await kioskCookie(context), null, 'no cookie for a wrong code');

  // The demo kiosk's code, typed as a person would on the screen's keyboard:
  // lower case, spaces instead of dashes.
  await field.fill('');
  await field.tap();
  await page.keyboard.type(printedCode.toLowerCase().replace(/-/g, ' '));
  await install.tap();
  await page.getByRole('heading', { level: 1, name: 'Borne installée' }).waitFor();
  const status = (await page.locator('#pairing-status').innerText()).replace(/\s+/g, ' ');
  assert.equal(status, 'Cette borne est installée pour : Bureau de poste de démonstration');
  await checkScreen(page, 'pairing done', { fits: true });
  await screenshot(page, 'kiosk-paired');
  const cookie = await kioskCookie(context);
  assert.ok(cookie, 'the pairing cookie is set');
  assert.match(cookie.value, /^[0-9a-f]{64}$/, 'a device token, not the code');
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, 'Strict');
  assert.ok(cookie.expires * 1000 - Date.now() > 300 * 86_400_000, 'it lasts (renewed by every page)');
  assert.equal(await page.evaluate(() => document.cookie.includes('repere_kiosk')), false, 'scripts cannot read it');
  // The printed code is used up.
  const again = await fetch(new URL('/api/kiosk/pair', server.url), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ code: printedCode }),
  });
  assert.equal(again.status, 401, 'a code works once');

  // `/` with no parameter: kiosk mode, because the server says so.
  const before = (await trainerProfiles()).length;
  await page.getByRole('link', { name: 'Ouvrir le test' }).tap();
  await page.waitForURL(new URL('/', server.url).href);
  assert.equal(new URL(page.url()).search, '', 'no URL parameter');
  assert.equal(await kioskMeta(page), 'kiosk');
  const first = await personTakesTheTest(page);
  await checkScreen(page, 'kiosk, result sent', { fits: true });
  await screenshot(page, 'kiosk-result-sent');
  let profiles = await trainerProfiles();
  assert.equal(profiles.length, before + 1);
  const mine = profiles.find((p) => p.code === first);
  assert.ok(mine, `the trainer sees ${first}`);
  assert.equal(mine.source, 'kiosk', 'filed as the kiosk’s result');

  // « Terminer »: nothing of the person is left; the pairing stays.
  await finishVisit(page);
  const traces = await storedTraces(page);
  assert.deepEqual(traces.local, [], 'localStorage is empty');
  assert.deepEqual(traces.session, [], 'sessionStorage is empty');
  assert.equal(traces.cookie, '', 'no cookie a script can read');
  assert.ok(
    !traces.caches.some((c) => !c.startsWith('repere-shell') && c !== 'repere-places'),
    `only the app shell and the structure's places are cached: ${traces.caches}`,
  );
  assert.ok(!(await page.locator('body').innerText()).includes(first), 'the code is gone from the screen');
  assert.ok(await kioskCookie(context), 'the reset keeps the pairing (HttpOnly: out of its reach)');
  assert.equal(new URL(page.url()).search, '');
  assert.equal(await kioskMeta(page), 'kiosk', 'still a kiosk for the next person');

  // The next person: filed under the structure too.
  const second = await personTakesTheTest(page);
  assert.notEqual(second, first);
  profiles = await trainerProfiles();
  assert.equal(profiles.length, before + 2);
  assert.equal(profiles.find((p) => p.code === second)?.source, 'kiosk');
  await finishVisit(page);
  assert.deepEqual((await storedTraces(page)).session, []);

  // A passer-by cannot uninstall it: an admin of the structure must confirm.
  await page.goto(new URL('/borne', server.url).href);
  await page.getByRole('heading', { level: 1, name: 'Borne installée' }).waitFor();
  const open = page.getByRole('button', { name: 'Désinstaller cette borne' });
  assert.equal(await open.getAttribute('aria-expanded'), 'false');
  await open.tap();
  assert.equal(await open.getAttribute('aria-expanded'), 'true');
  await waitForFocus(page, 'unpair-title');
  await page.getByText('Seul un administrateur de la structure peut le faire.').waitFor();
  await checkScreen(page, 'unpairing asks for an admin', { fits: true });
  await screenshot(page, 'kiosk-unpair');
  const unpair = page.getByRole('button', { name: 'Désinstaller', exact: true });
  await unpair.tap();
  await page.getByText("Écrivez l'identifiant de l'administrateur.").waitFor();
  await waitForFocus(page, 'unpair-login');
  // An agent of the structure knows a password, but is not an admin.
  await page.getByLabel("Identifiant de l'administrateur").fill(accounts.agent.login);
  await page.getByLabel('Mot de passe', { exact: true }).fill(accounts.agent.password);
  await unpair.tap();
  await page.getByRole('alert').getByText('Seul un administrateur de la structure peut désinstaller cette borne.').waitFor();
  await waitForFocus(page, 'unpair-error');
  assert.match(await page.locator('#unpair-login').getAttribute('aria-describedby'), /unpair-error/);
  await checkScreen(page, 'unpairing refused', { fits: true });
  assert.ok(await kioskCookie(context), 'still paired');
  // A wrong password: the login's message.
  await page.getByLabel('Mot de passe', { exact: true }).fill('pas-le-bon-mot-de-passe');
  await page.getByLabel("Identifiant de l'administrateur").fill(accounts.admin.login);
  await unpair.tap();
  await page.getByRole('alert').getByText('Identifiant ou mot de passe incorrect.').waitFor();
  assert.ok(await kioskCookie(context), 'still paired');
  // The admin, showing the password to check it.
  await page.getByLabel('Mot de passe', { exact: true }).fill(accounts.admin.password);
  await page.getByLabel('Afficher le mot de passe').check();
  assert.equal(await page.locator('#unpair-password').getAttribute('type'), 'text');
  await unpair.tap();
  await page.getByRole('heading', { level: 1, name: 'Installer cette borne' }).waitFor();
  await page.locator('main').getByText('Cette borne est désinstallée.').waitFor();
  assert.equal(await kioskCookie(context), null, 'the pairing cookie is gone');
  await checkScreen(page, 'uninstalled', { fits: true });
  await page.goto(server.url);
  await waitForApp(page);
  assert.equal(await kioskMeta(page), null, 'an ordinary browser again');

  assert.deepEqual(problems.pageErrors, []);
  // The refusals asked for on purpose are logged by Chromium as failed resources.
  assert.deepEqual(problems.consoleErrors.filter((e) => !/status of 4(01|03|22)\b/.test(e)), []);
  assert.deepEqual(problems.foreignRequests, []);
  await context.close();
});

test('kiosk without network at the end: « not sent », print it; after « Terminer » nothing remains', async () => {
  const { context, page, problems } = await openPage(browser, { viewport: LAYOUTS.kiosk });
  // Paired through the same endpoint as /borne (the context's requests share its cookies).
  const paired = await context.request.post(new URL('/api/kiosk/pair', server.url).href, {
    data: { code: await newCode() },
  });
  assert.equal(paired.status(), 204);
  const attempts = [];
  await context.route('**/api/results', (route) => {
    attempts.push(route.request().method());
    return route.abort('internetdisconnected');
  });
  const before = (await trainerProfiles()).length;

  await page.goto(server.url);
  assert.equal(await waitForApp(page), 'Repère');
  assert.equal(await kioskMeta(page), 'kiosk');
  await takeTest(page);
  const main = page.locator('main');
  await main.getByText("Votre résultat n'est pas envoyé.").waitFor({ timeout: 25_000 });
  await main.getByText(/^Imprimez votre résultat\s*: la borne n'a pas de réseau\.$/).waitFor();
  await main.getByText('À la fin, tout est effacé de la borne, ce résultat aussi.').waitFor();
  assert.equal(await page.locator('.result-code').count(), 0, 'no code without the server');
  await assertFirstScreen(page, 'the result not sent, on a landscape kiosk');
  await page.waitForFunction(() =>
    document.querySelector('[role=status]')?.textContent.includes("Votre résultat n'est pas envoyé."),
  );
  assert.ok(attempts.length >= 1, 'an attempt was made');
  // On a kiosk the waiting log lives in the tab's storage only.
  const waiting = await page.evaluate(() => ({
    session: JSON.parse(sessionStorage.getItem('repere.outbox') || '[]').length,
    local: localStorage.getItem('repere.outbox'),
  }));
  assert.deepEqual(waiting, { session: 1, local: null });
  await checkScreen(page, 'kiosk, result not sent', { fits: true });
  await screenshot(page, 'kiosk-result-not-sent');

  // The print view: the result on paper, saying it has no code.
  await page.getByRole('button', { name: 'Imprimer mon résultat' }).click();
  await page.getByRole('heading', { level: 1, name: 'Repère : votre résultat' }).waitFor();
  await main.getByText(/Ce résultat n'a pas été envoyé\s*: la borne n'avait pas de réseau\./).waitFor();
  await checkScreen(page, 'kiosk, print view of a result not sent', { fits: true });
  await page.getByRole('button', { name: 'Retour au résultat' }).click();
  await page.getByRole('heading', { level: 1, name: 'Votre résultat' }).waitFor();

  // « Terminer »: one last attempt (still no network), then everything is wiped.
  const tried = attempts.length;
  await finishVisit(page);
  assert.ok(attempts.length > tried, 'one last attempt at the reset');
  const traces = await storedTraces(page);
  assert.deepEqual(traces.local, []);
  assert.deepEqual(traces.session, [], 'the unsent result is wiped with the rest');
  assert.ok(!(await page.locator('body').innerText()).includes('Votre résultat'), 'nothing of the person');
  assert.equal((await trainerProfiles()).length, before, 'nothing reached the server');
  assert.ok(await kioskCookie(context), 'still paired');

  assert.deepEqual(problems.pageErrors, []);
  assert.deepEqual(problems.consoleErrors.filter((e) => !/ERR_INTERNET_DISCONNECTED/.test(e)), []);
  assert.deepEqual(problems.foreignRequests, []);
  await context.close();
});

/**
 * Waits until the tab holds nothing of anyone: both web storages, IndexedDB,
 * script-readable cookies, every cache but the app shell's. Fails with what is
 * left after 10 s.
 */
async function waitForEmptyStores(page, when) {
  const left = async () => {
    const t = await storedTraces(page);
    return { ...t, caches: t.caches.filter((name) => !name.startsWith('repere-shell') && name !== 'repere-places') };
  };
  const empty = { local: [], session: [], databases: [], caches: [], cookie: '' };
  const deadline = Date.now() + 10_000;
  let now = await left();
  while (JSON.stringify(now) !== JSON.stringify(empty) && Date.now() < deadline) {
    await page.waitForTimeout(200);
    now = await left();
  }
  assert.deepEqual(now, empty, `every store is empty ${when}`);
}

test('kiosk: Back out of a finished or a half-done test leaves nothing; the next « Ouvrir le test » starts fresh', async () => {
  const { context, page, problems } = await openPage(browser, TOUCH);
  const paired = await context.request.post(new URL('/api/kiosk/pair', server.url).href, {
    data: { code: await newCode() },
  });
  assert.equal(paired.status(), 204);
  await page.goto(new URL('/borne', server.url).href);
  await page.getByRole('heading', { level: 1, name: 'Borne installée' }).waitFor();

  /** « Ouvrir le test » on /borne: the welcome screen, with nothing of anyone. */
  const openTest = async (previous) => {
    await page.getByRole('link', { name: 'Ouvrir le test' }).tap();
    await page.waitForFunction(() => document.querySelector('main h1')?.textContent === 'Repère');
    await page.waitForLoadState('load');
    const text = await page.locator('body').innerText();
    assert.ok(!/Votre résultat|Question \d/.test(text), `a new person starts at the welcome screen: ${text.slice(0, 200)}`);
    if (previous) assert.ok(!text.includes(previous), 'the previous code is nowhere');
    assert.equal(await page.locator('article.item').count(), 0);
  };
  /** The back button (or gesture), to /borne: every store empty there. */
  const backToBorne = async (when) => {
    await page.goBack();
    await page.getByRole('heading', { level: 1, name: 'Borne installée' }).waitFor();
    await waitForEmptyStores(page, when);
  };

  // A finished test, then Back instead of « Terminer ».
  await openTest(null);
  const code = await personTakesTheTest(page);
  await leaveTraces(page);
  await backToBorne('after Back from a finished test');
  await openTest(code);

  // A test left at its third question with Back.
  await answerContext(page);
  for (let i = 0; i < 3; i += 1) await answerOne(page);
  await page.locator('article.item').waitFor();
  await backToBorne('after Back from a half-done test');
  await openTest(code);

  // Back, then Forward: the page the browser kept shows nothing of the person.
  await answerContext(page);
  await answerOne(page);
  await page.locator('article.item').waitFor();
  await backToBorne('after Back, before Forward');
  await page.goForward();
  await page.waitForFunction(() => document.querySelector('main h1')?.textContent === 'Repère');
  await page.waitForLoadState('load');
  assert.equal(await page.locator('article.item').count(), 0, 'Forward does not bring the question back');
  await waitForEmptyStores(page, 'after Forward');

  // A reload keeps the person's test (a pull to refresh), and the idle watch is
  // armed at once: with nobody touching the screen, it is wiped.
  await page.goto(new URL('/?idle=2&countdown=2', server.url).href);
  assert.equal(await waitForApp(page), 'Repère');
  await answerContext(page);
  const shown = await answerOne(page);
  await page.locator('article.item').waitFor();
  const question = await page.locator('article.item').getAttribute('data-item');
  assert.notEqual(question, shown);
  await page.reload();
  await page.locator(`article.item[data-item="${question}"]`).waitFor();
  await page.getByRole('heading', { name: 'Voulez-vous continuer ?' }).waitFor({ timeout: 10_000 });
  await page.waitForFunction(() => document.querySelector('main h1')?.textContent === 'Repère', null, {
    timeout: 15_000,
  });
  await waitForEmptyStores(page, 'after the idle wipe of a reloaded test');

  assert.deepEqual(problems.pageErrors, []);
  assert.deepEqual(problems.consoleErrors, []);
  assert.deepEqual(problems.foreignRequests, []);
  await context.close();
});

test("the service worker's offline copy of the page follows pairing and unpairing", async () => {
  const { context, page, problems } = await openPage(browser, { viewport: LAYOUTS.kiosk });
  /** The page the worker would serve offline: `true` if in kiosk mode, `null` if none yet. */
  const offlineCopyIsKiosk = () =>
    page.evaluate(async () => {
      const shell = (await caches.keys()).find((name) => name.startsWith('repere-shell-'));
      const copy = shell ? await (await caches.open(shell)).match('/') : null;
      return copy ? (await copy.text()).includes('<meta name="repere-mode" content="kiosk">') : null;
    });
  // Polled from here: `waitForFunction` does not wait for a promise the page returns.
  const waitForCopy = async (kiosk) => {
    const deadline = Date.now() + 15_000;
    while ((await offlineCopyIsKiosk()) !== kiosk) {
      if (Date.now() > deadline) throw new Error(`the offline copy should ${kiosk ? '' : 'not '}be a kiosk's page`);
      await page.waitForTimeout(200);
    }
  };

  await page.goto(new URL('/borne', server.url).href);
  assert.equal(await waitForApp(page), 'Installer cette borne');
  await waitForCopy(false);

  // Paired: the worker fetches the page again at once, so an offline reload is a kiosk.
  await page.getByLabel("Code d'installation").fill(await newCode());
  await page.getByRole('button', { name: 'Installer', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Borne installée' }).waitFor();
  await waitForCopy(true);
  await context.setOffline(true);
  await page.goto(server.url);
  assert.equal(await waitForApp(page), 'Repère');
  assert.equal(await kioskMeta(page), 'kiosk', 'offline, the page is still a kiosk’s');
  assert.ok((await page.locator('main').innerText()).includes('Sur la borne, tout est effacé à la fin'));
  await context.setOffline(false);

  // Unpaired: the copy is an ordinary browser's page again.
  await page.goto(new URL('/borne', server.url).href);
  await page.getByRole('button', { name: 'Désinstaller cette borne' }).click();
  await page.getByLabel("Identifiant de l'administrateur").fill(accounts.admin.login);
  await page.getByLabel('Mot de passe', { exact: true }).fill(accounts.admin.password);
  await page.getByRole('button', { name: 'Désinstaller', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Installer cette borne' }).waitFor();
  await waitForCopy(false);
  assert.equal(await offlineCopyIsKiosk(), false);
  await context.setOffline(true);
  await page.goto(server.url);
  await waitForApp(page);
  assert.equal(await kioskMeta(page), null, 'offline, no kiosk mode once unpaired');
  await context.setOffline(false);

  assert.deepEqual(problems.pageErrors, []);
  assert.deepEqual(problems.foreignRequests, []);
  await context.close();
});

test('a kiosk the admin removed stays in kiosk mode, keeps results as anonymous, says so at /borne; an admin logged in on it uninstalls it', async () => {
  const { context, page, problems } = await openPage(browser, TOUCH);
  const added = await admin.post('/api/admin/kiosks', { name: "Borne de l'étage" });
  assert.equal(added.status, 201, added.text);
  const paired = await context.request.post(new URL('/api/kiosk/pair', server.url).href, {
    data: { code: added.json.code },
  });
  assert.equal(paired.status(), 204);
  // The admin removes it (« Retirer »).
  assert.equal(await adminDelete(`/api/admin/kiosks/${added.json.id}`), 204);

  // Still a kiosk: the page wipes between people; the result is kept, as anonymous.
  const before = (await trainerProfiles()).length;
  await page.goto(server.url);
  assert.equal(await waitForApp(page), 'Repère');
  assert.equal(await kioskMeta(page), 'kiosk', 'kiosk mode stays');
  const code = await personTakesTheTest(page);
  assert.equal((await trainerProfiles()).length, before, 'not filed under the structure');
  const found = await admin.get(`/api/results/${code}`);
  assert.equal(found.status, 200, 'kept, and found by its code');
  assert.equal(found.json.source, 'anonymous');
  assert.equal(found.json.attached, false);
  await finishVisit(page);
  assert.deepEqual((await storedTraces(page)).session, [], 'wiped as on any kiosk');
  assert.ok(await kioskCookie(context), 'the cookie stays');

  // /borne says it, and offers a new code or uninstalling.
  await page.goto(new URL('/borne', server.url).href);
  assert.equal(await waitForApp(page), 'Installer cette borne');
  const said = (await page.locator('#pairing-status').innerText()).replace(/\s+/g, ' ');
  assert.equal(said, "Cette borne n'est plus enregistrée. Demandez un nouveau code à l'administrateur.");
  await page.getByLabel("Code d'installation").waitFor();
  await checkScreen(page, 'pairing, kiosk removed', { fits: true });
  await screenshot(page, 'kiosk-removed');

  // An admin logged in on this device: one tap, after saying who they are.
  const login = await context.request.post(new URL('/api/login', server.url).href, {
    data: { login: accounts.admin.login, password: accounts.admin.password },
  });
  assert.equal(login.status(), 200);
  await page.reload();
  await waitForApp(page);
  await page.getByRole('button', { name: 'Désinstaller cette borne' }).tap();
  await page.getByText(`Vous êtes connecté comme administrateur : ${accounts.admin.login}.`).waitFor();
  await checkScreen(page, 'unpairing with the admin logged in', { fits: true });
  await page.getByRole('button', { name: 'Oui, désinstaller' }).tap();
  await page.locator('main').getByText('Cette borne est désinstallée.').waitFor();
  assert.equal(await kioskCookie(context), null, 'the pairing cookie is gone');
  await page.goto(server.url);
  await waitForApp(page);
  assert.equal(await kioskMeta(page), null, 'an ordinary browser again');

  assert.deepEqual(problems.pageErrors, []);
  assert.deepEqual(problems.consoleErrors, []);
  assert.deepEqual(problems.foreignRequests, []);
  await context.close();
});
