// Helpers that know the Repère app: waiting for it, stubbing speech synthesis,
// reading what the browser keeps, the screen sizes the app must fit.

/** The devices the app must fit (CSS pixels). */
export const LAYOUTS = {
  'tablet-portrait': { width: 800, height: 1280 },
  'tablet-landscape': { width: 1280, height: 800 },
  kiosk: { width: 1920, height: 1080 },
  phone: { width: 390, height: 844 },
  narrow: { width: 320, height: 720 },
};

/** Waits until the app has rendered a first-level heading; returns its text. */
export async function waitForApp(page, { timeout = 15_000 } = {}) {
  const heading = page.locator('main h1');
  await heading.first().waitFor({ state: 'visible', timeout });
  // No-break spaces (French typography, before « ? » and « : ») read as spaces.
  return (await heading.first().textContent()).replace(/\s+/g, ' ').trim();
}

/**
 * Replaces the browser's speech synthesis before any script runs (call it on the
 * context, before `goto`). `voices`: the voices `getVoices()` returns at first;
 * `lateVoices`: the voices it returns after a `voiceschanged` event sent
 * `lateAfterMs` later; `absent`: no `speechSynthesis` at all. What the app asks
 * to speak lands in `window.__spoken`, cancellations in `window.__cancelled`.
 */
export async function stubSpeech(context, { voices = [], lateVoices = null, lateAfterMs = 800, absent = false } = {}) {
  await context.addInitScript(
    ({ voices, lateVoices, lateAfterMs, absent }) => {
      if (absent) {
        Object.defineProperty(window, 'speechSynthesis', { value: undefined, configurable: true });
        return;
      }
      const synth = window.speechSynthesis;
      if (!synth) return;
      window.__spoken = [];
      window.__cancelled = 0;
      const shape = (v) => ({ default: false, localService: true, voiceURI: v.name, ...v });
      let current = voices.map(shape);
      synth.getVoices = () => current;
      synth.speak = (u) => window.__spoken.push({ text: u.text, lang: u.lang, rate: u.rate });
      synth.cancel = () => { window.__cancelled += 1; };
      if (lateVoices) {
        setTimeout(() => {
          current = lateVoices.map(shape);
          synth.dispatchEvent(new Event('voiceschanged'));
        }, lateAfterMs);
      }
    },
    { voices, lateVoices, lateAfterMs, absent },
  );
}

/** Everything the browser keeps for the page's origin that a person could leave behind. */
export async function storedTraces(page) {
  return page.evaluate(async () => {
    const local = Object.keys(localStorage);
    const session = Object.keys(sessionStorage);
    const databases = (await indexedDB.databases()).map((d) => d.name);
    const caches_ = await caches.keys();
    return { local, session, databases, caches: caches_, cookie: document.cookie };
  });
}

/** Leaves traces of a person in every store the kiosk reset must wipe. */
export async function leaveTraces(page) {
  await page.evaluate(async () => {
    localStorage.setItem('trace', 'Madame Exemple');
    sessionStorage.setItem('trace', 'Madame Exemple');
    document.cookie = 'trace=Madame-Exemple; path=/';
    await new Promise((resolve, reject) => {
      const open = indexedDB.open('trace-reponses', 1);
      open.onupgradeneeded = () => open.result.createObjectStore('reponses');
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const db = open.result;
        const tx = db.transaction('reponses', 'readwrite');
        tx.objectStore('reponses').put('Madame Exemple', 'nom');
        tx.oncomplete = () => { db.close(); resolve(); };
        tx.onerror = () => reject(tx.error);
      };
    });
    const cache = await caches.open('repere-answers-test');
    await cache.put('/api/trace', new Response('Madame Exemple'));
  });
}

/** True when the page cannot scroll sideways (reflow, WCAG 1.4.10). */
export async function fitsWidth(page) {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
}

