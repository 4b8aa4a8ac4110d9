// A scripted person takes the whole test through every item type, against the
// real server serving the built app.
//
// The native helper `repere-scripted` (tests/src/bin/scripted) runs the real
// assessment for a person of ability θ with a session seed: which items the test
// proposes, and for each a response drawn right with probability P(θ) (seeded).
// The page gets the same seed: `crypto.getRandomValues` is stubbed before the app
// loads, so its 8-byte seed draw returns it (the app draws the test's seed there,
// app/src/test_run.rs). The person then answers the context questions and every
// item through the item drivers (lib/drivers.mjs: roles, labels, taps, keys),
// and the test checks that the app proposed exactly the predicted items, that
// the result screen, the result code and the print view show, and that the
// profile the app shows is the one the server stored after its own replay and
// the one a native replay of the posted log gives.
//
// First, each driver is checked on the preview page (/apercu?item=ID): the
// response the screen produced must equal the target, right and wrong.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServerAndBrowser, stopServerAndBrowser } from './lib/server.mjs';
import { openPage, audit, screenshot } from './lib/browser.mjs';
import { waitForApp, consoleErrorsBesidesFallback } from './lib/app.mjs';
import { demoAccounts, apiSession } from './lib/staff.mjs';
import { scripted, respond, words } from './lib/drivers.mjs';

// The bank, and the scripted persons, computed natively before the tests are
// declared (one test per person).
const bank = scripted(['bank']);
/** Context answers of the scripted persons: the first answer of each question. */
const contextKeys = bank.context.map((q) => `${q.id}:${q.answer[0].id}`);
// As few persons as needed to meet every item type of the bank (a greedy search
// over θ and seeds, run natively: milliseconds per test).
// When no such persons exist (a type the live test never proposes), the drivers
// are still checked and the test below fails with the helper's message.
let persons = [];
let coverError = null;
try {
  persons = scripted(['cover', '--context', contextKeys.join(',')]).persons;
} catch (e) {
  coverError = e;
}

let server;
let browser;
let accounts;

before(async () => {
  ({ server, browser } = await startServerAndBrowser({ extraArgs: ['--demo'] }));
  accounts = demoAccounts(server.output());
});

after(() => stopServerAndBrowser({ server, browser }));

/** Every type of the live bank, counted from the bank. */
function bankTypes() {
  return Object.keys(bank.types).sort();
}

/** Opens the preview of one item. */
async function openPreview(page, id) {
  await page.goto(`${server.url}apercu?item=${id}`);
  await page.locator(`article.item[data-item="${id}"]`).waitFor();
}

/** The response and score the preview shows. */
async function previewOutcome(page) {
  await page.locator('.response-json').waitFor();
  return {
    response: JSON.parse(await page.locator('.response-json').textContent()),
    score: (await page.locator('.response-score').textContent()).trim(),
  };
}

