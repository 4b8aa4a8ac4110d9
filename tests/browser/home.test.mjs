// The home page, served by the real server, in headless Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServerAndBrowser, stopServerAndBrowser } from './lib/server.mjs';
import { openPage, audit, screenshot } from './lib/browser.mjs';

let server;
let browser;

before(async () => {
  ({ server, browser } = await startServerAndBrowser());
});

after(() => stopServerAndBrowser({ server, browser }));

test('home page: heading, start button, no console error, zero axe violations', async () => {
  const { context, page, problems } = await openPage(browser);
  const response = await page.goto(server.url, { waitUntil: 'networkidle' });
  assert.equal(response.status(), 200);
  assert.equal(await page.getAttribute('html', 'lang'), 'fr');

  const heading = page.getByRole('heading', { level: 1, name: 'Repère' });
  await heading.waitFor({ state: 'visible', timeout: 15_000 });
  const start = page.getByRole('button', { name: 'Commencer' });
  assert.ok(await start.isVisible(), 'the « Commencer » button is visible');

  // Large print: the body text is at least 22 px at the default size.
  const fontSize = await page.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize));
  assert.ok(fontSize >= 22, `body text is ${fontSize}px, expected at least 22px`);

  const results = await audit(page, 'home');
  await screenshot(page, 'home');
  assert.deepEqual(results.violations, [], 'axe-core finds no WCAG A/AA violation');
  assert.ok(results.passes >= 5, `axe-core checked the page (${results.passes} rules passed)`);
  assert.deepEqual(problems.consoleErrors, [], 'no console error');
  assert.deepEqual(problems.pageErrors, [], 'no page error');
  assert.deepEqual(problems.foreignRequests, [], 'no request leaves the loopback interface');
  await context.close();
});
