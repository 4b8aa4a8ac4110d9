// The bank's second edition in the browser: one item of each skill that
// référentiel 2.0.0 added (the skills absent from
// items/archive/1.0.0/referentiel.toml) and one item of each item type, shown in
// /apercu and answered right through the item drivers (lib/drivers.mjs), with
// zero axe-core violations, AAA contrast (7:1), targets of 48 px and nothing cut
// or scrolling sideways, at the default text size on a phone and at the largest
// on a 320 px screen. The simulations are checked in each look of the phone
// (app/src/render/look.rs: neutral, Android, iPhone), and the context question
// « Quel smartphone avez-vous ? » is shown to check that it chooses the look of
// the test's screens and is asked only when it makes sense.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServerAndBrowser, stopServerAndBrowser } from './lib/server.mjs';
import { openPage, audit, auditRules, screenshot } from './lib/browser.mjs';
import {
  LAYOUTS,
  waitForApp,
  targetProblems,
  reflowProblems,
  bodyFontSize,
  consoleErrorsBesidesFallback,
} from './lib/app.mjs';
import { scripted, respond, words } from './lib/drivers.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The skill ids of a référentiel file, in order (each `[[skill]]` starts with its `id`). */
function skillIds(path) {
  const text = readFileSync(join(root, path), 'utf8');
  return [...text.matchAll(/^\[\[skill\]\]\s*\nid\s*=\s*"([^"]+)"/gm)].map((m) => m[1]);
}

const firstEdition = skillIds('items/archive/1.0.0/referentiel.toml');
const secondEdition = skillIds('items/data/referentiel.toml');
const newSkills = secondEdition.filter((s) => !firstEdition.includes(s));
const bank = scripted(['bank']);
const types = Object.keys(bank.types).sort();

/** The item types drawn as a simulated screen, which follow the look of the phone. */
const SIMULATIONS = ['message', 'search', 'mailbox', 'form', 'settings'];
/** An SMS to judge, beside the message item chosen above (which may be an e-mail). */
const SMS = 'safety.phishing.01';
/** The looks: the preview's `systeme` parameter, and the class the screens get. */
const LOOKS = [
  { name: 'neutre', class: 'look-neutral' },
  { name: 'android', class: 'look-android' },
  { name: 'iphone', class: 'look-ios' },
];
/** The two ways an item is checked: default text on a phone, largest text at 320 px. */
const SIZES = [
  { size: 'normal', viewport: LAYOUTS.phone, px: 22 },
  { size: 'larger', viewport: LAYOUTS.narrow, px: 34 },
];

/**
 * One live item of each new skill (of a type not met yet when the skill has
 * one), then one item of each type still missing.
 */
function chooseItems() {
  const chosen = [];
  const met = new Set();
  for (const skill of newSkills) {
    const items = bank.items.filter((i) => i.id.startsWith(`${skill}.`));
    const pick = items.find((i) => !met.has(i.type)) ?? items[0];
    if (!pick) continue;
    chosen.push({ ...pick, why: `skill ${skill}` });
    met.add(pick.type);
  }
  for (const type of types) {
    if (met.has(type)) continue;
    chosen.push({ ...bank.items.find((i) => i.type === type), why: `type ${type}` });
    met.add(type);
  }
  // A message item may be an e-mail or an SMS: both, each drawn in its own way.
  if (!chosen.some((c) => c.id === SMS)) chosen.push({ ...bank.items.find((i) => i.id === SMS), why: 'an SMS' });
  return chosen;
}

const chosen = chooseItems();

let server;
let browser;

before(async () => {
  ({ server, browser } = await startServerAndBrowser());
});

after(() => stopServerAndBrowser({ server, browser }));

/** The JSON response and the score the preview shows after an answer. */
async function outcome(page) {
  await page.locator('.response-json').waitFor();
  return {
    response: JSON.parse(await page.locator('.response-json').textContent()),
    score: (await page.locator('.response-score').textContent()).trim(),
  };
}

/**
 * Opens the preview of item `id` in `look` (null: no parameter) at a text size,
 * in the high-contrast theme if `highContrast`.
 */
async function openItem(id, look, { size, viewport, highContrast = false }) {
  const opened = await openPage(browser, { viewport });
  const { page } = opened;
  if (size !== 'normal' || highContrast) {
    await page.addInitScript((settings) => {
      sessionStorage.setItem('repere.settings', JSON.stringify(settings));
    }, { text_size: size, high_contrast: highContrast });
  }
  await page.goto(`${server.url}apercu?item=${id}${look ? `&systeme=${look.name}` : ''}`);
  await waitForApp(page);
  await page.locator(`article.item[data-item="${id}"]`).waitFor();
  return opened;
}

