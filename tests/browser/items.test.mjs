// Every item type rendered as HTML (through the /apercu area): operable by
// pointer and keyboard, the response it produces scored by the items crate, an
// axe-core audit at the default and at the largest text size, and screenshots.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServerAndBrowser, stopServerAndBrowser } from './lib/server.mjs';
import { openPage, audit, auditRules, screenshot } from './lib/browser.mjs';
import {
  LAYOUTS,
  waitForApp,
  targetProblems,
  fitsWidth,
  reflowProblems,
  consoleErrorsBesidesFallback,
} from './lib/app.mjs';

let server;
let browser;

before(async () => {
  ({ server, browser } = await startServerAndBrowser());
});

after(() => stopServerAndBrowser({ server, browser }));

/** Opens the preview of one item; `size` is the text size setting. */
async function openItem(id, { size = 'normal', viewport } = {}) {
  const opened = await openPage(browser, viewport ? { viewport } : {});
  const { page } = opened;
  if (size !== 'normal') {
    await page.addInitScript((s) => {
      sessionStorage.setItem('repere.settings', JSON.stringify({ text_size: s }));
    }, size);
  }
  await page.goto(`${server.url}apercu?item=${id}`);
  await waitForApp(page);
  await page.locator(`article.item[data-item="${id}"]`).waitFor();
  return opened;
}

/** The JSON response and the score shown after answering. */
async function outcome(page) {
  await page.locator('.response-json').waitFor();
  return {
    response: JSON.parse(await page.locator('.response-json').textContent()),
    score: (await page.locator('.response-score').textContent()).trim(),
  };
}

/** Audits the item at the default size (with AAA contrast) and the largest. */
async function auditBothSizes(id, label, prepare = async () => {}) {
  for (const size of ['normal', 'larger']) {
    const { context, page, problems } = await openItem(id, { size });
    await prepare(page);
    const results = await audit(page, `${label} (${size})`);
    assert.deepEqual(results.violations, [], `${label} (${size}): no axe violation`);
    if (size === 'normal') {
      const aaa = await auditRules(page, label, ['color-contrast-enhanced']);
      assert.deepEqual(aaa.violations, [], `${label}: AAA contrast`);
    }
    assert.deepEqual(await targetProblems(page, { within: 'main' }), [], `${label} (${size}): targets`);
    assert.ok(await fitsWidth(page), `${label} (${size}): no sideways scrolling`);
    await screenshot(page, `item-${label}${size === 'normal' ? '' : '-largest'}`);
    assert.deepEqual(problems.pageErrors, []);
    assert.deepEqual(consoleErrorsBesidesFallback(problems), []);
    assert.deepEqual(problems.foreignRequests, []);
    await context.close();
  }
}

test('single choice with pictures: choose, « Valider ma réponse », the crate scores 1', async () => {
  await auditBothSizes('mail.attach.01', 'single-pictures');
  const { context, page } = await openItem('mail.attach.01');
  // « Valider » with nothing chosen: a calm hint, nothing sent.
  await page.getByRole('button', { name: 'Valider ma réponse' }).click();
  await page.locator('p.hint', { hasText: /^Choisissez une réponse\. Ou touchez/ }).waitFor();
  assert.equal(await page.locator('.response-json').count(), 0);
  await page.getByRole('radio', { name: 'Un trombone' }).check();
  await page.getByRole('button', { name: 'Valider ma réponse' }).click();
  assert.deepEqual(await outcome(page), { response: { choice: 0 }, score: '1 sur 1' });
  await context.close();
});

test('single choice with text, by keyboard only; « Je ne sais pas » skips', async () => {
  await auditBothSizes('web.browse.03', 'single-text');
  const { context, page } = await openItem('web.browse.03');
  const radio = page.getByRole('radio', { name: 'www.service-public.gouv.fr' });
  await radio.focus();
  await page.keyboard.press('Space');
  assert.ok(await radio.isChecked());
  await page.getByRole('button', { name: 'Valider ma réponse' }).focus();
  await page.keyboard.press('Enter');
  assert.equal((await outcome(page)).score, '1 sur 1');
  await page.getByRole('button', { name: 'Recommencer' }).click();
  await page.getByRole('button', { name: 'Je ne sais pas' }).click();
  assert.deepEqual(await outcome(page), { response: 'skip', score: '0 sur 1' });
  await context.close();
});

