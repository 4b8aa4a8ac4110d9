// Benchmark of the web app's weight and first paint (run by `cargo xtask bench`).
//
// - Weight: the gzip size (level 9) of the wasm and js Trunk wrote into
//   REPERE_DIST (fonts excluded), for each of the two bundles: the self-test
//   (`repere-app`, what `/`, a kiosk or a person's phone loads; target: at most
//   400 KB) and the staff screens (`repere-staff`, reported only).
// - First contentful paint of the app served by the real server on 127.0.0.1,
//   Chromium with a 4x CPU slowdown (CDP Emulation.setCPUThrottlingRate), a fresh
//   browser context per run (cold cache, no service worker). Median of RUNS runs.
//   Baseline, same run and same throttling: a static page of one paragraph
//   served from the same origin, so the ratio shows what the app itself costs.
//   Target: at most 1.5 s.
//
// Prints figures and ratios; never fails on a number (tests assert behaviour,
// benchmarks report times).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { startServer } from '../lib/server.mjs';
import { launch } from '../lib/browser.mjs';

const RUNS = Number(process.env.REPERE_BENCH_RUNS || 7);
const SLOWDOWN = 4;
const SIZE_TARGET_KB = 400;
const FCP_TARGET_MS = 1500;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const BUNDLES = [
  { name: 'repere-app', what: 'self-test bundle (/, kiosk, phone)', target: SIZE_TARGET_KB },
  { name: 'repere-staff', what: 'staff bundle (/connexion, /agent, /mediateur, /admin, /borne)' },
];

function weights(dist, bundle) {
  // Trunk's hashed output only (the service worker loads after the first paint).
  const hashed = new RegExp(`^${bundle}-[0-9a-f]{10,16}(_bg)?\\.(wasm|js)$`);
  const files = readdirSync(dist).filter((f) => hashed.test(f));
  if (files.length !== 2) throw new Error(`${dist}: expected the js and wasm of ${bundle}, found ${files.join(', ') || 'nothing'}`);
  const rows = files.map((f) => {
    const bytes = readFileSync(join(dist, f));
    return { file: f, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  });
  return rows;
}

async function firstPaint(browser, url, { baseline = false } = {}) {
  const context = await browser.newContext({ serviceWorkers: 'block' });
  const page = await context.newPage();
  if (baseline) {
    await page.route(url, (route) =>
      route.fulfill({
        status: 200,
        contentType: 'text/html; charset=utf-8',
        body: '<!DOCTYPE html><html lang="fr"><meta charset="utf-8"><title>Repère</title><p>Repère</p></html>',
      }),
    );
  }
  const cdp = await context.newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: SLOWDOWN });
  await page.goto(url);
  const fcp = await page.evaluate(
    () =>
      new Promise((resolve) => {
        const done = (entries) => {
          const e = entries.find((x) => x.name === 'first-contentful-paint');
          if (e) resolve(e.startTime);
        };
        done(performance.getEntriesByType('paint'));
        new PerformanceObserver((list) => done(list.getEntries())).observe({ type: 'paint', buffered: true });
      }),
  );
  await context.close();
  return fcp;
}

const dist = process.env.REPERE_DIST;
if (!dist) throw new Error('REPERE_DIST is not set: run it with `cargo xtask bench`');

for (const bundle of BUNDLES) {
  const rows = weights(dist, bundle.name);
  const total = rows.reduce((n, r) => n + r.gzip, 0);
  for (const r of rows) {
    console.log(`web app weight: ${r.file}: ${(r.raw / 1024).toFixed(1)} KB, gzip ${(r.gzip / 1024).toFixed(1)} KB`);
  }
  const judged = bundle.target
    ? ` (target <= ${bundle.target} KB, ratio ${(total / 1024 / bundle.target).toFixed(2)})`
    : ' (no target: not loaded by a kiosk or a phone)';
  console.log(`web app weight: ${bundle.what}: wasm + js gzip ${(total / 1024).toFixed(1)} KB${judged}`);
}

const server = await startServer();
const browser = await launch();
try {
  const app = [];
  const base = [];
  for (let i = 0; i < RUNS; i += 1) {
    base.push(await firstPaint(browser, `${server.url}baseline.html`, { baseline: true }));
    app.push(await firstPaint(browser, server.url));
  }
  const fcp = median(app);
  const ref = median(base);
  console.log(`first contentful paint, CPU ${SLOWDOWN}x slower, median of ${RUNS}:`);
  console.log(`  static page (baseline): ${ref.toFixed(0)} ms`);
  console.log(`  Repère welcome screen:  ${fcp.toFixed(0)} ms (target <= ${FCP_TARGET_MS} ms, ratio to target ${(fcp / FCP_TARGET_MS).toFixed(2)}, ratio to baseline ${(fcp / ref).toFixed(1)})`);
} finally {
  await browser.close();
  await server.stop();
}
