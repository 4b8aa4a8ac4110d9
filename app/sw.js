// Repère's service worker: the app keeps working without the network.
//
// - Navigations to the app (the HTML page, for any path outside `/api/`): network
//   first, so a new version is picked up at once; offline, the cached copy of `/`.
//   Navigations to `/api/` (a printable sheet) are never touched: they hold
//   personal data and are not the app.
// - The app page differs by device: the server puts a paired kiosk in kiosk mode
//   (a meta tag chosen by its `HttpOnly` cookie, `Vary: Cookie`). This worker runs
//   on one device and its requests carry that device's cookie, so the copy it keeps
//   is always this device's page, replaced at each navigation online. Pairing or
//   unpairing changes the mode at once: `/borne` then posts `refresh-shell`, and the
//   worker fetches the page again, so an offline reload never shows the old mode.
// - `/api/` GET requests: network first; answers not marked `no-store`/`private`
//   are kept so the last one can be shown offline (personal answers never are).
//   Other methods (POST of results) are never touched: the page's outbox retries.
// - Every other same-origin GET (Trunk's hashed js/wasm/css, fonts, pictures):
//   cache first, cached on first fetch.
//
// Trunk hashes file names, so the list to precache is read at install time from
// `index.html` itself (every `href`/`src`), plus the fonts. The page also posts
// the list of files it loaded before this worker existed (`cache-urls`).
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
// Trunk's hashed output: `name-<16 hex>.ext` or `name-<16 hex>_bg.wasm`.
const HASHED = /-[0-9a-f]{16}(_bg)?\.(js|wasm|css)$/;

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

/** Stores the page and everything it links to; drops stale hashed files. */
async function storeShell(cache, response) {
  const html = await response.clone().text();
  await cache.put('/', response);
  const current = linkedPaths(html);
  await cacheAll(cache, [...current, ...FONTS]);
  for (const request of await cache.keys()) {
    const path = new URL(request.url).pathname;
    if (HASHED.test(path) && !current.includes(path)) await cache.delete(request);
  }
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL);
      const response = await fetch('/', { cache: 'no-cache' });
      if (response.ok) await storeShell(cache, response);
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

/** Fetches the app page again (with this device's cookie) and keeps it. */
async function refreshShell() {
  const cache = await caches.open(SHELL);
  const response = await fetch('/', { cache: 'no-cache' });
  if (response.ok) await storeShell(cache, response);
}

self.addEventListener('message', (event) => {
  const data = event.data || {};
  if (data.type === 'refresh-shell') {
    event.waitUntil(refreshShell());
  } else if (data.type === 'cache-urls' && Array.isArray(data.urls)) {
    const paths = data.urls.filter(
      (p) => typeof p === 'string' && p.startsWith('/') && !p.startsWith('/api/'),
    );
    event.waitUntil(caches.open(SHELL).then((cache) => cacheAll(cache, paths)));
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
    const cached = await cache.match('/');
    if (cached) return cached;
    throw error;
  }
}

async function api(request) {
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