/** The house rules on the screen shown: axe-core, AAA contrast, targets, reflow, text size. */
async function checkItemScreen(page, label, px) {
  const results = await audit(page, label);
  assert.deepEqual(results.violations, [], `${label}: no axe-core violation`);
  assert.ok(results.passes >= 10, `${label}: axe-core checked (${results.passes} rules passed)`);
  const aaa = await auditRules(page, label, ['color-contrast-enhanced']);
  assert.deepEqual(aaa.violations, [], `${label}: AAA contrast`);
  assert.deepEqual(await targetProblems(page, { within: 'main' }), [], `${label}: targets`);
  assert.deepEqual(await reflowProblems(page), [], `${label}: nothing cut, no sideways scrolling`);
  assert.ok((await bodyFontSize(page)) >= px, `${label}: body text of ${px} px at least`);
}

test('référentiel 2.0.0 adds 14 skills; each has a live item, and the items chosen meet every type', () => {
  assert.equal(firstEdition.length, 24, 'skills of référentiel 1.0.0');
  assert.equal(secondEdition.length, 38, 'skills of référentiel 2.0.0');
  assert.equal(newSkills.length, 14, newSkills.join(', '));
  const skillsMet = chosen.filter((c) => c.why.startsWith('skill ')).map((c) => c.why.slice(6));
  assert.deepEqual(skillsMet, newSkills, 'a live item for every new skill');
  assert.deepEqual([...new Set(chosen.map((c) => c.type))].sort(), types, 'every type of the bank');
  console.log(`# ${chosen.length} items: ${chosen.map((c) => `${c.id} (${c.type})`).join(', ')}`);
});

for (const item of chosen) {
  const looks = SIMULATIONS.includes(item.type) ? LOOKS : [null];
  test(`${item.id} (${item.why}, ${item.type}): answered right through the drivers, house rules at both text sizes${looks[0] ? ', in each look' : ''}`, async () => {
    const r = scripted(['item', item.id]);
    assert.equal(r.item.body.type, item.type);
    for (const look of looks) {
      for (const { size, viewport, px } of SIZES) {
        const label = `${item.id}${look ? ` ${look.name}` : ''} (${size})`;
        const { context, page, problems } = await openItem(item.id, look, { size, viewport });
        if (look) {
          assert.equal(await page.locator('article.item').getAttribute('data-look'), look.class, label);
          assert.equal(await page.locator(`section.sim.${look.class}`).count(), 1, `${label}: the simulation in its look`);
        }
        await checkItemScreen(page, label, px);
        await screenshot(page, `bank-${item.id}${look ? `-${look.name}` : ''}${size === 'normal' ? '' : '-largest'}`);
        await respond(page, r.item, r.right.response);
        assert.deepEqual(
          await outcome(page),
          { response: r.right.response, score: `${r.right.score} sur ${r.max_score}` },
          `${label}: the right response, full marks`,
        );
        // The screen the answer left (an e-mail sent, a form sent, a switch on).
        const after = await audit(page, `${label}, answered`);
        assert.deepEqual(after.violations, [], `${label}, answered: no axe-core violation`);
        assert.deepEqual(problems.pageErrors, [], label);
        assert.deepEqual(consoleErrorsBesidesFallback(problems), [], label);
        assert.deepEqual(problems.foreignRequests, [], label);
        await context.close();
      }
    }
  });
}

test('the mailbox attaches with a paper clip alone, named « Joindre un fichier », in each look', async () => {
  const r = scripted(['item', 'mail.attach.04']);
  const message = r.item.body.scene.message.find((m) => m.id === 'm-mairie');
  for (const look of LOOKS) {
    const { context, page } = await openItem('mail.attach.04', look, SIZES[0]);
    await page.getByRole('button', { name: new RegExp(message.from) }).click();
    await page.getByRole('button', { name: 'Répondre', exact: true }).click();
    const clip = page.getByRole('button', { name: 'Joindre un fichier', exact: true });
    assert.equal(await clip.count(), 1, look.name);
    assert.equal((await clip.innerText()).trim(), '', `${look.name}: no visible text, as in real mail apps`);
    assert.equal(await clip.locator('svg').count(), 1, `${look.name}: the paper clip`);
    assert.equal(await clip.getAttribute('title'), 'Joindre un fichier', `${look.name}: a pointer's tooltip`);
    await checkItemScreen(page, `composer ${look.name}`, 22);
    await screenshot(page, `bank-composer-${look.name}`);
    await clip.click();
    await page.getByRole('heading', { level: 2, name: look.name === 'iphone' ? 'Récents' : 'Choisir un fichier' }).waitFor();
    await context.close();
  }
});

