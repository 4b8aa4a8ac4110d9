// The recorded voice and the service worker's caches, seen from a test: an
// independent writing of how a text is cut into phrases and how a clip is named
// (items/src/spoken.rs), what the page plays, and what the caches hold.

/** Characters after which a phrase may end, and closing marks that stay with it. */
const ENDS = '.!?…:;';
const CLOSING = '»”)]';

/** The phrases of a text, normalised (items/src/spoken.rs `phrases`, written again). */
export function phrases(text) {
  const out = [];
  const push = (s) => {
    const p = s.split(/\s+/u).filter(Boolean).join(' ');
    if (/[\p{Alphabetic}0-9]/u.test(p)) out.push(p);
  };
  let current = '';
  const chars = [...text];
  for (let i = 0; i < chars.length; i += 1) {
    const c = chars[i];
    if (c === '\n' || c === '\r') {
      push(current);
      current = '';
      continue;
    }
    current += c;
    if (!ENDS.includes(c)) continue;
    // Closing marks and spaces after the mark: the phrase ends if a space (or the end) comes.
    let j = i + 1;
    let marks = '';
    let spaced = j === chars.length;
    while (j < chars.length && (/\s/u.test(chars[j]) || CLOSING.includes(chars[j]))) {
      if (chars[j] === '\n' || chars[j] === '\r') {
        spaced = true;
        break;
      }
      if (/\s/u.test(chars[j])) spaced = true;
      else marks = chars.slice(i + 1, j + 1).join('');
      j += 1;
    }
    if (j === chars.length) spaced = true;
    if (spaced) {
      push(current + marks);
      current = '';
      i += [...marks].length;
    }
  }
  push(current);
  return out;
}

/** FNV-1a 64 of the UTF-8 bytes, 16 hex digits: the name of a phrase's clip. */
export function clipKey(phrase) {
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(phrase)) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}

/** The clip paths of a text, in order. */
export const clipsOf = (text) => phrases(text).map((p) => `/voice/${clipKey(p)}.mp3`);

/** The precache list the server serves (`/precache.txt`), as paths. */
export async function precacheList(url) {
  const r = await fetch(new URL('/precache.txt', url));
  if (!r.ok) throw new Error(`/precache.txt: ${r.status}`);
  return (await r.text()).split('\n').filter(Boolean);
}

/**
 * Records what the page's audio elements do (call on the context, before `goto`):
 * `window.__played` the path of each clip `play()` was called on, `window.__ended`
 * the clips that played to their end, `window.__paused` how many pauses.
 */
export async function watchAudio(context) {
  await context.addInitScript(() => {
    window.__played = [];
    window.__ended = [];
    window.__paused = 0;
    // `src`, not `currentSrc`: until the new clip loads, `currentSrc` is the last one.
    const path = (el) => new URL(el.src, location.href).pathname;
    const play = HTMLMediaElement.prototype.play;
    HTMLMediaElement.prototype.play = function playWatched() {
      if (!this.__watched) {
        this.__watched = true;
        // Capture: before the page's own handler, which moves on to the next clip.
        this.addEventListener('ended', () => window.__ended.push(path(this)), true);
        this.addEventListener('pause', () => { window.__paused += 1; }, true);
      }
      window.__played.push(path(this));
      window.__current = this;
      return play.call(this);
    };
  });
}

/** Every Cache Storage cache of the origin with its keys (paths), in their order. */
export async function cacheListing(page) {
  return page.evaluate(async () => {
    const out = [];
    for (const name of await caches.keys()) {
      const keys = (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname);
      out.push({ name, keys });
    }
    return out;
  });
}

/**
 * Waits until the service worker controls the page and its shell cache holds
 * every path of `paths` and a kiosk's copy of `/` when `kiosk`; fails after
 * `timeout` ms with what is missing.
 */
export async function waitForPrecache(page, paths, { kiosk = false, timeout = 60_000 } = {}) {
  const missing = () =>
    page.evaluate(
      async ({ paths, kiosk }) => {
        if (!navigator.serviceWorker.controller) return ['(no controlling worker)'];
        const name = (await caches.keys()).find((n) => n.startsWith('repere-shell-'));
        if (!name) return ['(no shell cache)'];
        const cache = await caches.open(name);
        const have = new Set((await cache.keys()).map((r) => new URL(r.url).pathname));
        const left = paths.filter((p) => !have.has(p));
        if (kiosk) {
          const page = await cache.match('/');
          if (!page || !(await page.text()).includes('<meta name="repere-mode" content="kiosk">')) {
            left.push("(the kiosk's copy of /)");
          }
        }
        return left;
      },
      { paths, kiosk },
    );
  const deadline = Date.now() + timeout;
  let left = await missing();
  while (left.length > 0) {
    if (Date.now() > deadline) {
      throw new Error(`the precache is not complete after ${timeout} ms: ${left.length} missing, e.g. ${left.slice(0, 3)}`);
    }
    await page.waitForTimeout(250);
    left = await missing();
  }
}
