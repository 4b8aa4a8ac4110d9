// The shell of the app: welcome screen, comfort settings, reading aloud, kiosk
// reset, offline use, layouts. The real server serves the built app; headless
// Chromium drives it; axe-core audits it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, startServerAndBrowser, stopServerAndBrowser } from './lib/server.mjs';
import { assertClean } from './lib/checks.mjs';
import { openPage, audit, auditRules, screenshot } from './lib/browser.mjs';
import { takeTest } from './lib/person.mjs';
import {
  LAYOUTS,
  waitForApp,
  stubSpeech,
  storedTraces,
  leaveTraces,
  fitsWidth,
  bodyFontSize,
  targetProblems,
} from './lib/app.mjs';

let server;
let browser;

before(async () => {
  ({ server, browser } = await startServerAndBrowser());
});

after(() => stopServerAndBrowser({ server, browser }));

/** Chooses a settings option, in the welcome screen or in `scope` (a dialog). */
async function chooseSetting(page, group, option, scope = page.locator('main')) {
  await scope
    .getByRole('group', { name: group, exact: true })
    .getByRole('radio', { name: option, exact: true })
    .check();
}

test('welcome screen: what will happen, a large « Commencer », settings; zero axe violations', async () => {
  const { context, page, problems } = await openPage(browser);
  await page.goto(server.url);
  assert.equal(await waitForApp(page), 'Repère');
  assert.equal(await page.getAttribute('html', 'lang'), 'fr');
  // What it says of the length is what the session rules do (items/data/referentiel.toml).
  await page.getByText(/^Entre \d+ et \d+\squestions\. Le test s'arrête dès qu'il en sait assez\.$/).waitFor();
  await page.getByText(/^Pas de chronomètre\. Le test dure \d+\sminutes au plus\.$/).waitFor();
  const start = page.getByRole('button', { name: 'Commencer' });
  const box = await start.boundingBox();
  assert.ok(box.height >= 64 && box.width >= 200, `« Commencer » is large (${box.width}x${box.height})`);
  assert.ok((await bodyFontSize(page)) >= 22, 'body text is at least 22 px');
  assert.ok(await page.getByRole('button', { name: 'Réglages' }).isVisible(), '« Réglages » is on the screen');
  assert.deepEqual(await targetProblems(page), [], 'every target is at least 48x48 px, 8 px apart');

  const results = await audit(page, 'welcome, default size');
  assert.deepEqual(results.violations, []);
  assert.ok(results.passes >= 10, `axe-core checked the page (${results.passes} rules passed)`);
  const aaa = await auditRules(page, 'welcome, default size', ['color-contrast-enhanced']);
  assert.deepEqual(aaa.violations, [], 'AAA contrast (7:1)');
  await screenshot(page, 'shell-welcome');
  assertClean(problems);
  await context.close();
});

test('settings: three text sizes and high contrast, kept on reload, zero axe violations', async () => {
  const { context, page, problems } = await openPage(browser);
  await page.goto(server.url);
  await waitForApp(page);
  assert.equal(await bodyFontSize(page), 22);
  await chooseSetting(page, 'Taille du texte', 'Grand');
  assert.equal(await bodyFontSize(page), 28);
  await chooseSetting(page, 'Taille du texte', 'Très grand');
  assert.equal(await bodyFontSize(page), 34);

  let results = await audit(page, 'welcome, largest text');
  assert.deepEqual(results.violations, []);
  assert.deepEqual(await targetProblems(page), []);
  await screenshot(page, 'shell-welcome-largest');

  await chooseSetting(page, 'Contraste', 'Renforcé');
  assert.equal(await page.getAttribute('html', 'data-contrast'), 'high');
  const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(background, 'rgb(0, 0, 0)', 'high contrast: black background');
  results = await audit(page, 'welcome, largest text, high contrast');
  assert.deepEqual(results.violations, []);
  const aaa = await auditRules(page, 'welcome, high contrast', ['color-contrast-enhanced']);
  assert.deepEqual(aaa.violations, [], 'AAA contrast (7:1) in high contrast');
  await screenshot(page, 'shell-welcome-largest-contrast');

  // Kept for this person (sessionStorage), applied again after a reload.
  await page.reload();
  await waitForApp(page);
  assert.equal(await bodyFontSize(page), 34);
  assert.equal(await page.getAttribute('html', 'data-contrast'), 'high');
  assert.deepEqual((await storedTraces(page)).local, [], 'nothing of the person in localStorage');

  // Reachable from the next screens, in a dialog that closes back to its button.
  await page.getByRole('button', { name: 'Commencer' }).click();
  await page.locator('main h1').filter({ hasNotText: 'Repère' }).waitFor();
  assert.equal(
    await page.evaluate(() => document.activeElement?.tagName),
    'H1',
    'focus moved to the new screen heading',
  );
  await page.getByRole('button', { name: 'Réglages' }).click();
  const dialog = page.getByRole('dialog', { name: 'Réglages' });
  await dialog.waitFor();
  await chooseSetting(page, 'Taille du texte', 'Normal', dialog);
  assert.equal(await bodyFontSize(page), 22);
  results = await audit(page, 'settings dialog');
  assert.deepEqual(results.violations, []);
  await screenshot(page, 'shell-settings-dialog');
  await dialog.getByRole('button', { name: 'Fermer' }).click();
  await dialog.waitFor({ state: 'hidden' });
  assert.equal(
    await page.evaluate(() => document.activeElement?.id),
    'settings-button',
    'focus back on « Réglages »',
  );
  assertClean(problems);
  await context.close();
});

