// The agent's screens on a tablet: login (accessible authentication), a screening
// with consent, the hand-over to the test, the result with its profile and
// orientation, the printed sheet, and a kiosk or personal-device result found by
// its code and attached to the structure. The real server (`--demo`) serves the
// built app; headless Chromium drives it; axe-core audits every screen.
//
// The test-taking flow in agent mode is not wired yet: the answer log of the
// screening is sent from the page with `fetch` (what the test will do), and the
// page then opens `/agent?resultat=<code>` (where the test will come back to).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer } from './lib/server.mjs';
import { launch, openPage, audit, auditRules, screenshot, artifactsDir } from './lib/browser.mjs';
import { LAYOUTS, waitForApp, fitsWidth, bodyFontSize, targetProblems } from './lib/app.mjs';
import {
  demoAccounts,
  answerLog,
  versions,
  submitResult,
  loginThroughForm,
  waitForFocus,
} from './lib/staff.mjs';

let server;
let browser;
let accounts;
let bank;

before(async () => {
  server = await startServer({ extraArgs: ['--demo'] });
  accounts = demoAccounts(server.output());
  bank = await versions(server.url);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Asserts a page had no page error and no request leaving the loopback interface. */
function assertClean(problems) {
  assert.deepEqual(problems.pageErrors, [], 'no page error');
  // A 401 of `GET /api/me` (nobody logged in yet) and 4xx answers the test asks
  // for are logged by Chromium as failed resources; anything else is a bug.
  const errors = problems.consoleErrors.filter((e) => !/status of 40[0134]/.test(e));
  assert.deepEqual(errors, [], 'no console error');
  assert.deepEqual(problems.foreignRequests, [], 'no request leaves the loopback interface');
}

/** WCAG A/AA (zero violations), AAA contrast, 48 px targets, 22 px text. */
async function checkScreen(page, label) {
  const results = await audit(page, label);
  assert.deepEqual(results.violations, [], `axe-core: ${label}`);
  assert.ok(results.passes >= 10, `axe-core checked ${label} (${results.passes} rules passed)`);
  const aaa = await auditRules(page, label, ['color-contrast-enhanced']);
  assert.deepEqual(aaa.violations, [], `AAA contrast (7:1): ${label}`);
  assert.deepEqual(await targetProblems(page), [], `targets of at least 48 px, 8 px apart: ${label}`);
  assert.ok((await bodyFontSize(page)) >= 22, `body text of at least 22 px: ${label}`);
  return results.violations.length;
}

/** Sends a screening's answer log from the page, as the test-taking flow will. */
async function submitScreening(page, screening, log) {
  return page.evaluate(
    async ({ screening, log }) => {
      const me = await (await fetch('/api/me')).json();
      const r = await fetch(`/api/screenings/${screening}/result`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token },
        body: JSON.stringify(log),
      });
      return { status: r.status, body: await r.json() };
    },
    { screening, log },
  );
}

test('login: accessible authentication, errors in words, zero axe violations', async () => {
  const { context, page, problems } = await openPage(browser, { viewport: LAYOUTS['tablet-portrait'] });
  await page.goto(new URL('/agent', server.url).href);
  assert.equal(await waitForApp(page), 'Connexion');
  assert.equal(await page.title(), 'Connexion — Repère');
  const name = page.getByLabel('Identifiant', { exact: true });
  const password = page.getByLabel('Mot de passe', { exact: true });
  assert.equal(await name.getAttribute('autocomplete'), 'username');
  assert.equal(await password.getAttribute('autocomplete'), 'current-password');
  assert.equal(await password.getAttribute('type'), 'password');
  // Pasting is allowed (a password manager, a copied password): nothing cancels it.
  const pasteBlocked = await page.evaluate(() => {
    const input = document.getElementById('login-password');
    const data = new DataTransfer();
    data.setData('text/plain', 'colle');
    const ev = new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true });
    input.dispatchEvent(ev);
    return ev.defaultPrevented;
  });
  assert.equal(pasteBlocked, false, 'pasting into the password field is not blocked');
  await checkScreen(page, 'login');
  await screenshot(page, 'agent-login');

  // Empty form: the first field says what is missing and gets the focus.
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.getByText('Écrivez votre identifiant.').waitFor();
  await waitForFocus(page, 'login-name');
  assert.equal(await name.getAttribute('aria-invalid'), 'true');
  assert.match(await name.getAttribute('aria-describedby'), /login-name-error/);

  // Wrong password: an alert in words; the password can be shown.
  await name.fill(accounts.agent.login);
  await password.fill('pas-le-bon-mot-de-passe');
  await page.getByRole('button', { name: 'Se connecter' }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.innerText(), /Identifiant ou mot de passe incorrect/);
  await checkScreen(page, 'login, wrong password');
  await page.getByLabel('Afficher le mot de passe').check();
  assert.equal(await password.getAttribute('type'), 'text');
  await screenshot(page, 'agent-login-error');

  // The right password: the agent's first screen, focus on its heading.
  await password.fill(accounts.agent.password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.getByRole('heading', { level: 1, name: 'Nouveau dépistage' }).waitFor();
  await page.waitForFunction(() => document.activeElement?.tagName === 'H1');
  assert.match(await page.locator('.account-bar').innerText(), /demo-agent/);
  assertClean(problems);
  await context.close();
});

