// The app as a kiosk meets it without the network and without a French voice:
// the service worker precaches every picture of the bank (and, on a kiosk, the
// recorded voice) when it installs, so a kiosk that went offline right after its
// installation shows every picture of a whole test; what the caches hold after
// the wipe is the same whoever took the test; a device without a French speech
// voice reads aloud with the clips recorded at build time (« Écouter », « Lire
// chaque écran », « Non, je vois mal », the idle question), and `/borne` says
// which voice the kiosk will use. The real server (`--demo`: an admin to ask for
// pairing codes) serves the built app; headless Chromium drives it; axe-core
// audits the new screen states.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServerAndBrowser, stopServerAndBrowser } from './lib/server.mjs';
import { checkScreen } from './lib/checks.mjs';
import { openPage, screenshot, audit, auditRules } from './lib/browser.mjs';
import { LAYOUTS, waitForApp, stubSpeech, targetProblems } from './lib/app.mjs';
import { demoAccounts, apiSession } from './lib/staff.mjs';
import { answerContext, answerOne } from './lib/person.mjs';
import { scripted, respond } from './lib/drivers.mjs';
import { phrases, clipKey, clipsOf, precacheList, watchAudio, cacheListing, waitForPrecache } from './lib/voice.mjs';

let server;
let browser;
let admin;
let demoKiosk;
/** The precache list the build wrote: the item bank, every picture, then every clip. */
let list;
let banks;
let pictures;
let clips;

before(async () => {
  ({ server, browser } = await startServerAndBrowser({ extraArgs: ['--demo'] }));
  admin = await apiSession(server.url, demoAccounts(server.output()).admin);
  demoKiosk = (await admin.get('/api/admin/kiosks')).json.kiosks.find((k) => k.name === 'Borne de démonstration');
  assert.ok(demoKiosk, 'the demo kiosk');
  list = await precacheList(server.url);
  banks = list.filter((p) => p.startsWith('/bank/'));
  pictures = list.filter((p) => p.startsWith('/pictures/'));
  clips = list.filter((p) => p.startsWith('/voice/'));
});

after(() => stopServerAndBrowser({ server, browser }));

/** A fresh installation code of the demo kiosk. */
async function newCode() {
  const r = await admin.post(`/api/admin/kiosks/${demoKiosk.id}/code`, {});
  assert.equal(r.status, 200, r.text);
  return r.json.code;
}