test('layouts: tablet portrait and landscape, kiosk, phone, and reflow at 320 px', async () => {
  for (const [name, viewport] of Object.entries(LAYOUTS)) {
    for (const size of ['Normal', 'Très grand']) {
      const { context, page, problems } = await openPage(browser, { viewport });
      await page.goto(server.url);
      await waitForApp(page);
      await chooseSetting(page, 'Taille du texte', size);
      assert.ok(await fitsWidth(page), `${name} (${size}): no sideways scrolling`);
      assert.deepEqual(await targetProblems(page), [], `${name} (${size}): targets`);
      if (size === 'Normal' || name === 'narrow') {
        await screenshot(page, `shell-layout-${name}${size === 'Normal' ? '' : '-largest'}`);
      }
      assertClean(problems);
      await context.close();
    }
  }
});

test('read aloud: « Écouter » reads the screen in French, slower, and stops on a new screen', async () => {
  const { context, page, problems } = await openPage(browser);
  await stubSpeech(context, { voices: [{ lang: 'en-US', name: 'English' }, { lang: 'fr-FR', name: 'Française' }] });
  await page.goto(server.url);
  await waitForApp(page);
  const listen = page.getByRole('button', { name: 'Écouter' });
  await listen.waitFor();
  await listen.click();
  const spoken = await page.evaluate(() => window.__spoken);
  assert.equal(spoken.length, 1);
  assert.equal(spoken[0].lang, 'fr-FR');
  assert.ok(Math.abs(spoken[0].rate - 0.85) < 1e-6, `rate ${spoken[0].rate}`);
  assert.match(spoken[0].text, /Entre \d+ et \d+ questions/);
  // While it speaks, the same button stops it.
  await page.getByRole('button', { name: 'Arrêter' }).click();
  assert.ok((await page.evaluate(() => window.__cancelled)) >= 1);
  await listen.click();
  const cancelledBefore = await page.evaluate(() => window.__cancelled);
  await page.getByRole('button', { name: 'Commencer' }).click();
  await page.locator('main h1').filter({ hasNotText: 'Repère' }).waitFor();
  assert.ok((await page.evaluate(() => window.__cancelled)) > cancelledBefore, 'a new screen stops the reading');
  assert.ok(await page.getByRole('button', { name: 'Écouter' }).isVisible(), 'still offered on the next screen');

  // « Lire chaque écran à voix haute » reads each new screen by itself.
  await page.getByRole('button', { name: 'Réglages' }).click();
  const dialog = page.getByRole('dialog', { name: 'Réglages' });
  await chooseSetting(page, 'Lire chaque écran à voix haute', 'Oui', dialog);
  await dialog.getByRole('button', { name: 'Fermer' }).click();
  const before = await page.evaluate(() => window.__spoken.length);
  await page.getByRole('button', { name: 'Continuer' }).click();
  await page.waitForFunction((n) => window.__spoken.length > n, before);
  assertClean(problems);
  await context.close();
});

