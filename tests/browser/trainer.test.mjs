// The mediator's (trainer's) screens: the structure's profiles with filters, one
// profile, the CSV and JSON exports (downloaded and parsed), groups for sessions
// and the printable plan. The real server (`--demo`) serves the built app; the
// agent's API seeds the results; headless Chromium drives the screens; axe-core
// audits them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startServerAndBrowser, stopServerAndBrowser } from './lib/server.mjs';
import { assertClean, checkScreen } from './lib/checks.mjs';
import { openPage, screenshot } from './lib/browser.mjs';
import { LAYOUTS, waitForApp, fitsWidth, targetProblems } from './lib/app.mjs';
import {
  demoAccounts,
  answerLog,
  versions,
  apiSession,
  loginThroughForm,
  waitForFocus,
  parseCsv,
} from './lib/staff.mjs';

let server;
let browser;
let accounts;
let trainerApi;
/** The seeded results (the server's views). */
const seeded = [];

/** People screened by the agent: a first name (with consent) or none, and how well they answer. */
const PEOPLE = [
  { person: 'Aïcha', rightShare: 1 },
  { person: 'Bruno', rightShare: 0.8 },
  { person: null, rightShare: 0.5 },
  { person: 'C. D.', rightShare: 0.3 },
  { person: 'Élise', rightShare: 0 },
  { person: null, rightShare: 0.6 },
  { person: '=Gaëlle', rightShare: 0.1 },
];

before(async () => {
  ({ server, browser } = await startServerAndBrowser({ extraArgs: ['--demo'] }));
  accounts = demoAccounts(server.output());
  const bank = await versions(server.url);
  const agent = await apiSession(server.url, accounts.agent);
  for (const { person, rightShare } of PEOPLE) {
    const started = await agent.post('/api/screenings', person ? { person, consent: true } : {});
    assert.equal(started.status, 201, started.text);
    const sent = await agent.post(
      `/api/screenings/${started.json.id}/result`,
      answerLog(bank, { n: 14, rightShare }),
    );
    assert.equal(sent.status, 201, sent.text);
    seeded.push(sent.json);
  }
  trainerApi = await apiSession(server.url, accounts.trainer);
});

after(() => stopServerAndBrowser({ server, browser }));

// Failed requests Chromium logs that are not bugs (4xx answers).
const REFUSALS = /status of 40[0134]/;

/** Opens the mediator's area logged in as the trainer; waits for the list. */
async function openList(viewport = LAYOUTS['tablet-landscape']) {
  const opened = await openPage(browser, { viewport });
  const { page } = opened;
  await page.goto(new URL('/mediateur', server.url).href);
  await waitForApp(page);
  await loginThroughForm(page, accounts.trainer);
  await page.getByRole('heading', { level: 1, name: 'Profils de votre structure' }).waitFor();
  await page.locator('table.profiles-table tbody tr').first().waitFor();
  return opened;
}

/** The codes of the table's rows, in order. */
async function rowCodes(page) {
  return page.locator('table.profiles-table tbody th .code').allInnerTexts();
}

/** Applies the filter form and waits for the list to show `expected` rows. */
async function applyFilters(page, expected) {
  await page.getByRole('button', { name: 'Filtrer', exact: true }).click();
  await page.waitForFunction(
    (n) => {
      const count = document.querySelector('.mediator-list .count');
      const rows = document.querySelectorAll('table.profiles-table tbody tr').length;
      return count && !document.querySelector('.mediator-list .wiping') && (n === 0 ? /Aucun/.test(count.textContent) : rows === n);
    },
    expected,
  );
}

