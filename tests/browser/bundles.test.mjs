// The two bundles of the app: the self-test (`index.html`, `repere-app-…`: what a
// kiosk or a person's phone loads) and the staff screens with the kiosk
// installation (`staff.html`, `repere-staff-…`). Each page loads only its own bundle, and the service worker
// keeps one copy of each page, so both work offline once seen online.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServerAndBrowser, stopServerAndBrowser } from './lib/server.mjs';
import { checkScreen } from './lib/checks.mjs';
import { openPage, screenshot } from './lib/browser.mjs';
import { waitForApp } from './lib/app.mjs';

let server;
let browser;

before(async () => {
  ({ server, browser } = await startServerAndBrowser());
});

after(() => stopServerAndBrowser({ server, browser }));

const SELF_TEST = /\/repere-app-[0-9a-f]{10,16}(_bg\.wasm|\.js)$/;
const STAFF = /\/repere-staff-[0-9a-f]{10,16}(_bg\.wasm|\.js)$/;

/**
 * Opens `path` in a fresh context; the heading it settles on (`expected`, or what
 * it shows after 15 s: a screen that reads the bank says « Les questions
 * arrivent » first) and the bundles' files it fetched.
 */
async function load(path, expected) {
  const { context, page, problems } = await openPage(browser);
  const fetched = [];
  page.on('request', (r) => fetched.push(new URL(r.url()).pathname));
  await page.goto(new URL(path, server.url).href);
  await waitForApp(page);
  await page.getByRole('heading', { level: 1, name: expected, exact: true })
    .waitFor({ timeout: 15_000 }).catch(() => {});
  const heading = await waitForApp(page);
  await context.close();
  assert.deepEqual(problems.pageErrors, [], `${path}: no page error`);
  return {
    heading,
    selfTest: fetched.filter((p) => SELF_TEST.test(p)).length,
    staff: fetched.filter((p) => STAFF.test(p)).length,
  };
}

test('each page loads only the bundle of its path', async () => {
  for (const [path, heading] of [
    ['/', 'Repère'],
    ['/?mode=kiosk', 'Repère'],
    ['/apercu', 'Aperçu des questions'],
    ['/nimporte-quoi', "Cette page n'existe pas"],
  ]) {
    const seen = await load(path, heading);
    assert.equal(seen.heading, heading, path);
    assert.equal(seen.selfTest, 2, `${path}: the self-test's js and wasm`);
    assert.equal(seen.staff, 0, `${path}: nothing of the staff bundle`);
  }
  for (const [path, heading] of [
    ['/borne', 'Installer cette borne'],
    ['/connexion', 'Connexion'],
    ['/agent', 'Connexion'],
    ['/agent?resultat=ABCD', 'Connexion'],
    ['/mediateur', 'Connexion'],
    ['/formateur/', 'Connexion'],
    ['/admin', 'Connexion'],
  ]) {
    const seen = await load(path, heading);
    assert.equal(seen.heading, heading, path);
    assert.equal(seen.staff, 2, `${path}: the staff bundle's js and wasm`);
    assert.equal(seen.selfTest, 0, `${path}: nothing of the self-test bundle`);
  }
});

/** The paths of the worker's shell cache (empty until the worker is active). */
function shellPaths(page) {
  return page.evaluate(async () => {
    if (!navigator.serviceWorker.controller) return [];
    const shell = (await caches.keys()).find((name) => name.startsWith('repere-shell-'));
    if (!shell) return [];
    const cache = await caches.open(shell);
    return (await cache.keys()).map((r) => new URL(r.url).pathname);
  });
}

/** Waits (polled from node) until the worker's cache holds every path `wanted` matches. */
async function waitForShell(page, wanted) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const paths = await shellPaths(page);
    if (wanted.every((w) => paths.some((p) => (typeof w === 'string' ? p === w : w.test(p))))) return paths;
    assert.ok(Date.now() < deadline, `the worker caches ${wanted.join(', ')} within 15 s (has ${paths.join(', ')})`);
    await page.waitForTimeout(200);
  }
}

test('offline: each page from its own copy; a staff path never seen online says it needs the network', async () => {
  // Seen online: only the self-test page.
  {
    const { context, page } = await openPage(browser);
    await page.goto(server.url);
    await waitForApp(page);
    const paths = await waitForShell(page, ['/', SELF_TEST]);
    assert.ok(!paths.includes('/staff.html'), 'no staff copy yet');
    await context.setOffline(true);
    await page.goto(new URL('/agent', server.url).href);
    assert.equal(await waitForApp(page), 'Page indisponible pour le moment');
    await page.getByRole('button', { name: 'Réessayer' }).waitFor();
    await checkScreen(page, 'staff path offline without its page');
    await screenshot(page, 'staff-page-unavailable-offline');
    await page.getByRole('link', { name: "Revenir à l'accueil" }).click();
    assert.equal(await waitForApp(page), 'Repère');
    await context.close();
  }
  // Opened at /connexion first: the page was loaded before the worker existed, so
  // it hands the worker its path, and the worker keeps the staff copy too.
  {
    const { context, page, problems } = await openPage(browser);
    const fetched = [];
    page.on('request', (r) => fetched.push(new URL(r.url()).pathname));
    await page.goto(new URL('/connexion', server.url).href);
    assert.equal(await waitForApp(page), 'Connexion');
    const paths = await waitForShell(page, ['/', '/staff.html', SELF_TEST, STAFF]);
    assert.equal(paths.filter((p) => SELF_TEST.test(p)).length, 2, 'the self-test js and wasm');
    assert.equal(paths.filter((p) => STAFF.test(p)).length, 2, 'the staff js and wasm');

    await context.setOffline(true);
    fetched.length = 0;
    await page.goto(new URL('/agent?resultat=ABCD', server.url).href);
    // The staff page, which cannot ask who is logged in: it says so.
    assert.equal(await waitForApp(page), 'Pas de réseau', 'offline, /agent is the staff page');
    assert.ok(fetched.some((p) => STAFF.test(p)) && !fetched.some((p) => SELF_TEST.test(p)), fetched.join(' '));
    fetched.length = 0;
    await page.goto(server.url);
    assert.equal(await waitForApp(page), 'Repère', 'offline, / is the self-test page');
    assert.ok(fetched.some((p) => SELF_TEST.test(p)) && !fetched.some((p) => STAFF.test(p)), fetched.join(' '));
    await context.setOffline(false);
    assert.deepEqual(problems.pageErrors, []);
    assert.deepEqual(problems.foreignRequests, []);
    await context.close();
  }
});