test('drivers: on the preview, each gives exactly its target response (every type, right, wrong and partial)', async () => {
  const { context, page, problems } = await openPage(browser);
  await page.goto(`${server.url}apercu`);
  await waitForApp(page);
  // Every simulation item (their action logs follow the simulated screens), and
  // the first and last item of every other type.
  const byType = {};
  for (const { id, type } of bank.items) (byType[type] ??= []).push(id);
  assert.deepEqual(Object.keys(byType).sort(), bankTypes());
  const chosen = [];
  for (const [type, ids] of Object.entries(byType)) {
    const stepped = ['mailbox', 'form', 'settings'].includes(type);
    chosen.push(...(stepped || type === 'message' || type === 'search' ? ids : [ids[0], ids[ids.length - 1]]));
  }
  let checked = 0;
  const covered = new Set();
  for (const id of chosen) {
    const r = scripted(['item', id]);
    const targets = [
      ['right', r.right],
      ['wrong', r.wrong],
      ...r.partial.slice(1, -1).map((p, k) => [`${k + 1} step(s)`, p]),
    ];
    await openPreview(page, id);
    for (const [label, target] of targets) {
      await respond(page, r.item, target.response);
      const got = await previewOutcome(page);
      assert.deepEqual(got.response, target.response, `${id} ${label}: the response the screen produced`);
      assert.equal(got.score, `${target.score} sur ${r.max_score}`, `${id} ${label}: score`);
      checked += 1;
      await page.getByRole('button', { name: 'Recommencer' }).click();
      await page.locator('.response-json').waitFor({ state: 'detached' });
    }
    covered.add(r.item.body.type);
  }
  assert.deepEqual([...covered].sort(), bankTypes(), 'every type of the bank has a checked driver');
  console.log(`# drivers: ${checked} responses on ${chosen.length} items of ${covered.size} types, each equal to its target`);

  // A hotspot by a tap rather than the keys: the point under the finger, within
  // a CSS pixel of the target, right; and « Je ne sais pas » skips.
  const hot = scripted(['item', byType.hotspot[0]]);
  await openPreview(page, hot.item.id);
  const picture = await page.getByRole('button', { name: hot.item.body.screen.alt, exact: true }).boundingBox();
  const [, , vw, vh] = hot.item.body.screen.view_box;
  await respond(page, hot.item, hot.right.response, { via: 'tap' });
  const tapped = await previewOutcome(page);
  assert.equal(tapped.score, '1 sur 1', `tap ${JSON.stringify(tapped.response)}`);
  assert.ok(Math.abs(tapped.response.point.x - hot.right.response.point.x) <= vw / picture.width, 'x within a pixel');
  assert.ok(Math.abs(tapped.response.point.y - hot.right.response.point.y) <= vh / picture.height, 'y within a pixel');
  await page.getByRole('button', { name: 'Recommencer' }).click();
  await respond(page, hot.item, 'skip');
  assert.deepEqual(await previewOutcome(page), { response: 'skip', score: '0 sur 1' });

  // A response the screen cannot give is refused by the driver, not faked.
  await page.getByRole('button', { name: 'Recommencer' }).click();
  await assert.rejects(respond(page, hot.item, { choice: 0 }), /takes a `point` response/);
  assert.deepEqual(problems.pageErrors, []);
  assert.deepEqual(consoleErrorsBesidesFallback(problems), []);
  assert.deepEqual(problems.foreignRequests, []);
  await context.close();
});

test('the scripted persons together meet every item type of the bank', () => {
  if (coverError) throw coverError;
  assert.ok(persons.length >= 1 && persons.length <= 3, `${persons.length} persons`);
  const met = new Set(persons.flatMap((p) => p.types));
  assert.deepEqual([...met].sort(), bankTypes());
  for (const p of persons) {
    assert.deepEqual(p.context.map((c) => `${c.question}:${c.answer}`), contextKeys);
    console.log(`# person θ = ${p.theta}, seed ${p.seed}: ${p.items.length} items, types ${p.types.join(', ')}`);
  }
});

/** Answers the context questions shown (however many) with the person's answers. */
async function contextQuestions(page, person) {
  const given = [];
  for (let i = 0; i < 20; i += 1) {
    const screen = page.locator('.screen.context, article.item').first();
    await screen.waitFor();
    if (!(await page.locator('.screen.context').isVisible())) return given;
    const heading = (await page.locator('.screen.context h1').textContent()).trim();
    const question = bank.context.find((q) => words(q.label) === words(heading));
    assert.ok(question, `context question « ${heading} » is in the bank`);
    for (const c of person.context.filter((c) => c.question === question.id)) {
      const answer = question.answer.find((a) => a.id === c.answer);
      await page.getByRole(question.multiple ? 'checkbox' : 'radio', { name: answer.label, exact: true }).check();
      given.push(c);
    }
    await page.getByRole('button', { name: 'Continuer' }).click();
    await page.waitForFunction(
      (h) => document.querySelector('article.item') || document.querySelector('.screen.context h1')?.textContent.trim() !== h,
      heading,
    );
  }
  throw new Error('more than 20 context questions');
}

/** The level table of the result screen as [domain, level] rows (words as shown). */
async function levelRows(page) {
  return page.locator('.levels-table tbody tr').evaluateAll((rows) =>
    rows.map((r) => [r.querySelector('th').textContent, r.querySelector('td').textContent]),
  ).then((rows) => rows.map((r) => r.map(words)));
}