test('mediator: the list, its filters, one profile; zero axe violations', async () => {
  const { context, page, problems } = await openList();
  const codes = await rowCodes(page);
  assert.equal(codes.length, PEOPLE.length, 'one row per profile');
  assert.deepEqual(new Set(codes), new Set(seeded.map((s) => s.code)));
  assert.deepEqual(codes, seeded.map((s) => s.code).reverse(), 'newest first');
  assert.match(await page.locator('.mediator-list .count').innerText(), new RegExp(`^${PEOPLE.length}\\sprofils`));
  const table = page.locator('table.profiles-table');
  assert.equal(await table.locator('caption').innerText(), 'Profils, du plus récent au plus ancien');
  assert.equal(await table.locator('thead th[scope=col]').count(), 6);
  assert.equal(await table.locator('tbody th[scope=row]').count(), PEOPLE.length);
  assert.ok((await table.innerText()).includes('Aïcha'));
  assert.equal(await page.title(), 'Profils de votre structure — Repère');
  await checkScreen(page, 'mediator, list');
  assert.ok(await fitsWidth(page));
  await screenshot(page, 'mediator-list');

  // Orientation: the rows are the profiles the server counts for that filter.
  const orientation = seeded[0].profile.orientation.modality.id;
  const expected = seeded.filter((s) => s.profile.orientation.modality.id === orientation).map((s) => s.code);
  await page.getByLabel('Orientation').selectOption(orientation);
  await applyFilters(page, expected.length);
  assert.deepEqual(new Set(await rowCodes(page)), new Set(expected), `orientation ${orientation}`);
  const api = await trainerApi.get(`/api/profiles?orientation=${orientation}`);
  assert.equal(api.json.count, expected.length);
  await page.getByRole('button', { name: 'Tout effacer' }).click();
  await page.waitForFunction((n) => document.querySelectorAll('table.profiles-table tbody tr').length === n, PEOPLE.length);

  // A domain without its level: said at the level's field.
  await page.getByLabel('Domaine', { exact: true }).selectOption('safety');
  await page.getByRole('button', { name: 'Filtrer', exact: true }).click();
  await page.getByText('Choisissez aussi le niveau dans ce domaine.').waitFor();
  await waitForFocus(page, 'f-level');
  await checkScreen(page, 'mediator, filter error');

  // A domain at a level.
  const level = seeded[4].profile.domains.find((d) => d.id === 'safety').level.id;
  const atLevel = seeded
    .filter((s) => s.profile.domains.some((d) => d.id === 'safety' && d.level.id === level))
    .map((s) => s.code);
  await page.getByLabel('Niveau dans ce domaine').selectOption(level);
  await applyFilters(page, atLevel.length);
  assert.deepEqual(new Set(await rowCodes(page)), new Set(atLevel), `safety at ${level}`);

  // A skill to work on, with the domain level kept.
  const skill = seeded[4].profile.skills.find((s) => s.to_work_on).id;
  const both = seeded
    .filter((s) => atLevel.includes(s.code) && s.profile.skills.some((k) => k.id === skill && k.to_work_on))
    .map((s) => s.code);
  await page.getByLabel('Compétence à travailler').selectOption(skill);
  await applyFilters(page, both.length);
  assert.deepEqual(new Set(await rowCodes(page)), new Set(both), `and ${skill} to work on`);
  await page.getByRole('button', { name: 'Tout effacer' }).click();
  await page.waitForFunction((n) => document.querySelectorAll('table.profiles-table tbody tr').length === n, PEOPLE.length);

  // One profile, then back to the list with the focus on its row.
  const first = seeded[0];
  await page.getByRole('button', { name: `Ouvrir le profil ${first.code}` }).click();
  await page.getByRole('heading', { level: 1, name: 'Résultat de Aïcha' }).waitFor();
  const main = await page.locator('main').innerText();
  assert.ok(main.includes(first.profile.class.label));
  assert.ok(main.includes(first.profile.orientation.modality.label));
  const data = page.getByRole('link', { name: 'Télécharger ses données' });
  assert.equal(await data.getAttribute('href'), `/api/results/${first.code}/data`);
  await checkScreen(page, 'mediator, one profile');
  await screenshot(page, 'mediator-profile');
  await page.getByRole('button', { name: 'Retour à la liste' }).click();
  await page.getByRole('heading', { level: 1, name: 'Profils de votre structure' }).waitFor();
  await waitForFocus(page, `open-${first.code}`);
  assertClean(problems, REFUSALS);
  await context.close();
});

