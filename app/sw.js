// Repère's service worker: the app keeps working without the network, and what
// it keeps says nothing about the people who used it.
//
// - Navigations to the app (an HTML page, for any path outside `/api/`): network
//   first, so a new version is picked up at once; offline, the cached copy of the
//   page of that path. Navigations to `/api/` (a printable sheet) are never
//   touched: they hold personal data and are not the app.
// - Two pages, two bundles: the staff page (`staff.html`, which lists the paths it
//   serves in `<meta name="repere-staff-paths">`) and the self-test page
//   (`index.html`, every other path). Each has one copy here: `/` for the
//   self-test page, `/staff.html` for the staff page. Offline, a path the staff
//   copy lists gets it; any other path, the copy of `/`.
// - The app page differs by device: the server puts a paired kiosk in kiosk mode
//   (a meta tag chosen by its `HttpOnly` cookie, `Vary: Cookie`). This worker runs
//   on one device and its requests carry that device's cookie, so the copy it keeps
//   is always this device's page, replaced at a navigation online when it changed.
//   Pairing or unpairing changes the mode at once: `/borne` then posts
//   `refresh-shell`, and the worker fetches both pages again, so an offline reload
//   never shows the old mode.
// - Precache: at install, the worker keeps the self-test page, what it links to,
//   the fonts, the item bank and every picture of the bank, from the list `cargo
//   xtask build` writes (`/precache.txt`: the item bank `/bank/bank-<hash>.bin`,
//   then the pictures, then the recorded voice's clips, sorted).
//   A kiosk's worker keeps the recorded clips too (at install if the device is
//   already a kiosk, else as soon as its page is a kiosk's). So a kiosk that goes
//   offline right after it is installed shows every picture of every test, and
//   reads aloud without a French voice.
// - Nothing is cached because of what a person was shown: pictures and clips come
//   only from the precache (a file missing from it is fetched, never kept), and the
//   files are stored in the list's order, one after the other. After the kiosk
//   reset, the caches hold the same keys in the same order whoever took the test.
//   What is cached at run time is the same for everyone: Trunk's hashed js, wasm
//   and css (a page's new version), the fonts, the item bank.
// - `/api/` GET requests: network first; answers not marked `no-store`/`private`
//   are kept so the last one can be shown offline (personal answers never are).
//   Other methods (POST of results) are never touched: the page's outbox retries.
//
// Trunk hashes file names, so the page's own files are read from the page (every
// `href`/`src`). At install, before the precache, the worker keeps the page of
// every window open on the app (the page that registered it: the staff copy at an
// agent's first visit), so a page that is left before the worker is active (an
// agent who starts a test at once) still has its copy. A page loaded before this
// worker controlled it also posts the list of files it loaded and its own path
// (`cache-urls`) once the worker is active: the hashed files and fonts of that
// list are kept, and that page too.
//
// Caches: `repere-shell-*` holds the app (no personal data, kept by the kiosk
// reset); `repere-api-*` holds API answers (deleted by the kiosk reset);
// `repere-places` is a kiosk's mediation places, written by the app (the same for
// everyone: kept by the kiosk reset and by a new worker).
// BUILD is stamped by `cargo xtask build` with a hash of the precache list and of
// every file it names: a new picture, clip or font set makes a new worker, which
// fills a new shell cache and drops the old one.

const BUILD = 'unstamped';
const SHELL = `repere-shell-${BUILD}`;
const API = 'repere-api-v1';
// A kiosk's mediation places, which the app keeps itself (`app/src/places.rs`).
const PLACES = 'repere-places';
const FONTS = [
  '/fonts/atkinson-hyperlegible-latin-400-normal.woff2',
  '/fonts/atkinson-hyperlegible-latin-700-normal.woff2',
];
// The list of files to precache (`cargo xtask build`).
const PRECACHE_LIST = '/precache.txt';
// The keys of the two pages' copies.
const SELF_TEST_PAGE = '/';
const STAFF_PAGE = '/staff.html';
// Trunk's hashed output: `name-<hash>.ext` or `name-<hash>_bg.wasm`, the hash
// being 10 to 16 hex digits (Trunk does not pad it).
const HASHED = /-[0-9a-f]{10,16}(_bg)?\.(js|wasm|css)$/;
// The item bank the app fetches at start (`/bank/bank-<hash>.bin`).
const BANK = /^\/bank\/bank-[0-9a-f]+\.bin$/;
// How many files of the precache are fetched at once.
const BATCH = 8;