test('read aloud without a French voice: the recorded voice; hidden only when it is missing too; a voice arriving late is used', async () => {
  for (const [label, options] of [
    ['no speech synthesis', { absent: true }],
    ['no voice', { voices: [] }],
    ['English voices only', { voices: [{ lang: 'en-GB', name: 'English' }] }],
  ]) {
    const { context, page, problems } = await openPage(browser);
    await stubSpeech(context, options);
    await page.goto(server.url);
    await waitForApp(page);
    await page.getByRole('button', { name: 'Écouter' }).waitFor({ timeout: 5000 });
    assert.equal(
      await page.locator('main').getByText('Lire chaque écran à voix haute').count(),
      1,
      `${label}: the read-aloud setting`,
    );
    assertClean(problems);
    await context.close();
  }
  // Neither a French voice nor the list of recorded clips: nothing offered.
  {
    const { context, page, problems } = await openPage(browser);
    await stubSpeech(context, { voices: [] });
    await page.route('**/precache.txt', (route) => route.fulfill({ status: 404, body: '' }));
    await page.goto(server.url);
    await waitForApp(page);
    await page.waitForTimeout(500);
    assert.equal(await page.getByRole('button', { name: 'Écouter' }).count(), 0, 'no « Écouter »');
    assert.equal(await page.getByText('Lire chaque écran à voix haute').count(), 0, 'no read-aloud setting');
    assertClean(problems, /status of 404/);
    await context.close();
  }
  const { context, page, problems } = await openPage(browser);
  await stubSpeech(context, { voices: [], lateVoices: [{ lang: 'fr_FR', name: 'Française' }], lateAfterMs: 600 });
  await page.goto(server.url);
  await waitForApp(page);
  // Once the French voice has arrived, « Écouter » speaks with it.
  await page.waitForTimeout(900);
  await page.getByRole('button', { name: 'Écouter' }).click();
  await page.waitForFunction(() => window.__spoken.length === 1);
  assertClean(problems);
  await context.close();
});

/** The first context question (items/data/context.toml). */
const FIRST_CONTEXT = 'Quels appareils avez-vous chez vous ?';

/** Opens a kiosk with short delays, moves on one screen and leaves traces. */
async function kioskWithTraces(url) {
  const opened = await openPage(browser);
  const { page } = opened;
  // A page before the kiosk: what the back button would go to.
  await page.goto(url);
  await waitForApp(page);
  await page.goto(`${url}?mode=kiosk&idle=2&countdown=3`);
  await waitForApp(page);
  await page.getByText('Sur la borne, tout est effacé à la fin', { exact: false }).waitFor();
  await chooseSetting(page, 'Taille du texte', 'Très grand');
  await page.getByRole('button', { name: 'Commencer' }).click();
  await page.getByRole('heading', { level: 1, name: FIRST_CONTEXT }).waitFor();
  await page.getByRole('checkbox', { name: 'Un smartphone' }).check();
  await leaveTraces(page);
  return opened;
}

/** Asserts that nothing of the previous person is left. */
async function assertWiped(page) {
  // The kiosk start page has reloaded: wait for its own start-up writes (none).
  await page.waitForTimeout(500);
  const traces = await storedTraces(page);
  assert.deepEqual(traces.local, [], 'localStorage is empty');
  assert.deepEqual(traces.session, [], 'sessionStorage is empty');
  assert.deepEqual(traces.databases, [], 'no IndexedDB database');
  assert.equal(traces.cookie, '', 'no cookie');
  assert.deepEqual(
    traces.caches.filter((c) => !c.startsWith('repere-shell') && c !== 'repere-places'),
    [],
    "only the app shell's caches and the structure's places are kept",
  );
  const text = await page.evaluate(() => document.body.innerText);
  assert.ok(!text.includes('Quelques questions sur vous'), 'no screen of the previous person');
  assert.ok(!text.includes(FIRST_CONTEXT), 'no question of the previous person');
  assert.equal(await bodyFontSize(page), 22, 'settings back to default');
  // The back button does not bring the previous person's screens back.
  await page.goBack();
  await waitForApp(page);
  const back = await page.evaluate(() => document.body.innerText);
  assert.ok(!back.includes('Quelques questions sur vous'), 'back: no screen of the previous person');
  assert.equal(await bodyFontSize(page), 22, 'back: default settings');
}