test('mediator: CSV and JSON exports, with the filters of the list', async () => {
  const { context, page, problems } = await openList();

  // All profiles, as CSV: BOM, `;`, French headers, DD/MM/YYYY, one row each.
  const csvLink = page.getByRole('link', { name: 'Tableur (CSV)' });
  assert.equal(await csvLink.getAttribute('href'), '/api/export?format=csv');
  let [download] = await Promise.all([page.waitForEvent('download'), csvLink.click()]);
  let bytes = readFileSync(await download.path());
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 byte-order mark');
  assert.match(download.suggestedFilename(), /^repere-profils-\d{4}-\d{2}-\d{2}\.csv$/);
  let text = bytes.subarray(3).toString('utf8');
  assert.ok(text.includes('\r\n'), 'CRLF line ends');
  let rows = parseCsv(text).filter((r) => r.length > 1);
  const header = rows[0];
  assert.deepEqual(header.slice(0, 5), ['Code', 'Date', 'Heure', 'Prénom ou initiales', 'Lieu du test']);
  assert.ok(header.includes("Classe d'autonomie") && header.includes('Orientation'), header.join(';'));
  assert.ok(header.includes('Questions posées') && header.includes('Réponses « Je ne sais pas »'), header.join(';'));
  assert.ok(!header.includes('Passé') && !header.includes('Questions passées'), 'no ambiguous « passé »');
  assert.ok(!header.some((h) => h.includes('θ')), 'no θ in the trainer\'s export');
  assert.ok(header.some((h) => h.startsWith('Contexte : ')), 'the context answers');
  assert.ok(header.some((h) => h.startsWith('Domaine : ')) && header.some((h) => h.startsWith('Compétence : ')));
  const body = rows.slice(1);
  assert.equal(body.length, PEOPLE.length, 'one row per profile');
  for (const row of body) {
    assert.equal(row.length, header.length, 'every row has every column');
    assert.match(row[1], /^\d{2}\/\d{2}\/\d{4}$/, `date DD/MM/YYYY: ${row[1]}`);
    assert.match(row[2], /^\d{2}:\d{2}$/, `time HH:MM: ${row[2]}`);
    assert.equal(row[4], 'Au guichet');
  }
  assert.deepEqual(new Set(body.map((r) => r[0])), new Set(seeded.map((s) => s.code)));
  const person = header.indexOf('Prénom ou initiales');
  assert.ok(body.some((r) => r[person] === 'Aïcha'), 'accents survive');
  assert.ok(body.some((r) => r[person] === "'=Gaëlle"), 'a typed cell starting with = is defused');
  const classColumn = header.indexOf("Classe d'autonomie");
  const dontKnow = header.indexOf('Réponses « Je ne sais pas »');
  for (const s of seeded) {
    const row = body.find((r) => r[0] === s.code);
    assert.equal(row[classColumn], s.profile.class.label, `class of ${s.code}`);
    assert.equal(row[dontKnow], String(s.skipped), `« Je ne sais pas » of ${s.code}`);
  }

  // With a filter: the links carry it, the file holds only those profiles.
  const orientation = seeded[4].profile.orientation.modality.id;
  const expected = seeded.filter((s) => s.profile.orientation.modality.id === orientation).map((s) => s.code);
  await page.getByLabel('Orientation').selectOption(orientation);
  await applyFilters(page, expected.length);
  assert.equal(await csvLink.getAttribute('href'), `/api/export?format=csv&orientation=${orientation}`);
  [download] = await Promise.all([page.waitForEvent('download'), csvLink.click()]);
  bytes = readFileSync(await download.path());
  rows = parseCsv(bytes.subarray(3).toString('utf8')).filter((r) => r.length > 1);
  assert.deepEqual(new Set(rows.slice(1).map((r) => r[0])), new Set(expected), 'the filtered rows only');

  const jsonLink = page.getByRole('link', { name: 'Données (JSON)' });
  assert.equal(await jsonLink.getAttribute('href'), `/api/export?format=json&orientation=${orientation}`);
  [download] = await Promise.all([page.waitForEvent('download'), jsonLink.click()]);
  const json = JSON.parse(readFileSync(await download.path(), 'utf8'));
  const list = Array.isArray(json) ? json : json.profiles;
  assert.ok(Array.isArray(list), 'a list of profiles');
  assert.deepEqual(new Set(list.map((p) => p.code)), new Set(expected));
  assert.ok(list.every((p) => p.place.label === 'Au guichet' && p.theta === undefined));

  // The technical export: the same filters, θ and its SE, no first name.
  const technical = page.getByRole('link', { name: 'Export technique (CSV)' });
  assert.equal(await technical.getAttribute('href'), `/api/export/technical?format=csv&orientation=${orientation}`);
  [download] = await Promise.all([page.waitForEvent('download'), technical.click()]);
  assert.match(download.suggestedFilename(), /^repere-technique-\d{4}-\d{2}-\d{2}\.csv$/);
  bytes = readFileSync(await download.path());
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 byte-order mark');
  text = bytes.subarray(3).toString('utf8');
  rows = parseCsv(text).filter((r) => r.length > 1);
  const theta = rows[0].indexOf('Estimation θ (logits)');
  assert.ok(theta > 0 && rows[0].includes('Erreur type de θ'), rows[0].join(';'));
  assert.ok(!rows[0].includes('Prénom ou initiales') && !text.includes('Aïcha'), 'no first name');
  assert.deepEqual(new Set(rows.slice(1).map((r) => r[0])), new Set(expected));
  for (const row of rows.slice(1)) {
    const s = seeded.find((x) => x.code === row[0]);
    assert.ok(Math.abs(Number(row[theta].replace(',', '.')) - s.theta) <= 5e-4, `θ of ${s.code}`);
  }
  await checkScreen(page, 'mediator, list with the technical export');
  assertClean(problems, REFUSALS);
  await context.close();
});

