// The adaptive test from start to result: context questions, the items the live
// test chooses, a reload in the middle, the result screen (summary, chart, table,
// advice), the result code and its QR code once sent, the print view, the outbox
// when the network is gone, and the kiosk wipe after the result.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServerAndBrowser, stopServerAndBrowser } from './lib/server.mjs';
import { openPage, audit, auditRules, screenshot } from './lib/browser.mjs';
import { waitForApp, storedTraces, targetProblems, fitsWidth } from './lib/app.mjs';
import { answerOne } from './lib/person.mjs';

let server;
let browser;

before(async () => {
  ({ server, browser } = await startServerAndBrowser());
});

after(() => stopServerAndBrowser({ server, browser }));

/** Answers the context questions (the first answer of each), however many there are. */
async function contextQuestions(page) {
  await page.getByRole('button', { name: 'Commencer' }).click();
  await page.locator('.screen.context').waitFor();
  const total = Number((await page.locator('.screen.context .progress').textContent()).match(/sur (\d+)/)[1]);
  assert.ok(total >= 3, `${total} context questions`);
  for (let i = 1; i <= total; i += 1) {
    await page.locator('.screen.context .progress', { hasText: `${i} sur ${total}` }).waitFor();
    await page.locator('.screen.context .answer-option input').first().check();
    await page.getByRole('button', { name: 'Continuer' }).click();
  }
}

/** Answers until the result shows; returns the item ids in order. */
async function answerAll(page, { max = 60, already = 0 } = {}) {
  const ids = [];
  for (let i = 0; i < max; i += 1) {
    if (await page.getByRole('heading', { level: 1, name: 'Votre résultat' }).isVisible()) return ids;
    const progress = await page.locator('article.item .progress').textContent();
    // The number, then what is left, never a total that could change.
    assert.match(
      progress.trim(),
      new RegExp(`^Question ${already + ids.length + 1}( · encore quelques questions| · le test peut finir bientôt| sur \\d+ au plus| · dernière question)$`),
      'progress without a total',
    );
    ids.push(await answerOne(page));
    await page.waitForFunction(
      (n) =>
        document.querySelector('h1')?.textContent === 'Votre résultat' ||
        new RegExp(`^Question ${n + 1}\\b`).test(document.querySelector('article.item .progress')?.textContent.trim() ?? ''),
      already + ids.length,
    );
  }
  throw new Error(`no result after ${max} questions`);
}

test('a whole test: context, adaptive questions, reload in the middle, result with chart, table and advice', async () => {
  const { context, page, problems } = await openPage(browser);
  // The server's result endpoint is simulated here: it answers with a result code.
  const posted = [];
  await context.route('**/api/results', async (route) => {
    posted.push(JSON.parse(route.request().postData()));
    await route.fulfill({ status: 201, contentType: 'application/json', body: JSON.stringify({ code: 'K7P-3QX' }) });
  });
  await page.goto(server.url);
  await waitForApp(page);
  await contextQuestions(page);

  const first = await answerOne(page);
  await page.locator('article.item .progress', { hasText: /^Question 2 · encore quelques questions$/ }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H1', 'focus on the new question');
  await page.waitForFunction(() => document.querySelector('[role=status]')?.textContent === 'Réponse enregistrée.');
  const second = await page.locator('article.item').getAttribute('data-item');
  const results = await audit(page, 'question in the test');
  assert.deepEqual(results.violations, []);
  await screenshot(page, 'loop-question');

  // A reload resumes at the same question.
  await page.reload();
  await waitForApp(page);
  assert.equal(await page.locator('article.item').getAttribute('data-item'), second, 'same item after a reload');
  assert.equal((await page.locator('article.item .progress').textContent()).trim(), 'Question 2 · encore quelques questions');

  const rest = await answerAll(page, { already: 1 });
  const ids = [first, ...rest];
  assert.ok(ids.length >= 3, `${ids.length} questions`);
  assert.equal(new Set(ids).size, ids.length, 'no item twice');

  await page.getByRole('heading', { level: 1, name: 'Votre résultat' }).waitFor();
  const chart = page.getByRole('img', { name: /^Vos niveaux par domaine\./ });
  assert.ok(await chart.isVisible(), 'the chart is an image with a text alternative');
  const rows = await page.locator('.levels-table tbody tr').count();
  assert.ok(rows >= 3, `${rows} domains in the table`);
  assert.ok(await page.locator('.advice').isVisible(), 'the advice in words');
  await page.locator('.result-code', { hasText: 'K7P-3QX' }).waitFor({ timeout: 10_000 });
  assert.ok(await page.getByRole('img', { name: 'Code QR du code de résultat K7P-3QX' }).isVisible());
  assert.equal(await page.locator('.qr svg').count(), 1, 'the QR code is drawn in the page');

  // What was sent: the answer log, nothing computed.
  assert.equal(posted.length, 1);
  assert.deepEqual(posted[0].answers.map((a) => a.item), ids);
  for (const field of ['profile', 'score', 'theta']) assert.ok(!(field in posted[0]), `no ${field} sent`);
  assert.deepEqual((await storedTraces(page)).local, [], 'the outbox is empty once sent');

  for (const size of ['normal', 'larger']) {
    if (size === 'larger') {
      await page.evaluate(() => sessionStorage.setItem('repere.settings', JSON.stringify({ text_size: 'larger' })));
      await page.reload();
      await page.getByRole('heading', { level: 1, name: 'Votre résultat' }).waitFor();
    }
    const r = await audit(page, `result (${size})`);
    assert.deepEqual(r.violations, []);
    assert.deepEqual(await targetProblems(page, { within: 'main' }), []);
    assert.ok(await fitsWidth(page));
    await screenshot(page, `loop-result${size === 'normal' ? '' : '-largest'}`);
  }
  const aaa = await auditRules(page, 'result', ['color-contrast-enhanced']);
  assert.deepEqual(aaa.violations, []);

  // The print view: A4, black on white, no buttons on paper.
  await page.getByRole('button', { name: 'Version à imprimer' }).click();
  await page.getByRole('heading', { level: 1, name: 'Repère : votre résultat' }).waitFor();
  assert.ok(await page.getByRole('button', { name: 'Imprimer' }).isVisible());
  for (const size of ['larger', 'normal']) {
    await page.evaluate((s) => {
      if (s === 'normal') sessionStorage.removeItem('repere.settings');
      else sessionStorage.setItem('repere.settings', JSON.stringify({ text_size: s }));
    }, size);
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Repère : votre résultat' }).waitFor();
    const r = await audit(page, `print view (${size})`);
    assert.deepEqual(r.violations, []);
    assert.ok(await fitsWidth(page));
    if (size === 'larger') await screenshot(page, 'loop-print-largest');
  }
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.getByRole('button', { name: 'Imprimer' }).isVisible(), false, 'no button on paper');
  assert.equal(await page.locator('.top-bar').isVisible(), false, 'no top bar on paper');
  assert.ok(await page.locator('.result-code', { hasText: 'K7P-3QX' }).isVisible(), 'the code is printed');
  await screenshot(page, 'loop-print');
  await page.emulateMedia({ media: 'screen' });

  assert.deepEqual(problems.pageErrors, []);
  assert.deepEqual(problems.foreignRequests, []);
  await context.close();
});

