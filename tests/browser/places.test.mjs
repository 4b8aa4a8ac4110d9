// Orientation that leads somewhere: the mediation places on every result. The
// real server (`--demo`: a structure in the fictional town of Villefictive, among
// fictional places of the national format) serves the built app; headless
// Chromium drives it; axe-core audits every screen.
//
// - The agent's screening: the result shows three places with their name,
//   distance, address, opening hours in words, how to go, cost, and the sentence
//   the agent can say; the printed sheet has them, with the QR code of the booking
//   link (screenshot and PDF in artifacts/).
// - A kiosk keeps its structure's places: its result shows them without network.
// - Before a test, the person is told what is kept, for whom, how long, and what
//   is wiped.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServerAndBrowser, stopServerAndBrowser } from './lib/server.mjs';
import { assertClean, checkScreen } from './lib/checks.mjs';
import { openPage, screenshot, artifactsDir } from './lib/browser.mjs';
import { LAYOUTS, waitForApp, stubSpeech } from './lib/app.mjs';
import { demoAccounts, answerLog, versions, loginThroughForm, apiSession } from './lib/staff.mjs';
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

// A 401 of `GET /api/me` before the login is logged by Chromium as a failed
// resource; anything else is a bug.
const REFUSALS = /status of 401/;

/** The text of a place card, spaces made plain. */
const plain = (s) => s.replace(/\s+/g, ' ').trim();

test('agent: the result shows three places and a sentence; the printed sheet has them', async () => {
  const { context, page, problems } = await openPage(browser, { viewport: LAYOUTS['tablet-portrait'] });
  await page.goto(new URL('/agent', server.url).href);
  await waitForApp(page);
  await loginThroughForm(page, accounts.agent);
  await page.getByRole('heading', { level: 1, name: 'Nouveau dépistage' }).waitFor();
  await page.getByRole('button', { name: 'Commencer le dépistage' }).click();
  await page.getByRole('heading', { level: 1, name: 'Donnez la tablette à la personne' }).waitFor();
  const href = await page.getByRole('link', { name: 'Commencer le test' }).getAttribute('href');
  const screening = new URL(href, server.url).searchParams.get('screening');
  // The person's answer log goes to the screening (what the test-taking flow sends).
  const sent = await page.evaluate(
    async ({ screening, log }) => {
      const me = await (await fetch('/api/me')).json();
      const r = await fetch(`/api/screenings/${screening}/result`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token },
        body: JSON.stringify(log),
      });
      return { status: r.status, body: await r.json() };
    },
    { screening, log: answerLog(bank, { rightShare: 0.4 }) },
  );
  assert.equal(sent.status, 201, JSON.stringify(sent.body));
  const { code } = sent.body;
  const agent = await apiSession(server.url, accounts.agent);
  const view = (await agent.get(`/api/results/${code}`)).json;
  assert.equal(view.places.length, 3, 'three places for the demo structure');

  await page.goto(new URL(`/agent?resultat=${code}`, server.url).href);
  await page.getByRole('heading', { level: 1, name: 'Résultat du test' }).waitFor();
  const cards = page.locator('.place-card');
  assert.equal(await cards.count(), 3);
  for (const [i, p] of view.places.entries()) {
    const card = plain(await cards.nth(i).innerText());
    assert.equal(plain(await cards.nth(i).locator('h3').innerText()), p.nom);
    assert.ok(card.startsWith(p.nom), card);
    assert.ok(card.includes(p.place.adresse), `${p.nom}: address`);
    assert.match(card, /à (environ )?[\d,]+ (m|km)/, `${p.nom}: distance`);
    for (const line of p.horaires_fr) assert.ok(card.includes(plain(line)), `${p.nom}: ${line}`);
    assert.ok(card.includes('Comment y aller'), `${p.nom}: how to go`);
  }
  // The sentence the agent can say names the first place.
  const sentence = plain(await page.locator('.agent-sentence').innerText());
  assert.ok(sentence.includes(view.places[0].nom), sentence);
  assert.equal(plain(view.agent_sentence), sentence.replace(/^À dire à la personne /, ''));
  await checkScreen(page, 'agent, result with places', { fits: true });
  await screenshot(page, 'places-agent-result');

  // The printed sheet: the places are there, with the booking link's QR code.
  await page.setViewportSize({ width: 794, height: 1123 });
  await page.emulateMedia({ media: 'print' });
  const printed = await page.evaluate(() => {
    const visible = (el) => el.getClientRects().length > 0;
    return {
      cards: [...document.querySelectorAll('.place-card')].filter(visible).length,
      qrs: [...document.querySelectorAll('.place-card .qr svg')].filter(visible).length,
      buttons: [...document.querySelectorAll('.place-card .button')].filter(visible).length,
      sentence: [...document.querySelectorAll('.agent-sentence')].filter(visible).length,
    };
  });
  const booking = view.places.filter((p) => p.place.prise_rdv).length;
  assert.ok(booking >= 1, 'a demo place books online');
  assert.deepEqual(printed, { cards: 3, qrs: booking, buttons: 0, sentence: 0 });
  await screenshot(page, 'places-agent-print');
  const pdf = await page.pdf({ format: 'A4', printBackground: true });
  writeFileSync(join(artifactsDir, 'places-agent-print.pdf'), pdf);
  await page.emulateMedia({ media: 'screen' });
  assertClean(problems, REFUSALS);
  await context.close();
});