test('in the high-contrast theme each look keeps its shapes and takes the theme\'s colours: house rules met', async () => {
  for (const id of ['device.power.03', SMS, 'web.official.01', 'procedures.bank.06']) {
    for (const look of LOOKS) {
      const { context, page } = await openItem(id, look, { ...SIZES[0], highContrast: true });
      assert.equal(await page.evaluate(() => document.documentElement.dataset.contrast), 'high');
      await checkItemScreen(page, `${id} ${look.name} (high contrast)`, 22);
      await screenshot(page, `bank-${id}-${look.name}-contrast`);
      await context.close();
    }
  }
});

test('the settings app has the name it has on the phone; an item\'s own screen keeps its title', async () => {
  const names = { neutre: 'Réglages', android: 'Paramètres', iphone: 'Réglages' };
  for (const look of LOOKS) {
    const { context, page } = await openItem('device.wifi.03', look, SIZES[0]);
    assert.equal((await page.locator('.sim-settings .sim-app').textContent()).trim(), names[look.name], look.name);
    await context.close();
  }
});

/**
 * From the welcome screen: « Commencer », then `answer[heading]` on each context
 * question shown, until the first item; returns each question's heading and its
 * progress line once answered (white space as plain spaces: `words`).
 */
async function contextThenFirstItem(page, answer) {
  await page.getByRole('button', { name: 'Commencer' }).click();
  const shown = [];
  for (let i = 0; i < 10; i += 1) {
    const screen = page.locator('.screen.context');
    await screen.or(page.locator('article.item')).first().waitFor();
    if (!(await screen.isVisible())) return shown;
    const heading = (await screen.locator('h1').textContent()).trim();
    const choice = answer[words(heading)];
    if (choice) await page.getByRole(choice.role, { name: choice.name, exact: true }).check();
    shown.push({ heading: words(heading), progress: words(await screen.locator('.progress').textContent()) });
    await page.getByRole('button', { name: 'Continuer' }).click();
    await page.waitForFunction(
      (h) => document.querySelector('article.item') || document.querySelector('.screen.context h1')?.textContent.trim() !== h,
      heading,
    );
  }
  throw new Error('more than 10 context questions');
}

test('« Quel smartphone avez-vous ? » follows « Un smartphone » only, and its answer is the look of the test', async () => {
  const devices = 'Quels appareils avez-vous chez vous ?';
  const phone = 'Quel smartphone avez-vous ?';
  const cases = [
    {
      answer: {
        [devices]: { role: 'checkbox', name: 'Un smartphone' },
        [phone]: { role: 'radio', name: 'Un iPhone' },
      },
      asked: [devices, phone],
      total: 5,
      look: 'look-ios',
      kept: ['equipment:smartphone', 'phone:iphone'],
    },
    {
      answer: {
        [devices]: { role: 'checkbox', name: 'Un smartphone' },
        [phone]: { role: 'radio', name: 'Un Android (Samsung, Xiaomi, Oppo…)' },
      },
      asked: [devices, phone],
      total: 5,
      look: 'look-android',
      kept: ['equipment:smartphone', 'phone:android'],
    },
    {
      answer: { [devices]: { role: 'checkbox', name: 'Aucun appareil' } },
      asked: [devices],
      total: 4,
      look: 'look-neutral',
      kept: ['equipment:none'],
    },
  ];
  for (const c of cases) {
    const { context, page, problems } = await openPage(browser, { viewport: LAYOUTS.phone });
    await page.goto(server.url);
    await waitForApp(page);
    const shown = await contextThenFirstItem(page, c.answer);
    const headings = shown.map((s) => s.heading);
    assert.deepEqual(headings.slice(0, c.asked.length), c.asked, `${c.look}: the questions first shown`);
    assert.equal(headings.includes(phone), c.asked.includes(phone), `${c.look}: the phone question asked or not`);
    assert.deepEqual(
      shown.map((s) => s.progress),
      headings.map((_, i) => `Quelques questions sur vous : ${i + 1} sur ${c.total}`),
      `${c.look}: the progress counts the questions asked`,
    );
    assert.equal(await page.locator('article.item').getAttribute('data-look'), c.look, 'the look of the test');
    const kept = await page.evaluate(() => JSON.parse(sessionStorage.getItem('repere.progress')).context);
    assert.deepEqual(kept, c.kept, 'the answers kept for the log');
    assert.deepEqual(problems.pageErrors, []);
    await context.close();
  }
});