test('kiosk: after the idle delay, « Voulez-vous continuer ? » with a countdown; « Continuer » keeps the test', async () => {
  const { context, page, problems } = await kioskWithTraces(server.url);
  const dialog = page.getByRole('dialog', { name: 'Voulez-vous continuer ?' });
  await dialog.waitFor({ timeout: 10_000 });
  const countdown = await dialog.locator('.countdown strong').textContent();
  assert.ok(['3', '2', '1'].includes(countdown.trim()), `countdown shows ${countdown}`);
  assert.ok(await dialog.getByRole('button', { name: 'Continuer' }).isVisible());
  assert.ok(await dialog.getByRole('button', { name: 'Terminer' }).isVisible());
  const results = await audit(page, 'kiosk idle question');
  assert.deepEqual(results.violations, []);
  assert.deepEqual(await targetProblems(page, { within: 'dialog[open]' }), []);
  await screenshot(page, 'shell-kiosk-idle');
  await dialog.getByRole('button', { name: 'Continuer' }).click();
  await dialog.waitFor({ state: 'hidden' });
  await page.waitForTimeout(1000);
  assert.ok(await page.getByRole('heading', { level: 1, name: FIRST_CONTEXT }).isVisible());
  assert.ok(await page.getByRole('checkbox', { name: 'Un smartphone' }).isChecked(), 'the answer is kept');
  assert.deepEqual((await storedTraces(page)).local, ['trace'], 'nothing wiped');
  assertClean(problems);
  await context.close();
});

test('kiosk: at the end of the countdown, everything is wiped', async () => {
  const { context, page, problems } = await kioskWithTraces(server.url);
  await page.getByRole('dialog', { name: 'Voulez-vous continuer ?' }).waitFor({ timeout: 10_000 });
  await page.waitForFunction(() => document.documentElement.dataset.textSize === 'normal', null, {
    timeout: 15_000,
  });
  assert.equal(await waitForApp(page), 'Repère');
  assert.equal(new URL(page.url()).search, '?mode=kiosk&idle=2&countdown=3', 'back to the kiosk start');
  await assertWiped(page);
  assertClean(problems);
  await context.close();
});

test('kiosk: « Terminer » wipes everything at once', async () => {
  const { context, page, problems } = await kioskWithTraces(server.url);
  const dialog = page.getByRole('dialog', { name: 'Voulez-vous continuer ?' });
  await dialog.waitFor({ timeout: 10_000 });
  await dialog.getByRole('button', { name: 'Terminer' }).click();
  await page.waitForFunction(() => document.documentElement.dataset.textSize === 'normal', null, {
    timeout: 10_000,
  });
  assert.equal(await waitForApp(page), 'Repère');
  await assertWiped(page);
  assertClean(problems);
  await context.close();
});

test('kiosk: the idle wipe from the result screen, time jumping ahead, raises no error', async () => {
  const { context, page, problems } = await openPage(browser, { viewport: LAYOUTS.kiosk });
  await context.route('**/api/results', (route) =>
    route.fulfill({ status: 201, contentType: 'application/json', body: JSON.stringify({ code: 'K7M4-QX2P' }) }),
  );
  // A controlled clock: time flows as usual until it is made to jump.
  await context.clock.install();
  await page.goto(`${server.url}?mode=kiosk&idle=20&countdown=10`);
  await waitForApp(page);
  await takeTest(page);
  await page.locator('.result-code', { hasText: 'K7M4-QX2P' }).waitFor({ timeout: 15_000 });
  // Nobody touches the screen: the question, its countdown, the wipe, the next
  // welcome screen, with every timer of the result screen due at once.
  await context.clock.fastForward(21_000);
  await page.getByRole('dialog', { name: 'Voulez-vous continuer ?' }).waitFor();
  for (let i = 0; i < 12; i += 1) await context.clock.runFor(1_000);
  await page.waitForFunction(() => document.querySelector('main h1')?.textContent === 'Repère', null, {
    timeout: 15_000,
  });
  await context.clock.runFor(5_000);
  assert.ok(!(await page.locator('body').innerText()).includes('K7M4-QX2P'), 'nothing of the person');
  assert.deepEqual(problems.pageErrors, [], 'no error in the page');
  assert.deepEqual(problems.consoleErrors, [], 'no error in the console');
  await context.close();
});