test('kiosk: before the test it says what is kept; offline, its result still shows its places', async () => {
  const { context, page, problems } = await openPage(browser, { viewport: LAYOUTS.kiosk });
  await stubSpeech(context, { voices: [{ lang: 'fr-FR', name: 'Française' }] });
  // The demo kiosk, paired as /borne does (a new installation code from the admin).
  const admin = await apiSession(server.url, accounts.admin);
  const kiosk = (await admin.get('/api/admin/kiosks')).json.kiosks.find((k) => k.name === 'Borne de démonstration');
  const code = (await admin.post(`/api/admin/kiosks/${kiosk.id}/code`, {})).json.code;
  const paired = await context.request.post(new URL('/api/kiosk/pair', server.url).href, { data: { code } });
  assert.equal(paired.status(), 204);

  await page.goto(server.url);
  assert.equal(await waitForApp(page), 'Repère');
  // What is kept, for whom, how long, what is wiped.
  const consent = plain(await page.locator('.consent').innerText());
  for (const words of [
    'Ce qui est gardé',
    'on ne vous demande pas votre nom',
    'envoyé à la structure de cette borne',
    'Ses médiateurs peuvent le lire',
    'effacé au bout de 12 mois',
    'Sur la borne, tout est effacé à la fin',
  ]) {
    assert.ok(consent.includes(words), `${words}: ${consent}`);
  }
  await checkScreen(page, 'kiosk, welcome with what is kept');
  await screenshot(page, 'places-kiosk-welcome');
  // The kiosk keeps its structure's places.
  await page.waitForFunction(async () => {
    const cache = await caches.open('repere-places');
    const kept = await cache.match('/api/kiosk/places');
    return kept ? (await kept.json()).places.length > 0 : false;
  });

  // No network from now on: the test runs, the result cannot be sent, the places show.
  await context.setOffline(true);
  await takeTest(page);
  const main = page.locator('main');
  await main.getByText("Votre résultat n'est pas envoyé.").waitFor({ timeout: 25_000 });
  const cards = page.locator('.place-card');
  await cards.first().waitFor();
  assert.equal(await cards.count(), 3);
  const text = plain(await page.locator('.places').innerText());
  assert.ok(text.startsWith('Où aller'), text);
  assert.match(text, /Villefictive|Bourg-Voisin/);
  // A kiosk opens nothing outside the test: no link, the QR code to scan instead.
  assert.equal(await page.locator('.place-card a').count(), 0);
  // Read aloud too: « Écouter » says the places, one by one.
  await page.getByRole('button', { name: 'Écouter' }).click();
  const spoken = await page.evaluate(() => window.__spoken.map((u) => u.text).join(' '));
  assert.match(spoken, /Où aller\. Lieu 1 : .+ Lieu 2 : .+ Lieu 3 : /);
  assert.ok(spoken.includes(plain(await cards.first().locator('h3').innerText())), spoken);
  await checkScreen(page, 'kiosk, offline result with places');
  await screenshot(page, 'places-kiosk-offline-result');
  // The print view keeps them.
  await page.getByRole('button', { name: 'Imprimer mon résultat' }).click();
  await page.locator('.print-sheet .place-card').first().waitFor();
  assert.equal(await page.locator('.print-sheet .place-card').count(), 3);
  await checkScreen(page, 'kiosk, print view with places');
  await context.setOffline(false);
  // The only console errors are the refused sends without network.
  assert.deepEqual(problems.pageErrors, []);
  assert.deepEqual(problems.foreignRequests, []);
  await context.close();
});