test('agent: a screening with consent, the hand-over, the result, the printed sheet', async () => {
  const { context, page, problems } = await openPage(browser, { viewport: LAYOUTS['tablet-portrait'] });
  await page.goto(new URL('/agent', server.url).href);
  await waitForApp(page);
  await loginThroughForm(page, accounts.agent);
  await page.getByRole('heading', { level: 1, name: 'Nouveau dépistage' }).waitFor();
  await checkScreen(page, 'agent, new screening');
  assert.ok(await fitsWidth(page), 'no sideways scrolling (portrait)');
  await screenshot(page, 'agent-start');

  // A first name without consent is refused, in words, at the checkbox.
  await page.getByLabel('Prénom ou initiales de la personne (facultatif)').fill('Marie');
  await page.getByRole('button', { name: 'Commencer le dépistage' }).click();
  await page.getByText(/Pour noter le prénom, la personne doit être d'accord/).waitFor();
  await waitForFocus(page, 'consent');
  assert.equal(await page.locator('#consent').getAttribute('aria-invalid'), 'true');
  await checkScreen(page, 'agent, consent missing');

  await page.getByLabel("La personne est d'accord pour que son prénom soit noté.").check();
  await page.getByRole('button', { name: 'Commencer le dépistage' }).click();
  await page.getByRole('heading', { level: 1, name: 'Donnez la tablette à la personne' }).waitFor();
  await page.waitForFunction(() => document.activeElement?.tagName === 'H1');
  assert.match(await page.locator('main').innerText(), /Dépistage de\s*:\s*Marie/);
  const href = await page.getByRole('link', { name: 'Commencer le test' }).getAttribute('href');
  const screening = new URL(href, server.url).searchParams.get('screening');
  assert.match(href, /^\/\?mode=agent&screening=[0-9a-f]{32}$/, `the test opens in agent mode (${href})`);
  await checkScreen(page, 'agent, hand-over');
  await screenshot(page, 'agent-hand-over');

  // The test (not wired yet) sends the log and comes back with the code.
  const sent = await submitScreening(page, screening, answerLog(bank, { n: 12, rightShare: 0.5 }));
  assert.equal(sent.status, 201, JSON.stringify(sent.body));
  const { code, profile } = sent.body;
  assert.equal(sent.body.person, 'Marie');
  await page.goto(new URL(`/agent?resultat=${code}`, server.url).href);
  await page.getByRole('heading', { level: 1, name: 'Résultat de Marie' }).waitFor();
  const main = await page.locator('main').innerText();
  assert.ok(main.includes(code), 'the code is shown');
  assert.ok(main.includes(profile.class.label), `the autonomy class (${profile.class.label})`);
  assert.ok(main.includes(profile.orientation.modality.label), `the orientation (${profile.orientation.modality.label})`);
  // The domains' table: one row per domain, with its header cells.
  const table = page.locator('table.domains-table');
  assert.equal(await table.locator('tbody tr').count(), profile.domains.length);
  assert.equal(await table.locator('thead th[scope=col]').count(), 2);
  assert.equal(await table.locator('tbody th[scope=row]').count(), profile.domains.length);
  assert.equal((await table.locator('caption').innerText()).trim(), 'Niveau dans chaque domaine');
  for (const d of profile.domains) {
    const row = table.locator('tbody tr', { has: page.locator('th', { hasText: d.label }) });
    assert.ok((await row.innerText()).includes(d.level.label), `${d.label}: ${d.level.label}`);
  }
  const toWork = profile.skills.filter((s) => s.to_work_on).length;
  assert.equal(await page.locator('.skill-list li').count(), toWork, 'one line per skill to work on');
  assert.equal(await page.title(), 'Résultat de Marie — Repère');
  await checkScreen(page, 'agent, result (portrait)');
  assert.ok(await fitsWidth(page));
  await screenshot(page, 'agent-result-portrait');
  await page.setViewportSize(LAYOUTS['tablet-landscape']);
  assert.ok(await fitsWidth(page), 'no sideways scrolling (landscape)');
  await checkScreen(page, 'agent, result (landscape)');
  await screenshot(page, 'agent-result-landscape');

  // « Imprimer la fiche » opens the browser's printing.
  await page.evaluate(() => {
    window.__printed = 0;
    window.print = () => {
      window.__printed += 1;
    };
  });
  await page.getByRole('button', { name: 'Imprimer la fiche' }).click();
  assert.equal(await page.evaluate(() => window.__printed), 1);

  // The printed sheet: A4, large print, black on white, no buttons or menus.
  await page.setViewportSize({ width: 794, height: 1123 });
  await page.emulateMedia({ media: 'print' });
  const printed = await page.evaluate(() => {
    const style = (sel) => getComputedStyle(document.querySelector(sel));
    const visible = (sel) => [...document.querySelectorAll(sel)].some((e) => e.getClientRects().length > 0);
    return {
      panelFont: parseFloat(style('.result-panel').fontSize),
      color: style('.result-panel').color,
      background: getComputedStyle(document.body).backgroundColor,
      blockBorder: style('.result-block').borderTopColor,
      buttons: visible('main button'),
      topBar: visible('.top-bar'),
      account: visible('.account-bar'),
      footer: visible('.print-footer'),
    };
  });
  assert.ok(printed.panelFont >= 24, `large print: ${printed.panelFont}px (18 pt = 24 px)`);
  assert.equal(printed.color, 'rgb(0, 0, 0)');
  assert.equal(printed.background, 'rgb(255, 255, 255)');
  assert.equal(printed.blockBorder, 'rgb(0, 0, 0)');
  assert.deepEqual(
    [printed.buttons, printed.topBar, printed.account, printed.footer],
    [false, false, false, true],
    'no buttons, top bar or account bar on paper; the note for the person is there',
  );
  await screenshot(page, 'agent-print');
  const pdf = await page.pdf({ format: 'A4', printBackground: true });
  writeFileSync(join(artifactsDir, 'agent-print.pdf'), pdf);
  const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
  console.log(`# the printed sheet has ${pages} A4 page(s)`);
  assert.ok(pages >= 1 && pages <= 2, `the sheet fits on 1 or 2 pages (${pages})`);
  await page.emulateMedia({ media: 'screen' });
  await page.setViewportSize(LAYOUTS['tablet-portrait']);

  // « Nouveau dépistage »: back to the start, the address forgets the code.
  await page.getByRole('button', { name: 'Nouveau dépistage' }).click();
  await page.getByRole('heading', { level: 1, name: 'Nouveau dépistage' }).waitFor();
  assert.equal(new URL(page.url()).search, '');
  assert.equal(await page.getByLabel('Prénom ou initiales de la personne (facultatif)').inputValue(), '');
  assertClean(problems);
  await context.close();
});

test('agent: a code brought by the person, attached to the structure; wrong codes explained', async () => {
  const anonymous = await submitResult(server.url, answerLog(bank, { n: 10, rightShare: 0.9 }));
  const kiosk = await submitResult(server.url, answerLog(bank, { n: 10, rightShare: 0.2 }), {
    kioskToken: accounts.kioskToken,
  });
  assert.equal(anonymous.attached, false);
  assert.equal(kiosk.attached, true, "a kiosk's result belongs to the kiosk's structure");

  const { context, page, problems } = await openPage(browser, { viewport: LAYOUTS['tablet-landscape'] });
  await page.goto(new URL('/agent', server.url).href);
  await waitForApp(page);
  await loginThroughForm(page, accounts.agent);
  await page.getByRole('heading', { level: 1, name: 'Nouveau dépistage' }).waitFor();
  const field = page.getByLabel('Code du résultat');
  const look = page.getByRole('button', { name: 'Voir le résultat' });

  // Too short: said at once, at the field.
  await field.fill('K7M4');
  await look.click();
  await page.getByText(/Ce code n'est pas complet/).waitFor();
  await waitForFocus(page, 'code');
  assert.equal(await field.getAttribute('aria-invalid'), 'true');

  // Well formed but unknown: the server's message, back at the field.
  await field.fill('2222-2222');
  await look.click();
  await page.getByText('Aucun résultat pour le code 2222-2222.').waitFor();
  await waitForFocus(page, 'code');
  await checkScreen(page, 'agent, unknown code');

  // The anonymous result, typed in lower case without the dash.
  await page.getByLabel('Code du résultat').fill(anonymous.code.replace('-', '').toLowerCase());
  await page.getByRole('button', { name: 'Voir le résultat' }).click();
  await page.getByRole('heading', { level: 1, name: 'Résultat du test' }).waitFor();
  assert.ok((await page.locator('main').innerText()).includes(anonymous.code));
  await page.getByText("Ce résultat n'est rattaché à aucune structure.", { exact: false }).waitFor();
  await checkScreen(page, 'agent, result to attach');
  await page.getByRole('button', { name: 'Rattacher à ma structure' }).click();
  await page.getByText('Ce résultat est rattaché à votre structure.').waitFor();
  await waitForFocus(page, 'attach-status');
  await page.waitForFunction(() =>
    document.querySelector('[role=status]')?.textContent.includes('Résultat rattaché à votre structure.'),
  );
  assert.equal(await page.getByRole('button', { name: 'Rattacher à ma structure' }).count(), 0);
  const check = await page.evaluate(async (code) => (await fetch(`/api/results/${code}`)).json(), anonymous.code);
  assert.equal(check.attached, true, 'the server has attached it');
  await checkScreen(page, 'agent, result attached');
  await screenshot(page, 'agent-attached');

  // A kiosk's result is already in the structure: nothing to attach.
  await page.getByRole('button', { name: 'Nouveau dépistage' }).click();
  await page.getByLabel('Code du résultat').fill(kiosk.code);
  await page.getByRole('button', { name: 'Voir le résultat' }).click();
  await page.getByRole('heading', { level: 1, name: 'Résultat du test' }).waitFor();
  assert.match(await page.locator('.result-meta').innerText(), /sur une borne/);
  await page.getByText('Ce résultat est rattaché à votre structure.').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Rattacher à ma structure' }).count(), 0);
  assertClean(problems);
  await context.close();
});

test('agent: reflow at 320 px, a screening without a name, logout', async () => {
  const { context, page, problems } = await openPage(browser, { viewport: LAYOUTS.narrow });
  await page.goto(new URL('/agent', server.url).href);
  await waitForApp(page);
  assert.ok(await fitsWidth(page), 'login fits 320 px');
  await loginThroughForm(page, accounts.agent);
  await page.getByRole('heading', { level: 1, name: 'Nouveau dépistage' }).waitFor();
  assert.ok(await fitsWidth(page), 'the start fits 320 px');
  assert.deepEqual(await targetProblems(page), []);
  await screenshot(page, 'agent-narrow-start');

  // No personal data: nothing typed, nothing ticked.
  await page.getByRole('button', { name: 'Commencer le dépistage' }).click();
  await page.getByRole('heading', { level: 1, name: 'Donnez la tablette à la personne' }).waitFor();
  assert.doesNotMatch(await page.locator('main').innerText(), /Dépistage de/);
  const href = await page.getByRole('link', { name: 'Commencer le test' }).getAttribute('href');
  const screening = new URL(href, server.url).searchParams.get('screening');
  const sent = await submitScreening(page, screening, answerLog(bank, { n: 12, skip: true }));
  assert.equal(sent.status, 201);
  assert.equal(sent.body.person, null);
  await page.goto(new URL(`/agent?resultat=${sent.body.code}`, server.url).href);
  await page.getByRole('heading', { level: 1, name: 'Résultat du test' }).waitFor();
  assert.ok(await fitsWidth(page), 'the result fits 320 px');
  assert.deepEqual(await targetProblems(page), []);
  await screenshot(page, 'agent-narrow-result');

  // Logout: the login form comes back, the session is gone on the server.
  await page.getByRole('button', { name: 'Se déconnecter' }).click();
  await page.getByRole('heading', { level: 1, name: 'Connexion' }).waitFor();
  await page.waitForFunction(() => document.querySelector('[role=status]')?.textContent.includes('Vous êtes déconnecté.'));
  const status = await page.evaluate(async () => (await fetch('/api/me')).status);
  assert.equal(status, 401);
  assertClean(problems);
  await context.close();
});