/** The paths a staff page serves (its meta tag); `null` for another page. */
function staffPaths(html) {
  const m = html.match(/<meta name="repere-staff-paths" content="([^"]*)"/);
  return m ? m[1].split(/\s+/).filter(Boolean) : null;
}

/** Whether a page is a kiosk's (the server marks it). */
function isKioskPage(html) {
  return /<meta name="repere-mode" content="kiosk">/.test(html);
}

/** Same-origin paths linked from an HTML page. */
function linkedPaths(html) {
  const paths = new Set();
  for (const m of html.matchAll(/\b(?:href|src)="([^"]+)"/g)) {
    try {
      const url = new URL(m[1], self.location.origin);
      if (url.origin === self.location.origin && !url.pathname.startsWith('/api/')) {
        paths.add(url.pathname);
      }
    } catch (_) {
      // Not a URL (e.g. `data:`): nothing to cache.
    }
  }
  return [...paths];
}

/** Files that are the same for everyone and may be kept when fetched: Trunk's
 *  hashed files, the fonts, and the item bank (named by its hash, fetched by every
 *  test at start, before the precache may be done). */
function sharedFile(path) {
  return HASHED.test(path) || FONTS.includes(path) || BANK.test(path);
}

/**
 * Caches the `paths` missing from `cache`, stored in the order given (fetched a
 * few at a time): the cache's keys then never depend on which answer came first.
 * A missing file does not stop the others.
 */
async function cacheInOrder(cache, paths) {
  const missing = [];
  for (const path of paths) {
    if (!missing.includes(path) && !(await cache.match(path))) missing.push(path);
  }
  for (let at = 0; at < missing.length; at += BATCH) {
    const batch = missing.slice(at, at + BATCH);
    const responses = await Promise.all(
      batch.map((path) => fetch(path, { cache: 'no-cache' }).catch(() => null)),
    );
    for (let i = 0; i < batch.length; i += 1) {
      const response = responses[i];
      if (response && response.ok) await cache.put(batch[i], response);
    }
  }
}

/**
 * The files of the precache list for this device: every picture, and the
 * recorded clips on a kiosk. The list itself is kept after them (the app reads
 * which clips exist from it), once.
 */
async function precache(cache, kiosk) {
  let list;
  try {
    const response = await fetch(PRECACHE_LIST, { cache: 'no-cache' });
    if (!response.ok) return;
    list = await response.text();
  } catch (_) {
    return;
  }
  const paths = list
    .split('\n')
    .map((line) => line.trim())
    .filter((p) => p.startsWith('/bank/') || p.startsWith('/pictures/') || (kiosk && p.startsWith('/voice/')));
  // The item bank first (the test needs it), then the pictures.
  const shared = paths.filter((p) => p.startsWith('/bank/') || p.startsWith('/pictures/'));
  await cacheInOrder(cache, shared);
  const kept = await cache.match(PRECACHE_LIST);
  if (!kept || (await kept.text()) !== list) {
    await cache.put(
      PRECACHE_LIST,
      new Response(list, { headers: { 'Content-Type': 'text/plain; charset=utf-8' } }),
    );
  }
  await cacheInOrder(cache, paths.filter((p) => p.startsWith('/voice/')));
}

/**
 * Stores a page (under the key of its kind) if it changed, and everything it links
 * to; drops the hashed files that neither page's copy links to any more (an older
 * version). Returns whether the page is a kiosk's and whether it changed.
 */
async function storeShell(cache, response) {
  const html = await response.clone().text();
  const key = staffPaths(html) ? STAFF_PAGE : SELF_TEST_PAGE;
  const old = await cache.match(key);
  const changed = !old || (await old.text()) !== html;
  if (changed) await cache.put(key, response);
  await cacheInOrder(cache, [...linkedPaths(html), ...FONTS]);
  if (changed) {
    const current = new Set();
    for (const copyKey of [SELF_TEST_PAGE, STAFF_PAGE]) {
      const copy = await cache.match(copyKey);
      if (copy) for (const path of linkedPaths(await copy.text())) current.add(path);
    }
    for (const request of await cache.keys()) {
      const path = new URL(request.url).pathname;
      if (HASHED.test(path) && !current.has(path)) await cache.delete(request);
    }
  }
  return { kiosk: isKioskPage(html), changed };
}

/** Fetches the page of `path` (with this device's cookie) and keeps it; `null` if
 *  it is not an app page. */
async function storePage(cache, path) {
  const response = await fetch(path, { cache: 'no-cache' });
  const html = (response.headers.get('Content-Type') || '').includes('text/html');
  return response.ok && html ? storeShell(cache, response) : null;
}