test('mediator: the address keeps the filters and the opened profile; Back, Forward and reload', async () => {
  const { context, page, problems } = await openList();
  const path = () => new URL(page.url()).pathname + new URL(page.url()).search;
  const orientationSelect = page.getByLabel('Orientation');
  assert.equal(path(), '/mediateur');

  // A filter applied: in the address, a new history entry.
  const orientation = seeded[4].profile.orientation.modality.id;
  const expected = seeded.filter((s) => s.profile.orientation.modality.id === orientation).map((s) => s.code);
  await orientationSelect.selectOption(orientation);
  await applyFilters(page, expected.length);
  assert.equal(path(), `/mediateur?orientation=${orientation}`);

  // Reload: the same filter, in the form and in the list.
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Profils de votre structure' }).waitFor();
  await page.waitForFunction((n) => document.querySelectorAll('table.profiles-table tbody tr').length === n, expected.length);
  assert.deepEqual(new Set(await rowCodes(page)), new Set(expected), 'reload keeps the filter');
  assert.equal(await orientationSelect.inputValue(), orientation);
  await checkScreen(page, 'mediator, filtered list after a reload');

  // A profile opened: its code in the address.
  const code = (await rowCodes(page))[0];
  const person = seeded.find((s) => s.code === code).person;
  const heading = person ? `Résultat de ${person}` : 'Résultat du test';
  await page.getByRole('button', { name: `Ouvrir le profil ${code}` }).click();
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  assert.equal(path(), `/mediateur?orientation=${orientation}&profil=${code}`);

  // Back: the filtered list, inside the app, the focus on the row's button.
  await page.goBack();
  await page.getByRole('heading', { level: 1, name: 'Profils de votre structure' }).waitFor();
  assert.equal(path(), `/mediateur?orientation=${orientation}`);
  await page.waitForFunction((n) => document.querySelectorAll('table.profiles-table tbody tr').length === n, expected.length);
  assert.deepEqual(new Set(await rowCodes(page)), new Set(expected), 'Back keeps the filter');
  assert.equal(await orientationSelect.inputValue(), orientation);
  await waitForFocus(page, `open-${code}`);
  await checkScreen(page, 'mediator, filtered list after Back');

  // Forward: the profile again; reload: still the profile.
  await page.goForward();
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  assert.equal(path(), `/mediateur?orientation=${orientation}&profil=${code}`);
  await page.reload();
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  await checkScreen(page, 'mediator, profile after a reload');

  // « Retour à la liste » is Back: the filtered list, and the entry before it is
  // the list without filters.
  await page.getByRole('button', { name: 'Retour à la liste' }).click();
  await page.getByRole('heading', { level: 1, name: 'Profils de votre structure' }).waitFor();
  assert.equal(path(), `/mediateur?orientation=${orientation}`);
  await page.waitForFunction((n) => document.querySelectorAll('table.profiles-table tbody tr').length === n, expected.length);
  await page.goBack();
  assert.equal(path(), '/mediateur');
  await page.waitForFunction((n) => document.querySelectorAll('table.profiles-table tbody tr').length === n, PEOPLE.length);
  assert.equal(await orientationSelect.inputValue(), '', 'the form follows Back');

  // A profile's address opened directly: « Retour à la liste » shows the list in
  // place of it.
  await page.goto(new URL(`/mediateur?profil=${seeded[1].code}`, server.url).href);
  await page.getByRole('heading', { level: 1, name: 'Résultat de Bruno' }).waitFor();
  await page.getByRole('button', { name: 'Retour à la liste' }).click();
  await page.getByRole('heading', { level: 1, name: 'Profils de votre structure' }).waitFor();
  assert.equal(path(), '/mediateur');

  // The sessions tab has its address too; Back returns to the list.
  await page.getByRole('button', { name: 'Préparer des séances' }).click();
  await page.getByRole('heading', { level: 1, name: 'Préparer des séances' }).waitFor();
  assert.equal(path(), '/mediateur?vue=seances');
  await page.goBack();
  await page.getByRole('heading', { level: 1, name: 'Profils de votre structure' }).waitFor();
  assert.equal(path(), '/mediateur');
  assertClean(problems, REFUSALS);
  await context.close();
});