test('multiple choice: exactly the right set', async () => {
  await auditBothSizes('mail.attach.06', 'multiple');
  const { context, page } = await openItem('mail.attach.06');
  await page.getByRole('checkbox', { name: 'Avis-impot-2025.pdf' }).check();
  await page.getByRole('checkbox', { name: 'Photo-anniversaire.jpg' }).check();
  await page.getByRole('checkbox', { name: 'Photo-anniversaire.jpg' }).uncheck();
  await page.getByRole('checkbox', { name: 'Facture-electricite-mars.pdf' }).check();
  await page.getByRole('button', { name: 'Valider ma réponse' }).click();
  assert.deepEqual(await outcome(page), { response: { choices: [0, 2] }, score: '1 sur 1' });
  await context.close();
});

test('hotspot: a tap on the picture, or the arrow keys and Enter', async () => {
  await auditBothSizes('mail.attach.02', 'hotspot');
  const { context, page } = await openItem('mail.attach.02');
  const picture = page.locator('.hotspot-button');
  const box = await picture.boundingBox();
  // The paper clip: x 228..294, y 4..74 in a 360 x 640 view box.
  await page.mouse.click(box.x + (261 / 360) * box.width, box.y + (39 / 640) * box.height);
  assert.ok(await page.locator('.hotspot-marker').isVisible(), 'the chosen place is marked');
  await screenshot(page, 'item-hotspot-chosen');
  await page.getByRole('button', { name: 'Valider ma réponse' }).click();
  const tapped = await outcome(page);
  assert.equal(tapped.score, '1 sur 1');
  assert.ok(Math.abs(tapped.response.point.x - 261) < 3 && Math.abs(tapped.response.point.y - 39) < 3);

  await page.getByRole('button', { name: 'Recommencer' }).click();
  await page.locator('.hotspot-button').focus();
  for (const key of ['Shift+ArrowRight', 'Shift+ArrowRight', 'Shift+ArrowUp', 'Shift+ArrowUp', 'Shift+ArrowUp', 'Shift+ArrowUp']) {
    await page.keyboard.press(key);
  }
  assert.ok(await page.locator('.hotspot-cursor').isVisible(), 'the keyboard marker shows');
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: 'Valider ma réponse' }).click();
  const typed = await outcome(page);
  assert.equal(typed.score, '1 sur 1', `keyboard point ${JSON.stringify(typed.response)}`);
  await context.close();
});

test('hotspot pictures are readable on a landscape tablet; keyboard help only where there is a keyboard', async () => {
  // A landscape tablet: the picture is at least 360 px wide (its text 18 px or more).
  const tablet = await openItem('mail.attach.02', { viewport: LAYOUTS['tablet-landscape'] });
  const width = (await tablet.page.locator('.hotspot-button img').boundingBox()).width;
  assert.ok(width >= 359, `the picture is drawn ${width} px wide`);
  assert.ok(await tablet.page.locator('.keyboard-hint').isVisible(), 'with a mouse and keyboard, the keyboard help shows');
  await tablet.context.close();
  // A touch screen: no keyboard help.
  const touch = await openPage(browser, { viewport: LAYOUTS['tablet-portrait'], hasTouch: true });
  await touch.page.goto(`${server.url}apercu?item=mail.attach.02`);
  await touch.page.locator('article.item[data-item="mail.attach.02"]').waitFor();
  assert.equal(await touch.page.locator('.keyboard-hint').isVisible(), false, 'no keyboard help on a touch screen');
  assert.equal(
    (await touch.page.locator('main').innerText()).includes('Au clavier'),
    false,
    'nothing about a keyboard is shown',
  );
  await touch.context.close();
});

test('ordering: « Monter » / « Descendre », focus kept, new position announced', async () => {
  await auditBothSizes('device.wifi.06', 'ordering');
  const { context, page } = await openItem('device.wifi.06');
  const up = (name) => page.getByRole('button', { name: `Monter : ${name}` });
  await up('Ouvrir les Réglages').click();
  assert.equal(
    await page.evaluate(() => document.activeElement?.getAttribute('aria-label')),
    'Monter : Ouvrir les Réglages',
    'focus stays on the button pressed',
  );
  await page.waitForFunction(() => document.querySelector('[role=status]')?.textContent.includes('position 1'));
  await up('Activer le Wi-Fi').click();
  await up('Activer le Wi-Fi').click();
  await up('Choisir le nom de votre box').click();
  const texts = await page.locator('.ordering-text').allTextContents();
  assert.deepEqual(texts, [
    'Ouvrir les Réglages',
    'Activer le Wi-Fi',
    'Choisir le nom de votre box',
    'Taper le mot de passe de la box',
  ]);
  await page.getByRole('button', { name: 'Valider ma réponse' }).click();
  assert.deepEqual(await outcome(page), { response: { order: [1, 3, 2, 0] }, score: '1 sur 1' });
  await context.close();
});