test('a slow network: the page says it is loading before the app runs, and the app replaces it', async () => {
  const { context, page, problems } = await openPage(browser, { viewport: LAYOUTS.kiosk });
  // The app's code arrives three seconds late, as on a slow mobile network.
  let release;
  const late = new Promise((resolve) => {
    release = resolve;
  });
  await context.route('**/*_bg.wasm', async (route) => {
    await late;
    await route.continue();
  });
  await page.goto(server.url, { waitUntil: 'domcontentloaded' });
  const loading = page.locator('#chargement');
  await loading.waitFor({ state: 'visible', timeout: 5_000 });
  assert.match((await loading.innerText()).replace(/\s+/g, ' '), /Chargement en cours\. Un instant, s'il vous plaît\./);
  const results = await audit(page, 'page loading');
  assert.deepEqual(results.violations, []);
  release();
  assert.equal(await waitForApp(page), 'Repère');
  assert.equal(await page.locator('#chargement').count(), 0, 'the app removed the loading message');
  assertClean(problems);
  await context.close();
});

test('kiosk mode from the deployment: <meta name="repere-mode" content="kiosk">', async () => {
  const { context, page, problems } = await openPage(browser);
  await context.route(
    (url) => url.pathname === '/',
    async (route) => {
      const response = await route.fetch();
      const html = (await response.text()).replace(
        '<head>',
        '<head><meta name="repere-mode" content="kiosk">',
      );
      await route.fulfill({ response, body: html });
    },
  );
  await page.goto(`${server.url}?idle=1&countdown=30`);
  await waitForApp(page);
  await page.getByText('Sur la borne, tout est effacé à la fin', { exact: false }).waitFor();
  await page.getByRole('button', { name: 'Commencer' }).click();
  await page.getByRole('dialog', { name: 'Voulez-vous continuer ?' }).waitFor({ timeout: 10_000 });
  assertClean(problems);
  await context.close();
});

test('offline: a test started online goes on offline, and a reload still shows the app', async () => {
  const own = await startServer();
  const { context, page, problems } = await openPage(browser);
  await page.goto(own.url);
  await waitForApp(page);
  // The service worker controls the page and holds the app shell. (Polled from
  // here: waitForFunction does not await a promise the page function returns.)
  const shellCached = () =>
    page.evaluate(async () => {
      if (!navigator.serviceWorker.controller) return false;
      const registration = await navigator.serviceWorker.ready;
      if (registration.active?.state !== 'activated') return false;
      const shell = (await caches.keys()).find((name) => name.startsWith('repere-shell-'));
      if (!shell) return false;
      const cache = await caches.open(shell);
      const paths = (await cache.keys()).map((r) => new URL(r.url).pathname);
      return ['/', '.wasm', '.js', '.css', '.woff2'].every((end) => paths.some((p) => p.endsWith(end)));
    });
  const deadline = Date.now() + 15_000;
  while (!(await shellCached())) {
    assert.ok(Date.now() < deadline, 'the service worker caches the app shell within 15 s');
    await new Promise((r) => setTimeout(r, 250));
  }
  await context.setOffline(true);
  await page.getByRole('button', { name: 'Commencer' }).click();
  await page.getByRole('heading', { level: 1, name: FIRST_CONTEXT }).waitFor();
  await page.reload();
  assert.equal(await waitForApp(page), FIRST_CONTEXT, 'reload while offline resumes the test');
  await page.evaluate(() => sessionStorage.clear());
  await page.reload();
  assert.equal(await waitForApp(page), 'Repère', 'reload while offline');
  // Even with the server gone entirely.
  await context.setOffline(false);
  await own.stop();
  await page.reload();
  assert.equal(await waitForApp(page), 'Repère', 'reload with the server stopped');
  await page.getByRole('button', { name: 'Commencer' }).click();
  await page.getByRole('heading', { level: 1, name: FIRST_CONTEXT }).waitFor();
  assert.deepEqual(problems.pageErrors, []);
  assert.deepEqual(problems.foreignRequests, []);
  await context.close();
});

test('context questions: one per screen, exclusive answers, kept on reload, zero axe violations', async () => {
  const { context, page, problems } = await openPage(browser);
  await page.goto(server.url);
  await waitForApp(page);
  await page.getByRole('button', { name: 'Commencer' }).click();
  await page.getByRole('heading', { level: 1, name: FIRST_CONTEXT }).waitFor();
  // Five questions while the devices are not answered (the person may have a
  // smartphone, so « Quel smartphone avez-vous ? » is counted).
  assert.ok(await page.getByText('Quelques questions sur vous : 1 sur 5').isVisible());
  const smartphone = page.getByRole('checkbox', { name: 'Un smartphone' });
  const none = page.getByRole('checkbox', { name: 'Aucun appareil' });
  await smartphone.check();
  await page.getByRole('checkbox', { name: 'Une tablette' }).check();
  await none.check();
  assert.ok(!(await smartphone.isChecked()), '« Aucun appareil » clears the others');
  // Without a smartphone, the question about it is not asked.
  await page.getByText('Quelques questions sur vous : 1 sur 4').waitFor();
  await smartphone.check();
  assert.ok(!(await none.isChecked()), 'and the reverse');
  await page.getByText('Quelques questions sur vous : 1 sur 5').waitFor();
  const results = await audit(page, 'context question');
  assert.deepEqual(results.violations, []);
  assert.deepEqual(await targetProblems(page, { within: 'main' }), []);
  await screenshot(page, 'shell-context');
  await page.getByRole('button', { name: 'Continuer' }).click();
  await page.getByRole('heading', { level: 1, name: 'Quel smartphone avez-vous ?' }).waitFor();
  assert.ok(await page.getByText('Quelques questions sur vous : 2 sur 5').isVisible());
  await page.getByRole('radio', { name: 'Un iPhone' }).check();
  assert.deepEqual((await audit(page, 'context question: phone')).violations, []);
  await page.getByRole('button', { name: 'Continuer' }).click();
  await page.getByRole('heading', { level: 1, name: 'Avez-vous une adresse e-mail ?' }).waitFor();
  await page.getByRole('radio', { name: 'Oui' }).check();
  // A reload resumes on the same screen with the same answers (this tab only).
  await page.reload();
  assert.equal(await waitForApp(page), 'Avez-vous une adresse e-mail ?');
  assert.ok(await page.getByRole('radio', { name: 'Oui' }).isChecked());
  const kept = await page.evaluate(() => JSON.parse(sessionStorage.getItem('repere.progress')));
  assert.deepEqual(kept.context, ['equipment:smartphone', 'phone:iphone', 'email:yes']);
  assert.deepEqual((await storedTraces(page)).local, [], 'nothing in localStorage');
  assertClean(problems);
  await context.close();
});

test('« Non, je vois mal »: each screen is read aloud from then on, and the answer goes into the log', async () => {
  const { context, page, problems } = await openPage(browser);
  await stubSpeech(context, { voices: [{ lang: 'fr-FR', name: 'Française' }] });
  await page.goto(server.url);
  await waitForApp(page);
  await page.getByRole('button', { name: 'Commencer' }).click();
  // Nothing answered: the question about the smartphone is asked too.
  for (let i = 1; i <= 4; i += 1) {
    await page.locator('.screen.context .progress', { hasText: `${i} sur 5` }).waitFor();
    await page.getByRole('button', { name: 'Continuer' }).click();
  }
  await page.getByRole('heading', { level: 1, name: "Voyez-vous bien l'écran ?" }).waitFor();
  const settingsBefore = await page.evaluate(() => sessionStorage.getItem('repere.settings'));
  assert.equal(settingsBefore, null, 'reading aloud is off at first');
  await page.getByRole('radio', { name: 'Non, je vois mal' }).check();
  await page.waitForFunction(
    () => document.querySelector('[role=status]')?.textContent === 'Chaque écran sera lu à voix haute. Vous pouvez changer cela dans les réglages.',
  );
  const settings = await page.evaluate(() => JSON.parse(sessionStorage.getItem('repere.settings')));
  assert.equal(settings.read_aloud, true, 'reading aloud is on');
  const results = await audit(page, 'context question: sight');
  assert.deepEqual(results.violations, []);
  const before = await page.evaluate(() => (window.__spoken ?? []).length);
  await page.getByRole('button', { name: 'Continuer' }).click();
  // The first question of the test is read without a tap on « Écouter ».
  await page.locator('article.item').waitFor();
  await page.waitForFunction((n) => (window.__spoken ?? []).length > n, before);
  const spoken = await page.evaluate((n) => window.__spoken.slice(n).map((u) => u.text), before);
  assert.ok(spoken[0].length > 10 && !spoken[0].includes('Voyez-vous'), `read: ${JSON.stringify(spoken)}`);
  // The running test's log holds the answer: the server will exclude the same items.
  const log = await page.evaluate(() => JSON.parse(sessionStorage.getItem('repere.test')));
  assert.deepEqual(log.context, [{ question: 'sight', answer: 'no' }]);
  assertClean(problems);
  await context.close();
});