/** Installs the page's browser as the demo kiosk at /borne, as a person does. */
async function pairAtBorne(page) {
  await page.goto(new URL('/borne', server.url).href);
  assert.equal(await waitForApp(page), 'Installer cette borne');
  await page.getByLabel("Code d'installation").fill(await newCode());
  await page.getByRole('button', { name: 'Installer', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Borne installée' }).waitFor();
}

/** Waits for every picture of the question shown; returns their paths and sizes. */
async function picturesShown(page) {
  await page.locator('article.item').waitFor();
  await page.waitForFunction(() => [...document.querySelectorAll('main img')].every((img) => img.complete), null, {
    timeout: 10_000,
  });
  return page.evaluate(() =>
    [...document.querySelectorAll('main img')].map((img) => ({
      src: new URL(img.src).pathname,
      width: img.naturalWidth,
    })),
  );
}

/**
 * Takes a whole test from the welcome screen: right answers (`able`, through the
 * item drivers and the native helper's responses) or « Je ne sais pas » to
 * every question. Returns the items and the pictures shown.
 */
async function wholeTest(page, { able }) {
  await answerContext(page);
  const items = [];
  const shown = [];
  for (let n = 0; n < 80; n += 1) {
    if ((await page.locator('main h1').first().textContent())?.trim() === 'Votre résultat') {
      return { items, shown };
    }
    const id = await page.locator('article.item').getAttribute('data-item');
    const seen = await picturesShown(page);
    for (const p of seen) assert.ok(p.width > 0, `${id}: ${p.src} is shown (naturalWidth ${p.width})`);
    shown.push(...seen.map((p) => p.src));
    items.push(id);
    if (able) await respond(page, scripted(['item', id]).item, scripted(['item', id]).right.response);
    else await page.getByRole('button', { name: 'Je ne sais pas' }).click();
    // The progress line starts with the question's number (« Question 4 · … »).
    await page.waitForFunction(
      (n) =>
        document.querySelector('main h1')?.textContent.trim() === 'Votre résultat' ||
        new RegExp(`^Question ${n + 1}\\b`).test(document.querySelector('article.item .progress')?.textContent.trim() ?? ''),
      items.length,
    );
  }
  throw new Error('the test did not end after 80 questions');
}

/** « Terminer » on the kiosk's result screen, then the next person's welcome. */
async function finishVisit(page) {
  await page.getByRole('button', { name: 'Terminer' }).click();
  await page.waitForFunction(() => document.querySelector('main h1')?.textContent === 'Repère');
  await page.waitForLoadState('load');
}

test('the precache list names the item bank, every picture of the bank and the clips, sorted; the worker is stamped with it', async () => {
  assert.ok(pictures.length >= 50, `${pictures.length} pictures`);
  assert.deepEqual(pictures, [...pictures].sort(), 'pictures sorted');
  assert.deepEqual(clips, [...clips].sort(), 'clips sorted');
  assert.deepEqual(banks.length, 1, 'one item bank');
  assert.match(banks[0], /^\/bank\/bank-[0-9a-f]+\.bin$/);
  assert.deepEqual(list, [...banks, ...pictures, ...clips], 'the item bank, the pictures, then the clips');
  assert.ok(clips.every((c) => /^\/voice\/[0-9a-f]{16}\.mp3$/.test(c)));
  // Every picture an item of the bank names is in the list.
  const bank = scripted(['bank']);
  for (const { id } of bank.items.filter((i) => i.type === 'hotspot').slice(0, 5)) {
    const file = scripted(['item', id]).item.body.screen.file;
    assert.ok(pictures.includes(`/pictures/${file}`), `${id}: ${file}`);
  }
  const worker = await (await fetch(new URL('/sw.js', server.url))).text();
  assert.match(worker, /^const BUILD = '[0-9a-f]{16}';$/m, 'the worker carries the build stamp');
  const clip = await fetch(new URL(clips[0], server.url));
  assert.equal(clip.status, 200);
  assert.equal(clip.headers.get('content-type'), 'audio/mpeg');
  assert.ok((await clip.arrayBuffer()).byteLength > 500, 'a clip holds sound');
});

test('a kiosk that went offline right after its installation shows every picture of a whole test', async () => {
  const { context, page, problems } = await openPage(browser, { viewport: LAYOUTS.kiosk });
  await stubSpeech(context, { voices: [] });
  await pairAtBorne(page);
  // Installed: the worker keeps every picture and, for a kiosk, every clip.
  await waitForPrecache(page, list, { kiosk: true });
  await context.setOffline(true);

  await page.getByRole('link', { name: 'Ouvrir le test' }).click();
  assert.equal(await waitForApp(page), 'Repère');
  const { items, shown } = await wholeTest(page, { able: true });
  console.log(`# offline kiosk: ${items.length} questions, ${shown.length} pictures shown, all loaded`);
  assert.ok(shown.length > 0, 'the test showed pictures');
  await page.locator('main').getByText("Votre résultat n'est pas envoyé.").waitFor({ timeout: 25_000 });
  await finishVisit(page);
  // The next person too, still offline.
  const next = await wholeTest(page, { able: false });
  assert.ok(next.items.length > 0);
  await context.setOffline(false);

  assert.deepEqual(problems.pageErrors, []);
  assert.deepEqual(problems.consoleErrors.filter((e) => !/ERR_INTERNET_DISCONNECTED/.test(e)), []);
  assert.deepEqual(problems.foreignRequests, []);
  await context.close();
});

test('after « Terminer », the caches hold the same list whoever took the test', async () => {
  const { context, page, problems } = await openPage(browser, { viewport: LAYOUTS.kiosk });
  await pairAtBorne(page);
  await waitForPrecache(page, list, { kiosk: true });
  await page.getByRole('link', { name: 'Ouvrir le test' }).click();
  assert.equal(await waitForApp(page), 'Repère');

  const able = await wholeTest(page, { able: true });
  await page.locator('main').getByText('Votre résultat est envoyé au serveur de la structure.').waitFor({ timeout: 15_000 });
  await finishVisit(page);
  const afterAble = await cacheListing(page);

  const unable = await wholeTest(page, { able: false });
  await finishVisit(page);
  const afterUnable = await cacheListing(page);

  // Two people who were shown different questions (and pictures)…
  assert.notDeepEqual(able.items, unable.items, 'the two people met different questions');
  console.log(
    `# able: ${able.items.length} questions, ${able.shown.length} pictures; unable: ${unable.items.length} questions, ${unable.shown.length} pictures`,
  );
  // …leave the same caches, key for key, in the same order.
  assert.deepEqual(afterUnable, afterAble, 'same caches, same keys, same order');
  // Two caches: the app's, and the kiosk's mediation places (its structure's,
  // the same for everyone).
  assert.deepEqual(afterAble.map((c) => c.name).sort().map((n) => n.replace(/[0-9a-f]{16}$/, 'HASH')),
    ['repere-places', 'repere-shell-HASH'], `two caches: ${afterAble.map((c) => c.name)}`);
  const places = afterAble.find((c) => c.name === 'repere-places');
  assert.deepEqual(places.keys, ['/api/kiosk/places'], 'the places cache holds the kiosk set only');
  const shell = afterAble.find((c) => c.name.startsWith('repere-shell-'));
  // Every picture and clip, in the list's order; nothing else but the app itself
  // (its hashed files and the bank, /bank/bank-<hash>.bin).
  const listed = shell.keys.filter((k) => list.includes(k));
  assert.deepEqual(listed, list, 'the precache list, in its order');
  const others = shell.keys.filter((k) => !list.includes(k));
  for (const key of others) {
    assert.match(
      key,
      /^\/(|staff\.html|precache\.txt|fonts\/.*\.woff2|bank\/bank-[0-9a-f]{16}\.bin|[a-z-]+-[0-9a-f]{10,16}(_bg)?\.(js|wasm|css))$/,
      `app file: ${key}`,
    );
  }

  assert.deepEqual(problems.pageErrors, []);
  assert.deepEqual(problems.consoleErrors, []);
  assert.deepEqual(problems.foreignRequests, []);
  await context.close();
});

test('a picture that does not load leaves the question answerable', async () => {
  const { context, page, problems } = await openPage(browser, { viewport: LAYOUTS['tablet-landscape'] });
  const hotspot = scripted(['bank']).items.find((i) => i.type === 'hotspot');
  const r = scripted(['item', hotspot.id]);
  await page.route(`**/pictures/${r.item.body.screen.file}`, (route) => route.abort('failed'));
  await page.goto(`${server.url}apercu?item=${hotspot.id}`);
  await page.locator(`article.item[data-item="${hotspot.id}"]`).waitFor();
  const button = page.getByRole('button', { name: r.item.body.screen.alt, exact: true });
  const box = await button.boundingBox();
  const [, , vw, vh] = r.item.body.screen.view_box;
  assert.ok(box.height > 200, `the picture's place keeps its size (${Math.round(box.width)}x${Math.round(box.height)})`);
  assert.ok(Math.abs(box.width / box.height - vw / vh) < 0.02, 'and its shape');
  assert.equal(await page.locator('.hotspot-button img').evaluate((img) => img.naturalWidth), 0, 'the picture is broken');
  await respond(page, r.item, r.right.response, { via: 'tap' });
  await page.locator('.response-json').waitFor();
  assert.equal((await page.locator('.response-score').textContent()).trim(), '1 sur 1', 'answered, and right');
  assert.deepEqual(problems.pageErrors, []);
  await context.close();
});

/**
 * What the app says (app/src/spoken.rs, compiled into `repere-scripted` with the
 * bank's rules): the welcome screen outside kiosk mode, and the idle question
 * with 20 seconds left.
 */
const SPOKEN = scripted(['spoken', '--countdown', '20']);

test('without a French voice, « Écouter » plays the recorded clips of the screen, one after the other', async () => {
  // The welcome's phrases: its first words, the length the rules give, the
  // colon that cuts « je ne sais pas », the last words.
  const said = phrases(SPOKEN.welcome);
  assert.equal(said.join(' '), SPOKEN.welcome.split(/\s+/u).join(' '), 'the phrases are the whole text');
  assert.equal(said[0], 'Repère.');
  const [min, max] = SPOKEN.length.items;
  assert.ok(said.includes(`Entre ${min} et ${max} questions.`), `${said}`);
  assert.ok(said.includes(`Le test dure ${SPOKEN.length.minutes} minutes au plus.`), `${said}`);
  const skip = said.indexOf('Vous pouvez toujours répondre :');
  assert.ok(skip > 0 && said[skip + 1] === 'je ne sais pas.', `${said}`);
  // What is kept: said after the facts, with the server's retention (12 months).
  const kept = said.indexOf('Ce qui est gardé.');
  assert.ok(kept > skip, `${said}`);
  assert.ok(said.indexOf('Il est effacé au bout de 12 mois.') > kept, `${said}`);
  assert.equal(said.at(-1), 'Pour commencer, touchez le bouton Commencer.');
  assert.equal(clipKey('foobar'), '85944171f73967e8', 'FNV-1a 64');
  const expected = clipsOf(SPOKEN.welcome);
  for (const clip of expected) assert.ok(clips.includes(clip), `${clip} is recorded`);

  for (const [label, options] of [
    ['no voice', { voices: [] }],
    ['English voices only', { voices: [{ lang: 'en-GB', name: 'English' }] }],
    ['no speech synthesis', { absent: true }],
  ]) {
    const { context, page, problems } = await openPage(browser);
    await stubSpeech(context, options);
    await watchAudio(context);
    await page.goto(server.url);
    await waitForApp(page);
    // The text read is the screen's: each of its facts is said (word for word).
    if (label === 'no voice') {
      const words = (t) => t.toLowerCase().split(/[^\p{Alphabetic}0-9]+/u).filter(Boolean).join(' ');
      const facts = await page.locator('.screen.welcome .facts li').allTextContents();
      assert.equal(facts.length, 3, `${facts}`);
      for (const fact of facts) assert.ok(` ${words(SPOKEN.welcome)} `.includes(` ${words(fact)} `), `« ${fact} » is said`);
    }
    const listen = page.getByRole('button', { name: 'Écouter' });
    await listen.waitFor({ timeout: 5000 });
    await listen.click();
    // Every clip plays to its end, in the order of the text.
    // The clips play in real time (about 2 s each): the wait grows with the text.
    await page.waitForFunction((n) => window.__ended.length >= n, expected.length, { timeout: 10_000 + 4_000 * expected.length });
    assert.deepEqual(await page.evaluate(() => window.__played), expected, `${label}: the clips of the welcome`);
    assert.deepEqual(await page.evaluate(() => window.__ended), expected, `${label}: each played to its end`);
    if (!options.absent) assert.deepEqual(await page.evaluate(() => window.__spoken), [], 'no speech synthesis');
    await page.getByRole('button', { name: 'Écouter' }).waitFor();
    assert.deepEqual(problems.pageErrors, [], label);
    assert.deepEqual(problems.consoleErrors, [], label);
    await context.close();
  }

  // While it reads, the same button stops it; the screen keeps the house rules.
  const { context, page, problems } = await openPage(browser);
  await stubSpeech(context, { voices: [] });
  await watchAudio(context);
  await page.goto(server.url);
  await waitForApp(page);
  await page.getByRole('button', { name: 'Écouter' }).click();
  const stop = page.getByRole('button', { name: 'Arrêter' });
  await stop.waitFor();
  await checkScreen(page, 'welcome, reading with the recorded voice');
  // Stopped while a clip plays (not in the instant between two clips).
  await page.waitForFunction(() => window.__current && !window.__current.paused && window.__current.currentTime > 0);
  await stop.click();
  await page.getByRole('button', { name: 'Écouter' }).waitFor();
  assert.ok((await page.evaluate(() => window.__paused)) >= 1, 'the clip was paused');
  const played = await page.evaluate(() => window.__played.length);
  await page.waitForTimeout(1500);
  assert.equal(await page.evaluate(() => window.__played.length), played, 'nothing more plays');
  assert.deepEqual(problems.pageErrors, []);
  assert.deepEqual(problems.consoleErrors, []);
  await context.close();
});

test('a phrase without a clip is skipped, and said in the console', async () => {
  const { context, page, problems } = await openPage(browser);
  await stubSpeech(context, { voices: [] });
  await watchAudio(context);
  const missing = phrases(SPOKEN.welcome).at(-1);
  const dropped = `/voice/${clipKey(missing)}.mp3`;
  await page.route('**/precache.txt', async (route) => {
    const response = await route.fetch();
    const text = (await response.text()).split('\n').filter((l) => l !== dropped).join('\n');
    await route.fulfill({ response, body: text });
  });
  const warnings = [];
  page.on('console', (m) => {
    if (m.type() === 'warning') warnings.push(m.text());
  });
  await page.goto(server.url);
  await waitForApp(page);
  await page.getByRole('button', { name: 'Écouter' }).click();
  const expected = clipsOf(SPOKEN.welcome).filter((c) => c !== dropped);
  // The clips play in real time (about 2 s each): the wait grows with the text.
  await page.waitForFunction((n) => window.__ended.length >= n, expected.length, { timeout: 10_000 + 4_000 * expected.length });
  await page.getByRole('button', { name: 'Écouter' }).waitFor();
  assert.deepEqual(await page.evaluate(() => window.__played), expected, 'the other phrases, in order');
  assert.deepEqual(
    warnings.filter((w) => w.includes('no recorded clip')),
    [`read aloud: no recorded clip for « ${missing} »`],
  );
  assert.deepEqual(problems.pageErrors, []);
  assert.deepEqual(problems.consoleErrors, []);
  await context.close();
});

test('without a French voice, « Non, je vois mal » turns reading aloud on: each question is read with the recorded clips', async () => {
  const { context, page, problems } = await openPage(browser);
  await stubSpeech(context, { voices: [] });
  await watchAudio(context);
  await page.goto(server.url);
  await waitForApp(page);
  await page.getByRole('button', { name: 'Écouter' }).waitFor();
  await page.getByRole('button', { name: 'Commencer' }).click();
  // Nothing answered: the question about the smartphone is asked too.
  for (let i = 1; i <= 4; i += 1) {
    await page.locator('.screen.context .progress', { hasText: `${i} sur 5` }).waitFor();
    await page.getByRole('button', { name: 'Continuer' }).click();
  }
  await page.getByRole('heading', { level: 1, name: "Voyez-vous bien l'écran ?" }).waitFor();
  await page.getByRole('radio', { name: 'Non, je vois mal' }).check();
  await page.waitForFunction(
    () =>
      document.querySelector('[role=status]')?.textContent ===
      'Chaque écran sera lu à voix haute. Vous pouvez changer cela dans les réglages.',
  );
  assert.equal((await page.evaluate(() => JSON.parse(sessionStorage.getItem('repere.settings')))).read_aloud, true);
  const before = await page.evaluate(() => window.__played.length);
  await page.getByRole('button', { name: 'Continuer' }).click();
  const id = await page.locator('article.item').getAttribute('data-item');
  const expected = clipsOf(scripted(['item', id]).item.read_aloud);
  await page.waitForFunction(
    ({ before, n }) => window.__ended.length >= before + n,
    { before, n: expected.length },
    { timeout: 60_000 },
  );
  assert.deepEqual(
    await page.evaluate((n) => window.__played.slice(n), before),
    expected,
    `${id}: its read-aloud text, clip by clip, without a tap on « Écouter »`,
  );
  // The next question is read too.
  const played = await page.evaluate(() => window.__played.length);
  await answerOne(page);
  await page.waitForFunction((n) => window.__played.length > n, played);
  await checkScreen(page, 'question read with the recorded voice');
  assert.deepEqual(problems.pageErrors, []);
  assert.deepEqual(problems.consoleErrors, []);
  await context.close();
});

/** A kiosk with short delays, « Lire chaque écran à voix haute » chosen or not, at its first question. */
async function idleKiosk(page, readAloud) {
  await page.goto(`${server.url}?mode=kiosk&idle=2&countdown=20`);
  await waitForApp(page);
  await page
    .getByRole('group', { name: 'Lire chaque écran à voix haute', exact: true })
    .getByRole('radio', { name: readAloud ? 'Oui' : 'Non', exact: true })
    .check();
  await page.getByRole('button', { name: 'Commencer' }).click();
  await page.locator('.screen.context').waitFor();
}

test('the idle question is read aloud when reading aloud is on: the device voice or the recorded one', async () => {
  // A device with a French voice.
  {
    const { context, page, problems } = await openPage(browser);
    await stubSpeech(context, { voices: [{ lang: 'fr-FR', name: 'Française' }] });
    await idleKiosk(page, true);
    const dialog = page.getByRole('dialog', { name: 'Voulez-vous continuer ?' });
    await dialog.waitFor({ timeout: 10_000 });
    await page.waitForFunction(() => window.__spoken.some((u) => u.text.startsWith('Voulez-vous continuer')));
    const spoken = await page.evaluate(() => window.__spoken.map((u) => u.text));
    assert.deepEqual(spoken.filter((t) => t.startsWith('Voulez-vous')), [SPOKEN.idle]);
    await dialog.getByRole('button', { name: 'Continuer' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.deepEqual(problems.pageErrors, []);
    assert.deepEqual(problems.consoleErrors, []);
    await context.close();
  }
  // No French voice: the recorded clips, stopped by « Continuer ».
  {
    const { context, page, problems } = await openPage(browser);
    await stubSpeech(context, { voices: [] });
    await watchAudio(context);
    await idleKiosk(page, true);
    const dialog = page.getByRole('dialog', { name: 'Voulez-vous continuer ?' });
    await dialog.waitFor({ timeout: 10_000 });
    const expected = clipsOf(SPOKEN.idle);
    assert.deepEqual(phrases(SPOKEN.idle).slice(2, 4), ['Sans réponse, tout sera effacé dans', '20 secondes.']);
    // The question's clips, after whatever the screen behind it was reading.
    await page.waitForFunction((first) => window.__played.includes(first), expected[0]);
    const label = 'idle question, read with the recorded voice';
    assert.deepEqual((await audit(page, label)).violations, [], label);
    assert.deepEqual((await auditRules(page, label, ['color-contrast-enhanced'])).violations, [], label);
    assert.deepEqual(await targetProblems(page, { within: 'dialog[open]' }), [], label);
    await screenshot(page, 'offline-idle-read');
    await page.waitForFunction((last) => window.__ended.includes(last), expected[expected.length - 1], {
      timeout: 30_000,
    });
    const played = await page.evaluate(() => window.__played);
    assert.deepEqual(played.slice(played.indexOf(expected[0])), expected);
    await dialog.getByRole('button', { name: 'Continuer' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.deepEqual(problems.pageErrors, []);
    assert.deepEqual(problems.consoleErrors, []);
    await context.close();
  }
  // Reading aloud off: the question shows, silently.
  {
    const { context, page, problems } = await openPage(browser);
    await stubSpeech(context, { voices: [] });
    await watchAudio(context);
    await idleKiosk(page, false);
    await page.getByRole('dialog', { name: 'Voulez-vous continuer ?' }).waitFor({ timeout: 10_000 });
    await page.waitForTimeout(1000);
    assert.deepEqual(await page.evaluate(() => window.__played), [], 'nothing read');
    assert.deepEqual(problems.pageErrors, []);
    await context.close();
  }
});

test('/borne says which voice the kiosk will read with', async () => {
  for (const [voices, said] of [
    [[{ lang: 'fr-FR', name: 'Française' }], "Lecture à voix haute : voix de l'appareil"],
    [[], 'Lecture à voix haute : voix enregistrée'],
  ]) {
    const { context, page, problems } = await openPage(browser, { viewport: LAYOUTS.kiosk, hasTouch: true });
    await stubSpeech(context, { voices });
    await pairAtBorne(page);
    await page.waitForFunction(
      (said) => document.querySelector('#voice-status')?.textContent.replace(/\s+/g, ' ') === said,
      said,
    );
    await checkScreen(page, `pairing done: ${said}`, { fits: true });
    if (voices.length === 0) await screenshot(page, 'offline-borne-recorded-voice');
    assert.deepEqual(problems.pageErrors, []);
    assert.deepEqual(problems.consoleErrors, []);
    await context.close();
  }
});