/**
 * What does not fit in the page's width: the page scrolls sideways, or an element
 * cuts its own content (overflow hidden or clip, content wider than the box).
 */
export async function reflowProblems(page) {
  return page.evaluate(() => {
    const problems = [];
    if (document.documentElement.scrollWidth > window.innerWidth) {
      problems.push(`the page is ${document.documentElement.scrollWidth} px wide`);
    }
    for (const el of document.querySelectorAll('main *')) {
      const style = getComputedStyle(el);
      if (!['hidden', 'clip'].includes(style.overflowX) || el.getClientRects().length === 0) continue;
      // Visually hidden text (for screen readers) and fields, whose typed value
      // scrolls inside them by design, are not cut content.
      if (el.clientWidth <= 1 || ['INPUT', 'TEXTAREA'].includes(el.tagName)) continue;
      if (el.scrollWidth > el.clientWidth + 1) {
        const name = `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}`;
        problems.push(`${name} cuts its content (${el.scrollWidth} > ${el.clientWidth} px)`);
      }
    }
    return problems;
  });
}

/** Size of the body text in CSS pixels. */
export async function bodyFontSize(page) {
  const px = await page.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize));
  return Math.round(px * 100) / 100;
}

/**
 * Touch targets smaller than `min` CSS px in either direction, or closer than
 * `gap` px to another target (WCAG 2.5.5 AAA, and the project's 8 px spacing).
 * A target is a visible button, link, or label wrapping an input; inputs inside
 * a label count through their label. Returns readable descriptions.
 */
export async function targetProblems(page, { min = 48, gap = 8, within = 'body' } = {}) {
  return page.evaluate(
    ({ min, gap, within }) => {
      const root = document.querySelector(within) || document.body;
      const targets = [...root.querySelectorAll('button, a[href], label, input:not([type=hidden]), textarea, select, [role=button], [tabindex="0"]')]
        .filter((el) => !(el.matches('input, textarea, select') && el.closest('label')))
        .filter((el) => !el.closest('.visually-hidden'))
        .filter((el) => !(el.matches('label') && !el.querySelector('input')))
        .map((el) => ({ el, r: el.getBoundingClientRect() }))
        .filter(({ el, r }) => r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden');
      const name = (el) => `${el.tagName.toLowerCase()} « ${(el.innerText || el.getAttribute('aria-label') || el.value || '').trim().slice(0, 30)} »`;
      const problems = [];
      for (const { el, r } of targets) {
        if (r.width < min - 0.5 || r.height < min - 0.5) {
          problems.push(`${name(el)} is ${Math.round(r.width)}x${Math.round(r.height)}`);
        }
      }
      for (let i = 0; i < targets.length; i += 1) {
        for (let j = i + 1; j < targets.length; j += 1) {
          const a = targets[i];
          const b = targets[j];
          if (a.el.contains(b.el) || b.el.contains(a.el)) continue;
          const dx = Math.max(0, Math.max(a.r.left, b.r.left) - Math.min(a.r.right, b.r.right));
          const dy = Math.max(0, Math.max(a.r.top, b.r.top) - Math.min(a.r.bottom, b.r.bottom));
          if (Math.max(dx, dy) < gap - 0.5) {
            problems.push(`${name(a.el)} and ${name(b.el)} are ${Math.round(Math.max(dx, dy))}px apart`);
          }
        }
      }
      return problems;
    },
    { min, gap, within },
  );
}

/**
 * Console errors other than the one Chromium logs when the server answers an app
 * path (`/apercu`, `/agent`…) with index.html and the status 404 (the server's
 * single-page fallback). Any other failed request still counts.
 */
export function consoleErrorsBesidesFallback(problems) {
  let fallbacks = problems.failedResponses.filter((r) => r.type === 'document' && r.status === 404).length;
  return problems.consoleErrors.filter((m) => {
    if (fallbacks > 0 && m.includes('status of 404')) {
      fallbacks -= 1;
      return false;
    }
    return true;
  });
}
