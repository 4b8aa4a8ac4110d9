// The agent's screens on a tablet: login (accessible authentication), a screening
// with consent, the hand-over to the test, the result with its profile and
// orientation, the printed sheet, and a kiosk or personal-device result found by
// its code and attached to the structure. The real server (`--demo`) serves the
// built app; headless Chromium drives it; axe-core audits every screen.
//
// The whole hand-over runs through the real screens: the agent starts a
// screening, the scripted person takes the test in agent mode, the log goes to
// the screening's endpoint and the tablet comes back to `/agent?resultat=<code>`;
// without network at the end, the result waits in the outbox for that endpoint and
// the agent's screen shows it once it arrives. The other tests send a screening's
// log from the page with `fetch` (what the test does) to check the agent's
// screens quickly.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServerAndBrowser, stopServerAndBrowser } from './lib/server.mjs';
import { assertClean, checkScreen } from './lib/checks.mjs';
import { openPage, screenshot, artifactsDir } from './lib/browser.mjs';
import { LAYOUTS, waitForApp, fitsWidth, targetProblems, storedTraces } from './lib/app.mjs';
import {
  demoAccounts,
  answerLog,
  versions,
  submitResult,
  loginThroughForm,
  waitForFocus,
  apiSession,
} from './lib/staff.mjs';
import { takeTest } from './lib/person.mjs';

let server;
let browser;
let accounts;
let bank;

before(async () => {
  ({ server, browser } = await startServerAndBrowser({ extraArgs: ['--demo'] }));
  accounts = demoAccounts(server.output());
  bank = await versions(server.url);
});

after(() => stopServerAndBrowser({ server, browser }));

// A 401 of `GET /api/me` (nobody logged in yet) and 4xx answers the test asks
// for are logged by Chromium as failed resources; anything else is a bug.
const REFUSALS = /status of 40[0134]/;

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
  assertClean(problems, REFUSALS);
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
  // The profile's list of skills to work on, by priority.
  const toWork = profile.work_on.length;
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
  // The three mediation places, two a row in a smaller print, take about half a page.
  assert.ok(pages >= 1 && pages <= 3, `the sheet fits on 1 to 3 pages (${pages})`);
  await page.emulateMedia({ media: 'screen' });
  await page.setViewportSize(LAYOUTS['tablet-portrait']);

  // « Nouveau dépistage »: back to the start, the address forgets the code.
  await page.getByRole('button', { name: 'Nouveau dépistage' }).click();
  await page.getByRole('heading', { level: 1, name: 'Nouveau dépistage' }).waitFor();
  assert.equal(new URL(page.url()).search, '');
  assert.equal(await page.getByLabel('Prénom ou initiales de la personne (facultatif)').inputValue(), '');
  assertClean(problems, REFUSALS);
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
  assertClean(problems, REFUSALS);
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
  assertClean(problems, REFUSALS);
  await context.close();
});

/** Starts a screening on the agent's screen (logged in); returns its id. */
async function startScreening(page, { person = null } = {}) {
  await page.getByRole('heading', { level: 1, name: 'Nouveau dépistage' }).waitFor();
  if (person) {
    await page.getByLabel('Prénom ou initiales de la personne (facultatif)').fill(person);
    await page.getByLabel("La personne est d'accord pour que son prénom soit noté.").check();
  }
  await page.getByRole('button', { name: 'Commencer le dépistage' }).click();
  await page.getByRole('heading', { level: 1, name: 'Donnez la tablette à la personne' }).waitFor();
  const href = await page.getByRole('link', { name: 'Commencer le test' }).getAttribute('href');
  return new URL(href, server.url).searchParams.get('screening');
}

/** The POST requests of a page, as paths. */
function postedPaths(page) {
  const paths = [];
  page.on('request', (r) => {
    if (r.method() === 'POST') paths.push(new URL(r.url()).pathname);
  });
  return paths;
}

