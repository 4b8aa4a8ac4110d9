// Kiosk identity and delivery: a browser paired with a registered kiosk at
// `/borne` opens `/` in kiosk mode with no URL parameter (the server's page says
// so), its results are filed under the kiosk's structure, « Terminer » wipes
// every trace of the person but keeps the pairing (an HttpOnly cookie the page
// cannot reach), and a result that cannot be sent is said plainly, with the
// print view to keep it, then wiped at the end of the visit. The real server
// (`--demo`: a demo kiosk and a demo trainer) serves the built app; headless
// Chromium drives it; axe-core audits the screens.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { launch, openPage, audit, auditRules, screenshot } from './lib/browser.mjs';
import { LAYOUTS, waitForApp, storedTraces, targetProblems, bodyFontSize, fitsWidth } from './lib/app.mjs';
import { demoAccounts, apiSession, waitForFocus } from './lib/staff.mjs';
import { takeTest } from './lib/person.mjs';

let server;
let browser;
let accounts;
let trainer;

before(async () => {
  server = await startServer({ extraArgs: ['--demo'] });
  accounts = demoAccounts(server.output());
  assert.ok(accounts.kioskToken, 'the demo prints a kiosk token');
  trainer = await apiSession(server.url, accounts.trainer);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** WCAG A/AA (zero violations), AAA contrast, 48 px targets, 22 px text, no sideways scroll. */
async function checkScreen(page, label) {
  const results = await audit(page, label);
  assert.deepEqual(results.violations, [], `axe-core: ${label}`);
  assert.ok(results.passes >= 10, `axe-core checked ${label} (${results.passes} rules passed)`);
  const aaa = await auditRules(page, label, ['color-contrast-enhanced']);
  assert.deepEqual(aaa.violations, [], `AAA contrast (7:1): ${label}`);
  assert.deepEqual(await targetProblems(page), [], `targets of at least 48 px, 8 px apart: ${label}`);
  assert.ok((await bodyFontSize(page)) >= 22, `body text of at least 22 px: ${label}`);
  assert.ok(await fitsWidth(page), `no sideways scrolling: ${label}`);
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

/** Takes the test as a person on the kiosk; returns the result code shown. */
async function personTakesTheTest(page) {
  assert.equal(await waitForApp(page), 'Repère');
  assert.ok(
    (await page.locator('main').innerText()).includes('À la fin, tout est effacé.'),
    'the welcome screen says everything is wiped',
  );
  await takeTest(page);
  await page.locator('main').getByText('Votre résultat est envoyé.').waitFor({ timeout: 15_000 });
  const line = await page.locator('.code-line').innerText();
  const m = line.match(/^Votre code\s*:\s*([0-9A-Z]{4}-[0-9A-Z]{4})$/);
  assert.ok(m, `« Votre code : XXXX-XXXX » (${line})`);
  return m[1];
}

/** Presses « Terminer » and waits for the welcome screen of the next person. */
async function finishVisit(page) {
  await page.getByRole('button', { name: 'Terminer' }).click();
  await page.waitForFunction(() => document.querySelector('main h1')?.textContent === 'Repère');
  await page.waitForLoadState('load');
}

test('kiosk: paired at /borne, kiosk mode without URL parameters, results filed under the structure', async () => {
  const { context, page, problems } = await openPage(browser, { viewport: LAYOUTS.kiosk });
  await page.goto(new URL('/borne', server.url).href);
  assert.equal(await waitForApp(page), 'Installer cette borne');
  assert.equal(await page.title(), 'Installer cette borne — Repère');
  assert.equal(await kioskMeta(page), null, 'not a kiosk yet');
  await checkScreen(page, 'pairing');
  await screenshot(page, 'kiosk-pairing');

  // Nothing typed, then a wrong code: said in words at the field, with the focus.
  const field = page.getByLabel('Code de la borne');
  await page.getByRole('button', { name: 'Installer' }).click();
  await page.getByText('Écrivez le code de la borne.').waitFor();
  await waitForFocus(page, 'kiosk-code');
  await field.fill('pas-le-bon-code');
  await page.getByRole('button', { name: 'Installer' }).click();
  await page.getByRole('alert').getByText(/Ce code de borne n'est pas valide/).waitFor();
  await waitForFocus(page, 'kiosk-code');
  assert.equal(await field.getAttribute('aria-invalid'), 'true');
  assert.match(await field.getAttribute('aria-describedby'), /kiosk-code-error/);
  await checkScreen(page, 'pairing, wrong code');
  assert.equal(await kioskCookie(context), null, 'no cookie for a wrong code');

  // The demo kiosk's code.
  await field.fill(accounts.kioskToken);
  await page.getByRole('button', { name: 'Installer' }).click();
  await page.getByRole('heading', { level: 1, name: 'Borne installée' }).waitFor();
  const status = (await page.locator('#pairing-status').innerText()).replace(/\s+/g, ' ');
  assert.equal(status, 'Cette borne est installée pour : Bureau de poste de démonstration');
  await checkScreen(page, 'pairing done');
  await screenshot(page, 'kiosk-paired');
  const cookie = await kioskCookie(context);
  assert.ok(cookie, 'the pairing cookie is set');
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, 'Strict');
  assert.ok(cookie.expires * 1000 - Date.now() > 300 * 86_400_000, 'it lasts (renewed by every page)');
  assert.equal(await page.evaluate(() => document.cookie.includes('repere_kiosk')), false, 'scripts cannot read it');

  // `/` with no parameter: kiosk mode, because the server says so.
  const before = (await trainerProfiles()).length;
  await page.getByRole('link', { name: 'Ouvrir le test' }).click();
  await page.waitForURL(new URL('/', server.url).href);
  assert.equal(new URL(page.url()).search, '', 'no URL parameter');
  assert.equal(await kioskMeta(page), 'kiosk');
  const first = await personTakesTheTest(page);
  await checkScreen(page, 'kiosk, result sent');
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
  assert.ok(!traces.caches.some((c) => !c.startsWith('repere-shell')), `only the app shell is cached: ${traces.caches}`);
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

  // Uninstalling: the page is no longer in kiosk mode.
  await page.goto(new URL('/borne', server.url).href);
  await page.getByRole('heading', { level: 1, name: 'Borne installée' }).waitFor();
  await page.getByRole('button', { name: 'Désinstaller cette borne' }).click();
  await page.getByRole('heading', { level: 1, name: 'Installer cette borne' }).waitFor();
  await page.locator('main').getByText('Cette borne est désinstallée.').waitFor();
  assert.equal(await kioskCookie(context), null, 'the pairing cookie is gone');
  await page.goto(server.url);
  await waitForApp(page);
  assert.equal(await kioskMeta(page), null, 'an ordinary browser again');

  assert.deepEqual(problems.pageErrors, []);
  // The wrong code's 401 is logged by Chromium as a failed resource.
  assert.deepEqual(problems.consoleErrors.filter((e) => !/status of 401/.test(e)), []);
  assert.deepEqual(problems.foreignRequests, []);
  await context.close();
});

test('kiosk without network at the end: « not sent », print it; after « Terminer » nothing remains', async () => {
  const { context, page, problems } = await openPage(browser, { viewport: LAYOUTS.kiosk });
  // Paired through the same endpoint as /borne (the context's requests share its cookies).
  const paired = await context.request.post(new URL('/api/kiosk/pair', server.url).href, {
    data: { token: accounts.kioskToken },
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
  await checkScreen(page, 'kiosk, result not sent');
  await screenshot(page, 'kiosk-result-not-sent');

  // The print view: the result on paper, saying it has no code.
  await page.getByRole('button', { name: 'Imprimer mon résultat' }).click();
  await page.getByRole('heading', { level: 1, name: 'Repère : votre résultat' }).waitFor();
  await main.getByText(/Ce résultat n'a pas été envoyé\s*: la borne n'avait pas de réseau\./).waitFor();
  await checkScreen(page, 'kiosk, print view of a result not sent');
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

test("the service worker's offline copy of the page follows pairing and unpairing", async () => {
  const { context, page, problems } = await openPage(browser, { viewport: LAYOUTS.kiosk });
  /** The page the worker would serve offline: `true` if in kiosk mode, `null` if none yet. */
  const offlineCopyIsKiosk = () =>
    page.evaluate(async () => {
      const copy = await (await caches.open('repere-shell-v1')).match('/');
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
  await page.getByLabel('Code de la borne').fill(accounts.kioskToken);
  await page.getByRole('button', { name: 'Installer' }).click();
  await page.getByRole('heading', { level: 1, name: 'Borne installée' }).waitFor();
  await waitForCopy(true);
  await context.setOffline(true);
  await page.goto(server.url);
  assert.equal(await waitForApp(page), 'Repère');
  assert.equal(await kioskMeta(page), 'kiosk', 'offline, the page is still a kiosk’s');
  assert.ok((await page.locator('main').innerText()).includes('À la fin, tout est effacé.'));
  await context.setOffline(false);

  // Unpaired: the copy is an ordinary browser's page again.
  await page.goto(new URL('/borne', server.url).href);
  await page.getByRole('button', { name: 'Désinstaller cette borne' }).click();
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