/** The paths of the app pages open in this browser's windows, controlled by this
 *  worker or not (the page that registered it among them). */
async function openPages() {
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const paths = [];
  for (const client of windows) {
    const url = new URL(client.url);
    if (url.origin === self.location.origin && appPath(url.pathname) && !paths.includes(url.pathname)) {
      paths.push(url.pathname);
    }
  }
  return paths;
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL);
      const page = await storePage(cache, SELF_TEST_PAGE);
      // The pages open now: the one that registered this worker may be left
      // before the worker is active, and could then not ask for its copy.
      for (const path of await openPages()) {
        if (path !== SELF_TEST_PAGE) await storePage(cache, path).catch(() => null);
      }
      await precache(cache, Boolean(page && page.kiosk));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith('repere-') && name !== SHELL && name !== API && name !== PLACES) {
          await caches.delete(name);
        }
      }
      await self.clients.claim();
    })(),
  );
});

/** Fetches both pages again (with this device's cookie) and keeps them: the staff
 *  page through the first path it serves, if this device has a copy of it. A page
 *  that became a kiosk's brings the recorded clips. */
async function refreshShell() {
  const cache = await caches.open(SHELL);
  const page = await storePage(cache, SELF_TEST_PAGE);
  if (page && page.kiosk) await precache(cache, true);
  const staff = await cache.match(STAFF_PAGE);
  const paths = staff ? staffPaths(await staff.text()) : null;
  if (paths && paths.length) await storePage(cache, paths[0]);
}

/** A path the page sent: same origin, outside `/api/`. */
function appPath(p) {
  return typeof p === 'string' && p.startsWith('/') && !p.startsWith('//') && !p.startsWith('/api/');
}

self.addEventListener('message', (event) => {
  const data = event.data || {};
  if (data.type === 'refresh-shell') {
    event.waitUntil(refreshShell());
  } else if (data.type === 'cache-urls' && Array.isArray(data.urls)) {
    // Only what is the same for everyone: a picture the page showed is not kept
    // here (it comes from the precache).
    const paths = data.urls.filter((p) => appPath(p) && sharedFile(p));
    event.waitUntil(
      (async () => {
        const cache = await caches.open(SHELL);
        await cacheInOrder(cache, paths);
        if (appPath(data.page)) await storePage(cache, data.page);
      })(),
    );
  }
});

async function navigation(event) {
  const cache = await caches.open(SHELL);
  try {
    const response = await fetch(event.request);
    const html = (response.headers.get('Content-Type') || '').includes('text/html');
    if (response.ok && html) {
      event.waitUntil(
        (async () => {
          const page = await storeShell(cache, response.clone());
          if (page.changed && page.kiosk) await precache(cache, true);
        })(),
      );
    }
    return response;
  } catch (error) {
    const path = new URL(event.request.url).pathname.replace(/\/+$/, '');
    const staff = await cache.match(STAFF_PAGE);
    if (staff && (staffPaths(await staff.clone().text()) || []).includes(path)) return staff;
    const cached = await cache.match(SELF_TEST_PAGE);
    if (cached) return cached;
    throw error;
  }
}

async function api(request) {
  // A request that must not be stored (a kiosk's places are kept by the app
  // itself) goes to the network only: not even an empty cache is made for it.
  if (request.cache === 'no-store') return fetch(request);
  const cache = await caches.open(API);
  try {
    const response = await fetch(request);
    // Answers about people (profiles, results, the account and its CSRF token) are
    // sent with `Cache-Control: no-store`: they must never stay on a shared device.
    const control = response.headers.get('Cache-Control') || '';
    const storable = !/no-store|private/.test(control);
    if (response.ok && storable) await cache.put(request, response.clone());
    return response;
  } catch (error) {
    const cached = await cache.match(request);
    if (cached) return cached;
    return new Response(JSON.stringify({ error: 'offline' }), {
      status: 503,
      headers: { 'Content-Type': 'application/json' },
    });
  }
}

/** Cache first; a file fetched is kept only if it is the same for everyone. */
async function asset(request, path) {
  const cache = await caches.open(SHELL);
  const cached = await cache.match(request, { ignoreSearch: true });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok && response.type === 'basic' && sharedFile(path)) {
    await cache.put(request, response.clone());
  }
  return response;
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === '/sw.js') return;
  if (request.mode === 'navigate') {
    if (url.pathname.startsWith('/api/')) return;
    event.respondWith(navigation(event));
  } else if (url.pathname.startsWith('/api/')) {
    event.respondWith(api(request));
  } else {
    event.respondWith(asset(request, url.pathname));
  }
});
