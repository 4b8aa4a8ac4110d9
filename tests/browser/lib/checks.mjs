// The checks a test file makes on its pages: nothing went wrong in the page, and
// a screen keeps the house rules (WCAG 2.2 A/AA with axe-core, AAA contrast, large
// targets, large text).
import assert from 'node:assert/strict';
import { audit, auditRules } from './browser.mjs';
import { bodyFontSize, fitsWidth, targetProblems } from './app.mjs';

/**
 * Asserts a page had no page error, no console error, and no request leaving the
 * loopback interface. `expected`: a pattern of the console errors the test
 * provokes on purpose (Chromium logs a refused request as a failed resource).
 */
export function assertClean(problems, expected = null) {
  assert.deepEqual(problems.pageErrors, [], 'no page error');
  const errors = expected ? problems.consoleErrors.filter((e) => !expected.test(e)) : problems.consoleErrors;
  assert.deepEqual(errors, [], 'no console error');
  assert.deepEqual(problems.foreignRequests, [], 'no request leaves the loopback interface');
}

/**
 * WCAG A/AA (zero axe-core violations, at least 10 rules checked), AAA contrast
 * (7:1), targets of at least 48 px, 8 px apart, body text of at least 22 px on the
 * screen shown; `fits`: no sideways scrolling either (reflow).
 */
export async function checkScreen(page, label, { fits = false } = {}) {
  const results = await audit(page, label);
  assert.deepEqual(results.violations, [], `axe-core: ${label}`);
  assert.ok(results.passes >= 10, `axe-core checked ${label} (${results.passes} rules passed)`);
  const aaa = await auditRules(page, label, ['color-contrast-enhanced']);
  assert.deepEqual(aaa.violations, [], `AAA contrast (7:1): ${label}`);
  assert.deepEqual(await targetProblems(page), [], `targets of at least 48 px, 8 px apart: ${label}`);
  assert.ok((await bodyFontSize(page)) >= 22, `body text of at least 22 px: ${label}`);
  if (fits) assert.ok(await fitsWidth(page), `no sideways scrolling: ${label}`);
}
