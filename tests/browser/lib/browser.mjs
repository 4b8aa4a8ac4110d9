// Headless Chromium (Debian's, never a downloaded build) driven by playwright-core,
// with an axe-core audit helper and a console-error collector.
import { chromium } from 'playwright-core';
import { readFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const here = dirname(fileURLToPath(import.meta.url));
export const artifactsDir = join(here, '..', 'artifacts');

/** The WCAG tags every audit checks: 2.0, 2.1 and 2.2, levels A and AA. */
export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'];

/**
 * Starts Chromium. Its temporary files go to a folder of its own, removed when the
 * browser is gone: Chromium leaves some of them behind (about 18 MB a launch).
 */
export async function launch() {
  const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
  const scratch = mkdtempSync(join(tmpdir(), 'repere-chromium-'));
  const removeScratch = () => rmSync(scratch, { recursive: true, force: true });
  let browser;
  try {
    browser = await chromium.launch({
      executablePath,
      headless: true,
      env: { ...process.env, TMPDIR: scratch },
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  } catch (e) {
    removeScratch();
    throw e;
  }
  browser.on('disconnected', removeScratch);
  console.log(`# Chromium launched: ${executablePath} (version ${browser.version()})`);
  return browser;
}

/**
 * Opens a page that records console errors, page errors, every request that
 * leaves the loopback interface (there must be none) and every response with an
 * HTTP error status (`failedResponses`: url, status, resource type).
 * `hasTouch`: a touch screen (taps work, as on a kiosk's tablet).
 */
export async function openPage(browser, { viewport = { width: 800, height: 1280 }, hasTouch = false } = {}) {
  const context = await browser.newContext({ viewport, hasTouch, locale: 'fr-FR' });
  const page = await context.newPage();
  const problems = { consoleErrors: [], pageErrors: [], foreignRequests: [], failedResponses: [] };
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.consoleErrors.push(msg.text());
  });
  page.on('pageerror', (err) => problems.pageErrors.push(String(err)));
  page.on('response', (res) => {
    if (res.status() >= 400) {
      problems.failedResponses.push({ url: res.url(), status: res.status(), type: res.request().resourceType() });
    }
  });
  page.on('request', (req) => {
    const u = new URL(req.url());
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname) && !['data:', 'blob:'].includes(u.protocol)) {
      problems.foreignRequests.push(req.url());
    }
  });
  return { context, page, problems };
}

/**
 * Loads axe-core into the page. Evaluated by the driver, not added as a `<script>`:
 * the pages' content security policy allows no inline script, and the audit must
 * not weaken it.
 */
async function injectAxe(page) {
  await page.evaluate(axeSource);
}

/** Runs axe-core on the page with the WCAG 2.x A/AA tags; returns the results. */
export async function audit(page, label) {
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) {
    await injectAxe(page);
  }
  const results = await page.evaluate(async (tags) => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { runOnly: { type: 'tag', values: tags } });
    return {
      violations: r.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.map((n) => n.target.join(' ')),
      })),
      passes: r.passes.length,
      incomplete: r.incomplete.length,
    };
  }, WCAG_TAGS);
  console.log(
    `# axe-core audit "${label}": ${results.violations.length} violations, ${results.passes} rules passed, ${results.incomplete} to review`,
  );
  for (const v of results.violations) {
    console.log(`#   violation ${v.id} (${v.impact}): ${v.help} at ${v.nodes.join(', ')}`);
  }
  return results;
}

/**
 * Runs only the named axe-core rules (e.g. `color-contrast-enhanced`, the AAA 7:1
 * contrast ratio, which the WCAG A/AA audit leaves out); returns the results.
 */
export async function auditRules(page, label, rules) {
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) {
    await injectAxe(page);
  }
  const results = await page.evaluate(async (rules) => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { runOnly: { type: 'rule', values: rules } });
    return {
      violations: r.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.map((n) => n.target.join(' ')),
      })),
      passes: r.passes.length,
      checked: r.passes.reduce((n, p) => n + p.nodes.length, 0),
    };
  }, rules);
  console.log(
    `# axe-core rules ${rules.join(', ')} on "${label}": ${results.violations.length} violations, ${results.checked} elements passed`,
  );
  for (const v of results.violations) {
    console.log(`#   violation ${v.id} (${v.impact}): ${v.help} at ${v.nodes.join(', ')}`);
  }
  return results;
}

/** Saves a screenshot under tests/browser/artifacts/. */
export async function screenshot(page, name) {
  mkdirSync(artifactsDir, { recursive: true });
  const path = join(artifactsDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  console.log(`# screenshot: ${path}`);
  return path;
}