test('offline at the end: the log waits in the outbox, then goes when the network is back', async () => {
  const { context, page, problems } = await openPage(browser);
  let online = false;
  await context.route('**/api/results', async (route) => {
    if (!online) return route.abort('internetdisconnected');
    return route.fulfill({ status: 201, contentType: 'application/json', body: JSON.stringify({ code: 'B2C-4DF' }) });
  });
  await page.goto(server.url);
  await waitForApp(page);
  await contextQuestions(page);
  await answerAll(page);
  await page.getByRole('heading', { level: 1, name: 'Votre résultat' }).waitFor();
  await page.getByText('Il sera envoyé dès que la connexion le permet.').waitFor();
  const waiting = await page.evaluate(() => JSON.parse(localStorage.getItem('repere.outbox') || '[]'));
  assert.equal(waiting.length, 1, 'one log waits');
  online = true;
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  await page.locator('.result-code', { hasText: 'B2C-4DF' }).waitFor({ timeout: 10_000 });
  assert.equal(await page.evaluate(() => localStorage.getItem('repere.outbox')), null, 'the outbox is empty');
  assert.deepEqual(problems.pageErrors, []);
  await context.close();
});

test('kiosk: « Terminer » after the result wipes everything; back shows nothing of it', async () => {
  const { context, page, problems } = await openPage(browser);
  await context.route('**/api/results', (route) =>
    route.fulfill({ status: 201, contentType: 'application/json', body: JSON.stringify({ code: 'Z9Y-8XW' }) }),
  );
  await page.goto(server.url);
  await waitForApp(page);
  await page.goto(`${server.url}?mode=kiosk`);
  await waitForApp(page);
  await contextQuestions(page);
  await answerAll(page);
  await page.locator('.result-code', { hasText: 'Z9Y-8XW' }).waitFor({ timeout: 10_000 });
  await page.getByRole('button', { name: 'Terminer' }).click();
  await page.waitForFunction(() => document.querySelector('main h1')?.textContent === 'Repère');
  await page.waitForTimeout(500);
  const traces = await storedTraces(page);
  assert.deepEqual(traces.session, []);
  assert.deepEqual(traces.local, []);
  const text = await page.evaluate(() => document.body.innerText);
  assert.ok(!text.includes('Z9Y-8XW') && !text.includes('Votre résultat'), 'nothing of the previous person');
  await page.goBack();
  await waitForApp(page);
  const back = await page.evaluate(() => document.body.innerText);
  assert.ok(!back.includes('Z9Y-8XW') && !back.includes('Votre résultat'), 'back: nothing of the previous person');
  assert.deepEqual(problems.pageErrors, []);
  await context.close();
});

test('with the real server: the log is accepted and the result code comes back', async () => {
  const { context, page, problems } = await openPage(browser);
  const statuses = [];
  page.on('response', (r) => {
    if (new URL(r.url()).pathname === '/api/results') statuses.push(r.status());
  });
  await page.goto(server.url);
  await waitForApp(page);
  await contextQuestions(page);
  await answerAll(page);
  await page.locator('.result-code').waitFor({ timeout: 15_000 });
  const code = (await page.locator('.result-code').textContent()).trim();
  assert.ok(code.length >= 4, `result code « ${code} »`);
  assert.ok(statuses.length >= 1 && statuses.every((s) => s >= 200 && s < 300), `POST /api/results: ${statuses}`);
  assert.equal(await page.evaluate(() => localStorage.getItem('repere.outbox')), null, 'nothing waits');
  assert.equal(await page.evaluate(() => localStorage.getItem('repere.outbox.rejected')), null, 'nothing refused');
  assert.deepEqual(problems.pageErrors, []);
  await context.close();
});