test('short text entry: typed answer, normalised by the crate', async () => {
  await auditBothSizes('mail.write.01', 'text');
  const { context, page } = await openItem('mail.write.01');
  const field = page.getByLabel('Votre réponse');
  assert.equal(await field.getAttribute('type'), 'email');
  await field.fill('Lea.Durand@exemple.fr ');
  await page.getByRole('button', { name: 'Valider ma réponse' }).click();
  assert.equal((await outcome(page)).score, '1 sur 1');
  await context.close();
});

test('mailbox: open, reply, attach the right file, send', async () => {
  await auditBothSizes('mail.attach.04', 'mailbox');
  const { context, page } = await openItem('mail.attach.04');
  await page.getByRole('button', { name: /Mairie de Saint-Lô/ }).click();
  await page.getByRole('heading', { level: 2, name: "Votre demande de carte d'identité" }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H2', 'focus on the new simulated screen');
  await screenshot(page, 'item-mailbox-message');
  await page.getByRole('button', { name: 'Répondre' }).click();
  assert.equal(await page.getByLabel('À', { exact: true }).inputValue(), 'etat-civil@mairie-exemple.fr');
  await page.getByRole('button', { name: 'Joindre un fichier' }).click();
  const picker = await audit(page, 'mailbox file picker');
  assert.deepEqual(picker.violations, []);
  await page.getByRole('button', { name: 'Facture-electricite-mars.pdf' }).click();
  await page.getByText('Facture-electricite-mars.pdf').waitFor();
  await screenshot(page, 'item-mailbox-compose');
  await page.getByRole('button', { name: 'Envoyer' }).click();
  await page.getByRole('heading', { level: 2, name: 'Message envoyé' }).waitFor();
  await page.getByRole('button', { name: 'Valider ma réponse' }).click();
  const { response, score } = await outcome(page);
  assert.equal(score, '4 sur 4');
  assert.deepEqual(
    response.actions.filter((a) => a.do === 'tap').map((a) => a.target),
    ['m-mairie', 'reply', 'attach', 'f-facture', 'send'],
  );
  await context.close();
});

test('web form: submit, read the errors, fix them, submit again', async () => {
  const submitEmpty = async (page) => {
    await page.getByRole('button', { name: 'Envoyer la déclaration' }).click();
    await page.getByText('3 champs sont à corriger.').waitFor();
  };
  await auditBothSizes('procedures.form.06', 'form');
  await auditBothSizes('procedures.form.06', 'form-errors', submitEmpty);
  const { context, page } = await openItem('procedures.form.06');
  await submitEmpty(page);
  const date = page.getByLabel('Date du déménagement');
  assert.equal(await date.getAttribute('aria-invalid'), 'true');
  assert.match(
    await page.evaluate((el) => el.getAttribute('aria-describedby'), await date.elementHandle()),
    /error/,
    'the message is tied to its field',
  );
  await date.fill('01/10/2026');
  await date.blur();
  await page.getByLabel('Dans votre nouveau logement, vous êtes :').selectOption('Locataire');
  await page.getByRole('checkbox', { name: 'Je certifie que ces informations sont exactes.' }).check();
  await page.getByRole('button', { name: 'Envoyer la déclaration' }).click();
  await page.getByText('Votre déclaration est envoyée à la Caf.').waitFor();
  await page.getByRole('button', { name: 'Valider ma réponse' }).click();
  assert.equal((await outcome(page)).score, '4 sur 4');
  await context.close();
});

test('message to judge: choose a decision, change your mind, then « Valider ma réponse »', async () => {
  await auditBothSizes('safety.phishing.01', 'message');
  const { context, page } = await openItem('safety.phishing.01');
  const remove = page.getByRole('button', { name: 'Je supprime le SMS' });
  const link = page.getByRole('button', { name: 'http://ameli-remboursement-info.com' });
  await remove.click();
  assert.equal(await remove.getAttribute('aria-pressed'), 'true', 'chosen, not yet answered');
  await page.getByText('Votre choix : Je supprime le SMS.').waitFor();
  // A change of mind: the link, then the decision again.
  await link.click();
  assert.equal(await link.getAttribute('aria-pressed'), 'true');
  assert.equal(await remove.getAttribute('aria-pressed'), 'false');
  await page.getByText('Votre choix : ouvrir le lien http://ameli-remboursement-info.com.').waitFor();
  const chosen = await audit(page, 'message, a decision chosen');
  assert.deepEqual(chosen.violations, []);
  await remove.click();
  await page.getByRole('button', { name: 'Valider ma réponse' }).click();
  assert.deepEqual(await outcome(page), {
    response: { actions: [{ do: 'tap', target: 'supprimer' }] },
    score: '1 sur 1',
  });
  await page.getByRole('button', { name: 'Recommencer' }).click();
  await page.getByRole('button', { name: 'http://ameli-remboursement-info.com' }).click();
  await page.getByRole('button', { name: 'Valider ma réponse' }).click();
  assert.equal((await outcome(page)).score, '0 sur 1');
  await context.close();
});

test('phone settings: turn Wi-Fi on, choose the home network', async () => {
  await auditBothSizes('device.wifi.03', 'settings');
  const { context, page } = await openItem('device.wifi.03');
  const wifi = page.getByRole('switch', { name: 'Wi-Fi' });
  assert.equal(await wifi.getAttribute('aria-checked'), 'false');
  assert.equal(await page.getByRole('button', { name: /Box-Durand/ }).count(), 0, 'no network while Wi-Fi is off');
  await wifi.click();
  assert.equal(await wifi.getAttribute('aria-checked'), 'true');
  await page.getByRole('button', { name: /Box-Durand/ }).click();
  await page.getByText('Connecté').waitFor();
  const results = await audit(page, 'settings, Wi-Fi on');
  assert.deepEqual(results.violations, []);
  await screenshot(page, 'item-settings-connected');
  await page.getByRole('button', { name: 'Valider ma réponse' }).click();
  assert.equal((await outcome(page)).score, '2 sur 2');
  await context.close();
});

test('search results: choose the official site, not the advertisement', async () => {
  await auditBothSizes('web.official.01', 'search');
  const { context, page } = await openItem('web.official.01');
  assert.equal(await page.getByText('Sponsorisé', { exact: true }).count(), 1);
  await page.getByRole('button', { name: 'Commander une carte Vitale | ameli.fr | Assuré' }).click();
  await page.getByRole('button', { name: 'Valider ma réponse' }).click();
  assert.deepEqual(await outcome(page), {
    response: { actions: [{ do: 'tap', target: 'ameli' }] },
    score: '1 sur 1',
  });
  await context.close();
});

test('every item of the bank renders without error on a phone and answers « Je ne sais pas »', async () => {
  const { context, page, problems } = await openPage(browser, { viewport: { width: 390, height: 844 } });
  await page.goto(`${server.url}apercu`);
  await waitForApp(page);
  const ids = await page.locator('.preview-list a').allTextContents();
  assert.ok(ids.length >= 100, `${ids.length} items listed`);
  const wide = [];
  for (const id of ids) {
    await page.goto(`${server.url}apercu?item=${id}`);
    await page.locator(`article.item[data-item="${id}"]`).waitFor();
    if (!(await fitsWidth(page))) wide.push(id);
    await page.getByRole('button', { name: 'Je ne sais pas' }).click();
    await page.locator('.response-score').waitFor();
  }
  assert.deepEqual(wide, [], 'every item fits a phone without sideways scrolling');
  assert.deepEqual(problems.pageErrors, []);
  assert.deepEqual(consoleErrorsBesidesFallback(problems), []);
  assert.deepEqual(problems.foreignRequests, []);
  await context.close();
});

test('reflow: every item at 320 px with « Très grand » fits, nothing cut (WCAG 1.4.10)', async () => {
  const { context, page, problems } = await openPage(browser, { viewport: LAYOUTS.narrow });
  await page.addInitScript(() => {
    sessionStorage.setItem('repere.settings', JSON.stringify({ text_size: 'larger' }));
  });
  await page.goto(`${server.url}apercu`);
  await waitForApp(page);
  const ids = await page.locator('.preview-list a').allTextContents();
  assert.ok(ids.length >= 100, `${ids.length} items listed`);
  const found = [];
  for (const id of ids) {
    await page.goto(`${server.url}apercu?item=${id}`);
    await page.locator(`article.item[data-item="${id}"]`).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.textSize), 'larger');
    for (const p of await reflowProblems(page)) found.push(`${id}: ${p}`);
  }
  assert.deepEqual(found, [], 'every item reflows at 320 px with the largest text');
  assert.deepEqual(problems.pageErrors, []);
  await context.close();
});