test('mediator: groups for sessions and the printable plan', async () => {
  const { context, page, problems } = await openList();
  await page.getByRole('button', { name: 'Préparer des séances' }).click();
  await page.getByRole('heading', { level: 1, name: 'Préparer des séances' }).waitFor();
  await page.waitForFunction(() => document.activeElement?.tagName === 'H1');
  assert.equal(await page.getByRole('button', { name: 'Préparer des séances' }).getAttribute('aria-current'), 'page');
  await checkScreen(page, 'mediator, sessions');

  const size = page.getByLabel('Nombre de personnes par groupe, au plus');
  await size.fill('1');
  await page.getByRole('button', { name: 'Former les groupes' }).click();
  await page.getByText('Écrivez un nombre de 2 à 30.').waitFor();
  await waitForFocus(page, 'group-size');

  await size.fill('3');
  await page.getByRole('button', { name: 'Former les groupes' }).click();
  await page.locator('section.group').first().waitFor();
  const api = await trainerApi.get('/api/groups?size=3');
  assert.equal(api.status, 200);
  const groups = page.locator('section.group');
  assert.equal(await groups.count(), api.json.groups.length);
  for (const [k, g] of api.json.groups.entries()) {
    const block = groups.nth(k);
    assert.match(await block.getByRole('heading', { level: 2 }).innerText(), new RegExp(`^Groupe ${g.number} : ${g.size}`));
    assert.equal(await block.locator('tbody tr').count(), g.members.length);
    assert.equal(await block.locator('caption').innerText(), `Personnes du groupe ${g.number}`);
    assert.equal(await block.locator('ol.priorities li').count(), Math.min(6, g.priorities.length));
    if (g.priorities.length > 0) {
      assert.ok((await block.locator('ol.priorities li').first().innerText()).includes(g.priorities[0].label));
    }
  }
  const placed = api.json.groups.reduce((n, g) => n + g.members.length, 0);
  assert.equal(placed, PEOPLE.length, 'everyone is in a group');
  await page.waitForFunction(() => /groupes? formés?/.test(document.querySelector('[role=status]')?.textContent || ''));
  await checkScreen(page, 'mediator, groups');
  await screenshot(page, 'mediator-sessions');

  await page.emulateMedia({ media: 'print' });
  await page.setViewportSize({ width: 794, height: 1123 });
  const hidden = await page.evaluate(() =>
    ['.tabs', '.account-bar', '.top-bar', 'form'].map((s) => [...document.querySelectorAll(s)].every((e) => e.getClientRects().length === 0)),
  );
  assert.deepEqual(hidden, [true, true, true, true], 'the plan prints without menus or forms');
  await screenshot(page, 'mediator-plan-print');
  await page.emulateMedia({ media: 'screen' });
  assertClean(problems, REFUSALS);
  await context.close();
});

test('mediator: 320 px, wrong areas, /connexion leads to the role', async () => {
  const { context, page, problems } = await openList(LAYOUTS.narrow);
  assert.ok(await fitsWidth(page), 'the list fits 320 px (the table scrolls in its own region)');
  assert.deepEqual(await targetProblems(page), []);
  await checkScreen(page, 'mediator, list, 320 px');
  await screenshot(page, 'mediator-narrow');

  // The mediator at the agent's address.
  await page.goto(new URL('/agent', server.url).href);
  await page.getByRole('heading', { level: 1, name: 'Page réservée' }).waitFor();
  await page.getByRole('link', { name: "Aller à l'espace médiateur" }).click();
  await page.getByRole('heading', { level: 1, name: 'Profils de votre structure' }).waitFor();
  await page.getByRole('button', { name: 'Se déconnecter' }).click();
  await page.getByRole('heading', { level: 1, name: 'Connexion' }).waitFor();

  // /connexion takes each role to its area; the agent cannot read the list.
  await page.goto(new URL('/connexion', server.url).href);
  await loginThroughForm(page, accounts.agent);
  await page.waitForURL(/\/agent$/);
  await page.getByRole('heading', { level: 1, name: 'Nouveau dépistage' }).waitFor();
  await page.goto(new URL('/mediateur', server.url).href);
  await page.getByRole('heading', { level: 1, name: 'Page réservée' }).waitFor();
  await checkScreen(page, 'wrong area');
  assertClean(problems, REFUSALS);
  await context.close();
});