test('agent: the person takes the whole test on the tablet; back to the agent with the profile', async () => {
  const { context, page, problems } = await openPage(browser, { viewport: LAYOUTS['tablet-portrait'] });
  const posted = postedPaths(page);
  await page.goto(new URL('/agent', server.url).href);
  await waitForApp(page);
  await loginThroughForm(page, accounts.agent);
  const screening = await startScreening(page, { person: 'M. D.' });

  // The tablet goes to the person: the test in agent mode, no staff chrome.
  await page.getByRole('link', { name: 'Commencer le test' }).click();
  assert.equal(await waitForApp(page), 'Repère');
  assert.equal(new URL(page.url()).searchParams.get('screening'), screening);
  assert.equal(await page.locator('.account-bar').count(), 0, 'no staff chrome in the test');
  // A discreet way back for the agent, outside the test's content.
  const exit = page.locator('aside.agent-exit');
  assert.equal((await exit.getByRole('button').innerText()).trim(), "Rendre la tablette à l'agent");
  assert.equal(await page.locator('main aside.agent-exit').count(), 0);
  await checkScreen(page, 'agent mode, welcome');

  const ids = await takeTest(page, { done: 'Le test est fini' });
  assert.ok(ids.length >= 3, `${ids.length} questions`);
  await page.locator('main').getByText('Votre résultat est enregistré.').waitFor({ timeout: 15_000 });
  assert.equal(await exit.count(), 0, 'the end screen has its own button');
  await checkScreen(page, 'agent mode, end of the test');
  await screenshot(page, 'agent-mode-end');

  // The log went to the screening, never to the anonymous endpoint.
  assert.deepEqual(
    posted.filter((p) => p.startsWith('/api/results') || p.startsWith('/api/screenings/')),
    [`/api/screenings/${screening}/result`],
  );

  // « Rendre la tablette à l'agent »: the agent's screen on the result.
  await page.getByRole('button', { name: "Rendre la tablette à l'agent" }).click();
  await page.getByRole('heading', { level: 1, name: 'Résultat de M. D.' }).waitFor();
  const code = new URL(page.url()).searchParams.get('resultat');
  assert.match(code, /^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
  const view = await page.evaluate(async (code) => (await fetch(`/api/results/${code}`)).json(), code);
  assert.equal(view.items, ids.length, 'the server replayed every answer');
  const main = await page.locator('main').innerText();
  assert.ok(main.includes(code), 'the code is shown');
  assert.ok(main.includes(view.profile.class.label), `the autonomy class (${view.profile.class.label})`);
  assert.ok(
    main.includes(view.profile.orientation.modality.label),
    `the orientation (${view.profile.orientation.modality.label})`,
  );
  await checkScreen(page, 'agent, result after the test');

  // The server holds it in the agent's structure, with the initials: the demo
  // trainer sees it.
  const trainer = await apiSession(server.url, accounts.trainer);
  const list = await trainer.get('/api/profiles');
  const mine = list.json.profiles.find((p) => p.code === code);
  assert.ok(mine, `the trainer sees ${code}`);
  assert.equal(mine.person, 'M. D.');
  assert.equal(mine.source, 'agent');

  // Nothing of the test stays in the tablet's storage.
  const traces = await storedTraces(page);
  for (const key of ['repere.test', 'repere.finished', 'repere.progress', 'repere.screening']) {
    assert.ok(!traces.session.includes(key), `${key} is gone`);
  }
  assert.ok(!traces.local.includes('repere.outbox'), 'nothing waits');
  assertClean(problems, REFUSALS);
  await context.close();
});

test('the person, the agent and the sheet name the same skills to work on, in the same order', async () => {
  // The person tests themselves and reads « À travailler ensuite ».
  const person = await openPage(browser, { viewport: LAYOUTS['tablet-portrait'] });
  await person.page.goto(server.url);
  await waitForApp(person.page);
  await takeTest(person.page);
  await person.page.locator('.result-code').waitFor({ timeout: 15_000 });
  const code = (await person.page.locator('.result-code').textContent()).trim();
  const lead = person.page.locator('.summary-lead', { hasText: 'À travailler ensuite' });
  const personList = (await lead.count()) === 0
    ? []
    : (await person.page.locator('.summary-lead:has-text("À travailler ensuite") + ul.summary-list li').allInnerTexts()).map((t) => t.trim());
  await person.context.close();

  // The agent types the code the person brings.
  const { context, page, problems } = await openPage(browser, { viewport: LAYOUTS['tablet-portrait'] });
  await page.goto(new URL('/agent', server.url).href);
  await waitForApp(page);
  await loginThroughForm(page, accounts.agent);
  await page.getByLabel('Code du résultat').fill(code);
  await page.getByRole('button', { name: 'Voir le résultat' }).click();
  await page.getByRole('heading', { level: 1, name: 'Résultat du test' }).waitFor();
  const skillName = (t) => t.replace(/\s*\([^)]*\)\s*$/, '').trim();
  const visible = (await page.locator('main ul.skill-list:not(details ul) li').allInnerTexts()).map(skillName);
  assert.deepEqual(visible, personList, 'the agent sees first what the person read, in the same order');
  const view = await page.evaluate(async (code) => (await fetch(`/api/results/${code}`)).json(), code);
  const ranked = view.profile.skills.filter((s) => s.to_work_on).sort((a, b) => a.priority - b.priority);
  assert.ok(ranked.every((s, i) => s.priority === i + 1), 'every skill to work on has its rank');
  assert.deepEqual(ranked.slice(0, view.profile.work_on_max).map((s) => s.label), personList, 'the API carries the order');
  // The others, behind « Voir les autres » (closed: read as text, not as seen).
  const all = (await page.locator('main ul.skill-list li').allTextContents()).map(skillName);
  assert.deepEqual(all, ranked.map((s) => s.label), 'the others follow, in the same order');
  const rest = ranked.length - personList.length;
  if (rest > 0) {
    await page.emulateMedia({ media: 'print' });
    const paper = await page.locator('main .print-only').allInnerTexts();
    assert.ok(paper.some((t) => t.includes(rest === 1 ? 'Et 1\u00a0autre compétence' : `Et ${rest}\u00a0autres compétences`)), paper.join(' | '));
    await page.emulateMedia({ media: 'screen' });
  }

  // The printable sheet of the result lists them in the same order.
  const sheet = await page.evaluate(async (code) => (await fetch(`/api/results/${code}/sheet`)).text(), code);
  const sheetList = [...sheet.matchAll(/<li>([^<(]+) \(/g)].map((m) => m[1].trim().replace(/&#39;/g, "'"));
  assert.deepEqual(sheetList, ranked.map((s) => s.label), 'the sheet, same order');
  assertClean(problems, REFUSALS);
  await context.close();
});

test('agent: no network at the end; the result waits for its screening and shows when it arrives', async () => {
  const { context, page, problems } = await openPage(browser, { viewport: LAYOUTS['tablet-landscape'] });
  let online = true;
  await context.route('**/api/screenings/*/result', (route) =>
    online ? route.continue() : route.abort('internetdisconnected'),
  );
  await page.goto(new URL('/agent', server.url).href);
  await waitForApp(page);
  await loginThroughForm(page, accounts.agent);
  const first = await startScreening(page);
  await page.getByRole('link', { name: 'Commencer le test' }).click();
  await waitForApp(page);
  assert.equal(new URL(page.url()).searchParams.get('screening'), first);

  // The agent may take the tablet back: asked first once the test has begun.
  await page.getByRole('button', { name: 'Commencer', exact: true }).click();
  await page.locator('.screen.context').waitFor();
  await page.getByRole('button', { name: "Rendre la tablette à l'agent" }).click();
  await page.getByText("Le test n'est pas fini.", { exact: false }).waitFor();
  await waitForFocus(page, 'agent-exit-question');
  await checkScreen(page, 'agent mode, taking the tablet back?');
  // « Continuer le test » keeps everything.
  await page.getByRole('button', { name: 'Continuer le test' }).click();
  await waitForFocus(page, 'agent-exit-button');
  assert.ok(await page.locator('.screen.context').isVisible());
  // « Arrêter le test »: the answers are forgotten, the agent's screen opens.
  await page.locator('.screen.context .answer-option input').first().check();
  await page.getByRole('button', { name: 'Continuer' }).click();
  await page.getByRole('button', { name: "Rendre la tablette à l'agent" }).click();
  await page.getByRole('button', { name: 'Arrêter le test' }).click();
  await page.getByRole('heading', { level: 1, name: 'Nouveau dépistage' }).waitFor();
  assert.deepEqual(
    (await storedTraces(page)).session.filter((k) => k.startsWith('repere.') && k !== 'repere.settings'),
    [],
    'the stopped test left nothing',
  );

  // Another screening, and no network at its end.
  const screening = await startScreening(page);
  await page.getByRole('link', { name: 'Commencer le test' }).click();
  await waitForApp(page);
  online = false;
  await takeTest(page, { done: 'Le test est fini' });
  await page.locator('main').getByText("La tablette n'a pas de réseau pour le moment.").waitFor({ timeout: 20_000 });
  await page.getByText('Votre résultat est gardé sur la tablette. Il sera envoyé tout seul.').waitFor();
  const outbox = await page.evaluate(() => JSON.parse(localStorage.getItem('repere.outbox') || '[]'));
  assert.equal(outbox.length, 1, 'one log waits');
  assert.deepEqual(outbox[0].to, { kind: 'screening', id: screening }, 'it waits for its screening');
  await checkScreen(page, 'agent mode, end without network');
  await screenshot(page, 'agent-mode-end-offline');

  await page.getByRole('button', { name: "Rendre la tablette à l'agent" }).click();
  await page.getByRole('heading', { level: 1, name: 'Résultat en attente' }).waitFor();
  assert.equal(new URL(page.url()).searchParams.get('depistage'), screening);
  await page.getByText('Le résultat part tout seul dès que c\'est possible. Il s\'affiche alors ici.').waitFor();
  await checkScreen(page, 'agent, result waiting');
  await screenshot(page, 'agent-waiting');

  // The network is back: the outbox sends it, the agent's screen shows it.
  online = true;
  await page.getByRole('button', { name: 'Réessayer maintenant' }).click();
  await page.getByRole('heading', { level: 1, name: 'Résultat du test' }).waitFor({ timeout: 20_000 });
  const code = await page.evaluate(() => new URLSearchParams(location.search).get('resultat'));
  assert.match(code, /^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
  assert.ok((await page.locator('main').innerText()).includes(code));
  assert.equal(await page.evaluate(() => localStorage.getItem('repere.outbox')), null, 'the outbox is empty');
  const view = await page.evaluate(async (code) => (await fetch(`/api/results/${code}`)).json(), code);
  assert.equal(view.source, 'agent');
  assert.equal(view.attached, true);
  await checkScreen(page, 'agent, result arrived');

  // The aborted attempts are logged by Chromium as network errors; nothing else.
  problems.consoleErrors = problems.consoleErrors.filter((e) => !/ERR_INTERNET_DISCONNECTED/.test(e));
  assertClean(problems, REFUSALS);
  await context.close();
});

test('agent: the tablet offline at the hand-back waits for the network, then shows the result without a new login', async () => {
  const { context, page, problems } = await openPage(browser, { viewport: LAYOUTS['tablet-landscape'] });
  await page.goto(new URL('/agent', server.url).href);
  await waitForApp(page);
  await loginThroughForm(page, accounts.agent);
  const screening = await startScreening(page);
  await page.getByRole('link', { name: 'Commencer le test' }).click();
  await waitForApp(page);
  await context.setOffline(true);
  await takeTest(page, { done: 'Le test est fini' });
  await page.locator('main').getByText("La tablette n'a pas de réseau pour le moment.").waitFor({ timeout: 20_000 });

  // The agent's page comes from the tablet's copy: no login form, a plain word.
  await page.getByRole('button', { name: "Rendre la tablette à l'agent" }).click();
  await page.getByRole('heading', { level: 1, name: 'Pas de réseau' }).waitFor({ timeout: 15_000 });
  assert.equal(new URL(page.url()).searchParams.get('depistage'), screening);
  assert.equal(await page.getByLabel('Mot de passe', { exact: true }).count(), 0, 'no password asked');
  await page.getByText('Cette page se met à jour toute seule quand le réseau revient.').waitFor();
  await checkScreen(page, 'agent, no network at the hand-back');
  await screenshot(page, 'agent-hand-back-offline');

  // The network comes back: nobody touches the tablet, the result shows.
  await context.setOffline(false);
  await page.getByRole('heading', { level: 1, name: 'Résultat du test' }).waitFor({ timeout: 30_000 });
  const code = await page.evaluate(() => new URLSearchParams(location.search).get('resultat'));
  assert.match(code, /^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
  assert.equal(await page.getByLabel('Mot de passe', { exact: true }).count(), 0, 'still no login');
  assert.equal(await page.evaluate(() => localStorage.getItem('repere.outbox')), null, 'the outbox is empty');
  // The requests made while offline fail, as they should (the server's, and the
  // worker's answers for them); nothing else.
  problems.consoleErrors = problems.consoleErrors.filter(
    (e) => !/ERR_INTERNET_DISCONNECTED|net::ERR_FAILED|Failed to fetch/.test(e),
  );
  assertClean(problems, REFUSALS);
  await context.close();
});

test('agent: a screening the server does not know for this account is tried three times, then kept aside and said; « Réessayer maintenant » sends it again', async () => {
  const { context, page, problems } = await openPage(browser, { viewport: LAYOUTS['tablet-landscape'] });
  // The screening's endpoint answers 404 (as for another structure's screening)
  // until the test lets it through.
  let known = false;
  let refused = 0;
  await context.route('**/api/screenings/*/result', (route) => {
    if (known) return route.continue();
    refused += 1;
    return route.fulfill({
      status: 404,
      contentType: 'application/json',
      body: JSON.stringify({ error: 'Dépistage introuvable.', code: 'not_found' }),
    });
  });
  await page.goto(new URL('/agent', server.url).href);
  await waitForApp(page);
  await loginThroughForm(page, accounts.agent);
  const screening = await startScreening(page);
  await page.getByRole('link', { name: 'Commencer le test' }).click();
  await waitForApp(page);
  await takeTest(page, { done: 'Le test est fini' });
  await page.waitForFunction(() => JSON.parse(localStorage.getItem('repere.outbox') || '[]')[0]?.not_found >= 1);
  await page.getByRole('button', { name: "Rendre la tablette à l'agent" }).click();
  await page.getByRole('heading', { level: 1, name: 'Résultat en attente' }).waitFor();
  assert.equal(new URL(page.url()).searchParams.get('depistage'), screening);

  // Each try is one more 404; the third sets the result aside, with its log.
  const retry = page.getByRole('button', { name: 'Réessayer maintenant' });
  const notice = page.getByText('Le serveur ne trouve pas ce dépistage pour votre compte.', { exact: false });
  for (let k = 0; k < 5 && !(await notice.isVisible()); k += 1) {
    const before = refused;
    await retry.click();
    const deadline = Date.now() + 10_000;
    while (refused === before && Date.now() < deadline) await page.waitForTimeout(100);
    await page.waitForTimeout(1_200);
  }
  await notice.waitFor();
  // Three 404 answers counted (one more may have reached the server from the
  // test's page as it handed the tablet back, before it could count it).
  const atAside = refused;
  assert.ok(atAside >= 3 && atAside <= 4, `three attempts counted (${atAside} requests)`);
  const stored = await page.evaluate(() => ({
    outbox: localStorage.getItem('repere.outbox'),
    aside: JSON.parse(localStorage.getItem('repere.outbox.rejected') || '[]'),
  }));
  assert.equal(stored.outbox, null, 'nothing left to retry by itself');
  assert.equal(stored.aside.length, 1);
  assert.equal(stored.aside[0].status, 404);
  assert.deepEqual(stored.aside[0].to, { kind: 'screening', id: screening });
  // The log is kept as the text the app wrote (its numbers bit for bit).
  assert.equal(typeof stored.aside[0].body, 'string');
  assert.ok(Array.isArray(JSON.parse(stored.aside[0].body).answers), 'the log is kept: it is the person’s result');
  await page.getByText('Connectez-vous avec un compte de la structure du dépistage', { exact: false }).waitFor();
  // The 30 s sender leaves it alone.
  await page.waitForTimeout(31_000);
  assert.equal(refused, atAside, 'not retried forever');
  await checkScreen(page, 'agent, screening unknown');
  await screenshot(page, 'agent-screening-unknown');

  // Sent again on request, when the server takes it.
  known = true;
  await retry.click();
  await page.getByRole('heading', { level: 1, name: 'Résultat du test' }).waitFor({ timeout: 20_000 });
  const code = await page.evaluate(() => new URLSearchParams(location.search).get('resultat'));
  assert.match(code, /^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
  const left = await page.evaluate(() => [localStorage.getItem('repere.outbox'), localStorage.getItem('repere.outbox.rejected')]);
  assert.equal(left[0], null);
  assert.deepEqual(JSON.parse(left[1] || '[]'), [], 'nothing kept aside any more');
  assertClean(problems, REFUSALS);
  await context.close();
});

test('agent: the list of their own recent screenings, each a link to its result; Back returns to it', async () => {
  // A new agent of the demo structure, so that the list holds only what this test
  // does; the demo agent's screenings of the other tests must not show.
  const admin = await apiSession(server.url, accounts.admin);
  const added = await admin.post('/api/admin/users', { login: 'agent-liste', role: 'agent', password: 'mot-de-passe-liste-1' });
  assert.equal(added.status, 201, added.text);
  const own = { login: added.json.login, password: 'mot-de-passe-liste-1' };
  const mine = await apiSession(server.url, own);
  const demo = await apiSession(server.url, accounts.agent);
  const screen = async (api, person, rightShare) => {
    const started = await api.post('/api/screenings', person ? { person, consent: true } : {});
    assert.equal(started.status, 201, started.text);
    const sent = await api.post(`/api/screenings/${started.json.id}/result`, answerLog(bank, { rightShare }));
    assert.equal(sent.status, 201, sent.text);
    return sent.json;
  };
  const ines = await screen(mine, 'Inès', 0.9);
  const nameless = await screen(mine, null, 0.4);
  const paul = await screen(mine, 'Paul', 0.1);
  const other = await screen(demo, 'Quelquun', 0.5);
  const newestFirst = [paul, nameless, ines];

  const { context, page, problems } = await openPage(browser, { viewport: LAYOUTS['tablet-portrait'] });
  await page.goto(new URL('/agent', server.url).href);
  await waitForApp(page);
  await loginThroughForm(page, own);
  await page.getByRole('heading', { level: 1, name: 'Nouveau dépistage' }).waitFor();
  await page.getByRole('heading', { level: 2, name: 'Vos derniers dépistages' }).waitFor();
  const table = page.locator('table.recent-table');
  await table.waitFor();
  assert.equal((await table.locator('caption').innerText()).trim(), 'Vos dépistages, du plus récent au plus ancien');
  assert.match(await page.locator('.recent-screenings .count').innerText(), /^3\sdépistages ces 7\sderniers jours\.$/);
  const rows = table.locator('tbody tr');
  assert.equal(await rows.count(), 3, 'only this agent\'s screenings');
  assert.ok(!(await table.innerText()).includes('Quelquun'), 'not a colleague\'s');
  for (const [k, result] of newestFirst.entries()) {
    const cells = await rows.nth(k).locator('th, td').allInnerTexts();
    assert.equal(cells[0].trim(), result.person ?? 'Sans prénom');
    assert.match(cells[1], /^\d{2}\/\d{2} à \d{2}:\d{2}$/);
    assert.equal(cells[1].slice(0, 5), result.date.slice(0, 5), `day of ${result.code}`);
    assert.equal(cells[2], result.profile.class.label, `class of ${result.code}`);
    assert.equal(cells[3], result.profile.orientation.modality.label, `orientation of ${result.code}`);
    const link = rows.nth(k).getByRole('link', { name: `Voir le résultat ${result.code}` });
    assert.equal(await link.getAttribute('href'), `/agent?resultat=${result.code}`);
  }
  assert.equal(await page.getByRole('link', { name: `Voir le résultat ${other.code}` }).count(), 0);
  await checkScreen(page, 'agent, recent screenings');
  assert.ok(await fitsWidth(page), 'no sideways scrolling (portrait)');
  // On the tablet, the whole table shows: its links are not hidden in a scroll.
  assert.ok(
    await page.locator('.recent-screenings .table-wrap').evaluate((e) => e.scrollWidth <= e.clientWidth),
    'the table fits the tablet (portrait)',
  );
  await screenshot(page, 'agent-recent');

  // A result from the list, then Back to the list.
  await page.getByRole('link', { name: `Voir le résultat ${ines.code}` }).click();
  await page.getByRole('heading', { level: 1, name: 'Résultat de Inès' }).waitFor();
  assert.equal(new URL(page.url()).search, `?resultat=${ines.code}`);
  assert.ok((await page.locator('main').innerText()).includes(ines.profile.class.label));
  await page.goBack();
  await page.getByRole('heading', { level: 1, name: 'Nouveau dépistage' }).waitFor();
  assert.equal(new URL(page.url()).pathname + new URL(page.url()).search, '/agent');
  await page.locator('table.recent-table tbody tr').nth(2).waitFor();
  assert.equal(await page.locator('table.recent-table tbody tr').count(), 3);

  // 320 px: the table scrolls in its own region, the page does not.
  await page.setViewportSize(LAYOUTS.narrow);
  assert.ok(await fitsWidth(page), 'the list fits 320 px');
  assert.deepEqual(await targetProblems(page), []);
  await checkScreen(page, 'agent, recent screenings, 320 px');
  assertClean(problems, REFUSALS);
  await context.close();
});