/** The level text the app writes for a domain of a profile. */
function levelText(d) {
  return words(`${d.level_label}${d.not_enough_answers ? ' (peu de réponses)' : ''}`);
}

const seen = new Set();

for (const [index, person] of persons.entries()) {
  const label = `θ = ${person.theta}, seed ${person.seed}`;
  test(`scripted person ${index + 1} (${label}, ${person.items.length} items: ${person.types.join(', ')}): the predicted items through their drivers, the result, the code, the print view, the same profile as the server`, async () => {
    const { context, page, problems } = await openPage(browser);
    // The app draws the test's id (16 bytes) and its seed (8 bytes) from
    // crypto.getRandomValues: the 8-byte draw gets the person's seed.
    await context.addInitScript((seed) => {
      const bytes = [];
      let s = BigInt(seed);
      for (let i = 0; i < 8; i += 1) {
        bytes.push(Number(s & 0xffn));
        s >>= 8n;
      }
      const original = Crypto.prototype.getRandomValues;
      window.__seedDraws = 0;
      Crypto.prototype.getRandomValues = function getRandomValues(array) {
        if (array instanceof Uint8Array && array.length === 8) {
          array.set(bytes);
          window.__seedDraws += 1;
          return array;
        }
        return original.call(this, array);
      };
    }, String(person.seed));
    const isSubmit = (r) => r.method() === 'POST' && new URL(r.url()).pathname === '/api/results';
    const posted = [];
    page.on('request', (r) => {
      if (isSubmit(r)) posted.push(JSON.parse(r.postData()));
    });
    const submitted = page.waitForResponse((r) => isSubmit(r.request()), { timeout: 120_000 });

    await page.goto(server.url);
    await waitForApp(page);
    await page.getByRole('button', { name: 'Commencer' }).click();
    const given = await contextQuestions(page, person);
    assert.deepEqual(given, person.context, 'the context answers given');

    // Each item: the one the native test predicted, answered through its driver.
    for (const [k, step] of person.items.entries()) {
      const item = page.locator('article.item');
      await page.locator('article.item .progress', { hasText: new RegExp(`^Question ${k + 1}\\b`) }).waitFor();
      assert.equal(await item.getAttribute('data-item'), step.id, `${label}: item ${k + 1}`);
      assert.equal(await item.getAttribute('data-type'), step.type);
      if (!seen.has(step.type)) {
        seen.add(step.type);
        const results = await audit(page, `${step.type} in the test (${step.id})`);
        assert.deepEqual(results.violations, [], `axe-core: ${step.type} (${step.id})`);
        await screenshot(page, `scripted-${step.type}`);
      }
      await respond(page, step.item, step.response);
      await page.waitForFunction(
        (n) =>
          document.querySelector('main h1')?.textContent === 'Votre résultat' ||
          new RegExp(`^Question ${n}\\b`).test(document.querySelector('article.item .progress')?.textContent.trim() ?? ''),
        k + 2,
      );
    }
    await page.getByRole('heading', { level: 1, name: 'Votre résultat' }).waitFor();
    assert.equal(await page.evaluate(() => window.__seedDraws), 1, 'the app drew its seed once');

    // What the app sent: the log of exactly the predicted test.
    await page.locator('.result-code').waitFor({ timeout: 15_000 });
    assert.equal(posted.length, 1, 'one POST /api/results');
    const log = posted[0];
    assert.equal(log.seed, person.seed);
    assert.equal(log.mode, 'self');
    assert.deepEqual(log.context, person.context);
    assert.deepEqual(log.answers.map((a) => a.item), person.items.map((s) => s.id), 'the predicted items');
    // The responses given, exactly (a hotspot point included: logs round-trip
    // their numbers bit for bit).
    for (const [k, step] of person.items.entries()) {
      assert.deepEqual(log.answers[k].response, step.response, `${step.id}: the response given`);
    }
    for (const field of ['profile', 'score', 'theta']) assert.ok(!(field in log), `no ${field} sent`);

    // The result code comes from the server and is shown.
    const answer = await submitted;
    const body = await answer.json();
    assert.equal(answer.status(), 201, JSON.stringify(body));
    const code = (await page.locator('.result-code').textContent()).trim();
    assert.equal(code, body.code, 'the code the server gave');
    assert.match(code, /^[A-Z2-9]{4}-[A-Z2-9]{4}$/);

    // The native replay of the posted log: the predicted outcome's profile.
    const replayed = scripted(['assess'], { input: JSON.stringify(log) });
    assert.deepEqual(replayed.profile, person.outcome.profile, 'native replay of the posted log = predicted profile');
    const profile = replayed.profile;

    // A level for every domain of the référentiel, as the profile says.
    const rows = await levelRows(page);
    assert.deepEqual(rows.map((r) => r[0]), bank.domains.map((d) => words(d.label)), 'one row per domain of the référentiel');
    assert.deepEqual(rows.map((r) => r[1]), profile.domains.map(levelText), 'the levels of the profile');
    const listed = async (n) => (await page.locator('.summary-list').nth(n).locator('li').allTextContents()).map(words);
    const known = await listed(0);
    const lists = await page.locator('.summary-list').count();
    assert.equal(lists, (profile.summary.known.length > 0) + (profile.summary.work_on.length > 0));
    if (profile.summary.known.length > 0) assert.deepEqual(known, profile.summary.known.map(words), 'what is known');
    if (profile.summary.work_on.length > 0) {
      assert.deepEqual(await listed(lists - 1), profile.summary.work_on.map(words), 'what to work on');
    }
    assert.equal(words(await page.locator('.advice').textContent()), words(profile.summary.orientation_sentence), 'the advice');
    const r = await audit(page, `result (${label})`);
    assert.deepEqual(r.violations, []);
    await screenshot(page, `scripted-result-${index + 1}`);

    // What the server stored after its own replay, read with the access export.
    const trainer = await apiSession(server.url, accounts.trainer);
    const data = await trainer.get(`/api/results/${code}/data`);
    assert.equal(data.status, 200, data.text);
    assert.deepEqual(data.json.session.submission, log, 'the server keeps the log as sent');
    // The record keeps the profile in référentiel ids, and the whole assessment.
    const outcome = data.json.profile.outcome;
    const stored = outcome.profile;
    const levels = (ds) => ds.map((d) => [d.domain, d.level, d.not_enough_answers]);
    const statuses = (ss) => ss.map((x) => [x.skill, x.status, x.to_work_on]);
    assert.deepEqual(levels(stored.domains), levels(profile.domains), 'domain levels: server = app');
    assert.deepEqual(statuses(stored.skills), statuses(profile.skills), 'skill statuses: server = app');
    assert.equal(stored.class, profile.class.id, 'autonomy class: server = app');
    assert.deepEqual(
      [stored.orientation.modality, stored.orientation.services],
      [profile.orientation.modality, profile.orientation.services],
      'orientation: server = app',
    );
    // Bit for bit: the store gives back the numbers it was given.
    assert.deepEqual(outcome.assessment?.profile, profile, 'the whole profile: server = native replay');
    assert.equal(outcome.theta, profile.overall.theta, 'θ̂');

    // The print view, with the code.
    await page.getByRole('button', { name: 'Version à imprimer' }).click();
    await page.getByRole('heading', { level: 1, name: 'Repère : votre résultat' }).waitFor();
    assert.deepEqual(await levelRows(page), rows, 'the same levels on paper');
    await page.emulateMedia({ media: 'print' });
    assert.ok(await page.locator('.result-code', { hasText: code }).isVisible(), 'the code is printed');
    assert.equal(await page.getByRole('button', { name: 'Imprimer' }).isVisible(), false, 'no button on paper');
    await screenshot(page, `scripted-print-${index + 1}`);
    await page.emulateMedia({ media: 'screen' });

    assert.deepEqual(problems.pageErrors, []);
    assert.deepEqual(consoleErrorsBesidesFallback(problems), []);
    assert.deepEqual(problems.foreignRequests, []);
    console.log(
      `# ${label}: ${person.items.length} items (${person.items.filter((s) => s.score === s.max_score).length} right), ` +
        `θ̂ ${profile.overall.theta.toFixed(3)}, code ${code}, orientation ${profile.orientation.modality}`,
    );
    await context.close();
  });
}

test('every type of the bank was taken in the live tests, audited and photographed', () => {
  assert.deepEqual([...seen].sort(), bankTypes());
});
