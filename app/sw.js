// Repère's service worker: the app keeps working without the network.
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
//   is always this device's page, replaced at each navigation online. Pairing or
//   unpairing changes the mode at once: `/borne` then posts `refresh-shell`, and the
//   worker fetches both pages again, so an offline reload never shows the old mode.
// - `/api/` GET requests: network first; answers not marked `no-store`/`private`
//   are kept so the last one can be shown offline (personal answers never are).
//   Other methods (POST of results) are never touched: the page's outbox retries.
// - Every other same-origin GET (Trunk's hashed js/wasm/css, fonts, pictures):
//   cache first, cached on first fetch.
//
// Trunk hashes file names, so the list to precache is read from the page itself
// (every `href`/`src`), plus the fonts: at install time from `/`, and from each
// page as it is stored. A page loaded before this worker controlled it posts the
// list of files it loaded and its own path (`cache-urls`), so that page is stored
// too (the self-test copy at install, the staff copy at an agent's first visit).
//
// Two caches: `repere-shell-*` holds the app (no personal data, kept by the kiosk
// reset); `repere-api-*` holds API answers (deleted by the kiosk reset).
// Bump VERSION to drop old caches.

const VERSION = 'v1';
const SHELL = `repere-shell-${VERSION}`;
const API = `repere-api-${VERSION}`;
const FONTS = [
  '/fonts/atkinson-hyperlegible-latin-400-normal.woff2',
  '/fonts/atkinson-hyperlegible-latin-700-normal.woff2',
];
// The keys of the two pages' copies.
const SELF_TEST_PAGE = '/';
const STAFF_PAGE = '/staff.html';
// Trunk's hashed output: `name-<hash>.ext` or `name-<hash>_bg.wasm`, the hash
// being 10 to 16 hex digits (Trunk does not pad it).
const HASHED = /-[0-9a-f]{10,16}(_bg)?\.(js|wasm|css)$/;

/** The paths a staff page serves (its meta tag); `null` for another page. */
function staffPaths(html) {
  const m = html.match(/<meta name="repere-staff-paths" content="([^"]*)"/);
  return m ? m[1].split(/\s+/).filter(Boolean) : null;
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

/** Caches `paths` one by one; a missing file does not stop the others. */
async function cacheAll(cache, paths) {
  await Promise.allSettled(
    paths.map(async (path) => {
      if (await cache.match(path)) return;
      const response = await fetch(path, { cache: 'no-cache' });
      if (response.ok) await cache.put(path, response);
    }),
  );
}

/** Stores a page (under the key of its kind) and everything it links to; drops the
 *  hashed files that neither page's copy links to any more (an older version). */
async function storeShell(cache, response) {
  const html = await response.clone().text();
  await cache.put(staffPaths(html) ? STAFF_PAGE : SELF_TEST_PAGE, response);
  await cacheAll(cache, [...linkedPaths(html), ...FONTS]);
  const current = new Set();
  for (const key of [SELF_TEST_PAGE, STAFF_PAGE]) {
    const copy = await cache.match(key);
    if (copy) for (const path of linkedPaths(await copy.text())) current.add(path);
  }
  for (const request of await cache.keys()) {
    const path = new URL(request.url).pathname;
    if (HASHED.test(path) && !current.has(path)) await cache.delete(request);
  }
}

/** Fetches the page of `path` (with this device's cookie) and keeps it. */
async function storePage(path) {
  const cache = await caches.open(SHELL);
  const response = await fetch(path, { cache: 'no-cache' });
  const html = (response.headers.get('Content-Type') || '').includes('text/html');
  if (response.ok && html) await storeShell(cache, response);
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      await storePage(SELF_TEST_PAGE);
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith('repere-') && name !== SHELL && name !== API) {
          await caches.delete(name);
        }
      }
      await self.clients.claim();
    })(),
  );
});

/** Fetches both pages again (with this device's cookie) and keeps them: the staff
 *  page through the first path it serves, if this device has a copy of it. */
async function refreshShell() {
  await storePage(SELF_TEST_PAGE);
  const staff = await (await caches.open(SHELL)).match(STAFF_PAGE);
  const paths = staff ? staffPaths(await staff.text()) : null;
  if (paths && paths.length) await storePage(paths[0]);
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
    const paths = data.urls.filter(appPath);
    event.waitUntil(
      (async () => {
        await cacheAll(await caches.open(SHELL), paths);
        if (appPath(data.page)) await storePage(data.page);
      })(),
    );
  }
});

async function navigation(event) {
  const cache = await caches.open(SHELL);
  try {
    const response = await fetch(event.request);
    const html = (response.headers.get('Content-Type') || '').includes('text/html');
    if (response.ok && html) event.waitUntil(storeShell(cache, response.clone()));
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
    const storable = request.cache !== 'no-store' && !/no-store|private/.test(control);
    if (response.ok && storable) await cache.put(request, response.clone());
    return response;
  } catch (error) {
    if (request.cache === 'no-store') throw error;
    const cached = await cache.match(request);
    if (cached) return cached;
    return new Response(JSON.stringify({ error: 'offline' }), {
      status: 503,
      headers: { 'Content-Type': 'application/json' },
    });
  }
}

async function asset(request) {
  const cache = await caches.open(SHELL);
  const cached = await cache.match(request, { ignoreSearch: true });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok && response.type === 'basic') await cache.put(request, response.clone());
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
    event.respondWith(asset(request));
  }
});
