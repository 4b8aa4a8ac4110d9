// Item drivers: operate the real item screens the way a person does (tap, click,
// keyboard; elements found by role and accessible name, never by writing the
// app's state) to give one exact response, then validate it.
//
// `respond(page, item, response)` takes the item as the bank holds it (the JSON
// `repere-scripted item ID` prints: options, scene, steps…) and a response as the
// items crate writes it (items/src/score.rs): {"choice":1}, {"choices":[0,2]},
// {"point":{"x":..,"y":..}}, {"order":[2,0,1]}, {"text":".."},
// {"actions":[{"do":"tap","target":"reply"},…]} or "skip". Scenes use the bank's
// field names (`message`, `file`, `field`, `toggle`, `network`, `choice`, `link`, `result`). It throws, naming the
// item, when the response is one the screen cannot give.
//
// The native half (`repere-scripted`, tests/src/bin/scripted) builds responses
// these drivers can give exactly: a hotspot point the keyboard path reaches (see
// `hotspotKeys`), simulation actions that follow the simulated screens.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';

/** Runs `repere-scripted ARGS` (built next to `repere`); parses its JSON. */
export function scripted(args, { input } = {}) {
  const bin = process.env.REPERE_SCRIPTED || join(dirname(process.env.REPERE_BIN || ''), 'repere-scripted');
  try {
    return JSON.parse(execFileSync(bin, args, { encoding: 'utf8', input, maxBuffer: 64 * 1024 * 1024 }));
  } catch (e) {
    throw new Error(`repere-scripted ${args.join(' ')}: ${e.stderr || e.message}`);
  }
}

/** The text a person sees for an option (its text, else its picture's description). */
export function optionName(option) {
  return option.text ?? option.picture?.alt ?? option.id;
}

/** A text with its runs of white space (no-break spaces included) as one space. */
export const words = (s) => s.replace(/\s+/g, ' ').trim();

const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A pattern for a text, any run of white space matching any other. */
const looseRe = (s) => words(s).split(' ').map(escapeRe).join('\\s+');

/** The item on screen. */
function itemArea(page, item) {
  return page.locator(`article.item[data-item="${item.id}"]`);
}

async function press(area, name) {
  await area.getByRole('button', { name, exact: true }).click();
}

// ------------------------------------------------------------------ hotspot

/** Keyboard step of the hotspot marker (app/src/render/hotspot.rs `STEP`); Shift: ×4. */
export const HOTSPOT_STEP = 0.025;

/**
 * Where the marker ends after `n` presses from the centre along one axis, pressed
 * the canonical way (|n|/4 with Shift, then |n|%4 without): the app's own f64
 * arithmetic, so the point is exact (the Rust helper does the same).
 */
export function hotspotWalk(n) {
  const sign = n < 0 ? -1 : 1;
  const big = HOTSPOT_STEP * 4;
  const clamp = (x) => Math.min(1, Math.max(0, x));
  let x = 0.5;
  for (let i = 0; i < Math.floor(Math.abs(n) / 4); i += 1) x = clamp(x + sign * big);
  for (let i = 0; i < Math.abs(n) % 4; i += 1) x = clamp(x + sign * HOTSPOT_STEP);
  return x;
}

/**
 * The keys that put the marker exactly on `point` (view-box coordinates), or null
 * when the keyboard cannot reach it exactly.
 */
export function hotspotKeys(viewBox, point) {
  const [vx, vy, vw, vh] = viewBox;
  const solve = (origin, size, target) => {
    for (let n = -20; n <= 20; n += 1) {
      if (origin + hotspotWalk(n) * size === target) return n;
    }
    return null;
  };
  const nx = solve(vx, vw, point.x);
  const ny = solve(vy, vh, point.y);
  if (nx === null || ny === null) return null;
  const keys = [];
  const along = (n, plus, minus) => {
    const key = n < 0 ? minus : plus;
    for (let i = 0; i < Math.floor(Math.abs(n) / 4); i += 1) keys.push(`Shift+${key}`);
    for (let i = 0; i < Math.abs(n) % 4; i += 1) keys.push(key);
  };
  along(nx, 'ArrowRight', 'ArrowLeft');
  along(ny, 'ArrowDown', 'ArrowUp');
  return keys;
}

/**
 * Chooses `point` on the picture: with the arrow keys and Enter when they reach
 * it exactly (or `via: 'keyboard'`), else by a tap at its place on the screen
 * (`via: 'tap'`; the point the app records is then the one under the finger,
 * within a CSS pixel).
 */
async function hotspot(page, area, item, point, via) {
  const screen = item.body.screen;
  const picture = area.getByRole('button', { name: screen.alt, exact: true });
  const keys = via === 'tap' ? null : hotspotKeys(screen.view_box, point);
  if (keys) {
    await picture.focus();
    for (const key of keys) await page.keyboard.press(key);
    await page.keyboard.press('Enter');
  } else {
    if (via === 'keyboard') throw new Error(`${item.id}: the keyboard cannot reach ${JSON.stringify(point)} exactly`);
    const [vx, vy, vw, vh] = screen.view_box;
    await picture.scrollIntoViewIfNeeded();
    const box = await picture.boundingBox();
    await page.mouse.click(box.x + ((point.x - vx) / vw) * box.width, box.y + ((point.y - vy) / vh) * box.height);
  }
  await area.locator('.hotspot-marker:not([hidden])').waitFor();
}

// ---------------------------------------------------------------- questions

async function choices(area, item, chosen, multiple) {
  const options = item.body.options;
  for (const i of chosen) {
    if (!options[i]) throw new Error(`${item.id}: option ${i} does not exist`);
  }
  const role = multiple ? 'checkbox' : 'radio';
  for (let i = 0; i < options.length; i += 1) {
    const box = area.getByRole(role, { name: optionName(options[i]), exact: true });
    if (chosen.includes(i)) await box.check();
    else if (multiple && (await box.isChecked())) await box.uncheck();
  }
}

/** Puts the options in `order` with « Monter », top to bottom, checking what is shown. */
async function ordering(area, item, order) {
  const options = item.body.options;
  const shown = async () => (await area.locator('.ordering-text').allTextContents()).map(words);
  const current = await shown();
  const names = options.map((o) => words(optionName(o)));
  for (let p = 0; p < order.length; p += 1) {
    const name = names[order[p]];
    let at = current.indexOf(name);
    if (at < p) throw new Error(`${item.id}: « ${name} » is not below position ${p + 1}`);
    while (at > p) {
      await area.getByRole('button', { name: `Monter : ${name}`, exact: true }).click();
      [current[at - 1], current[at]] = [current[at], current[at - 1]];
      at -= 1;
    }
  }
  const now = await shown();
  if (JSON.stringify(now) !== JSON.stringify(order.map((i) => names[i]))) {
    throw new Error(`${item.id}: the order shown is ${JSON.stringify(now)}`);
  }
}

// -------------------------------------------------------------- simulations

/** The simulated screen (a region named « … (simulation) »). */
function simulation(area) {
  return area.getByRole('region', { name: /\(simulation\)$/ });
}

async function fillAndLeave(field, value) {
  await field.fill(value);
  // The app records a field when it is left (the change event), as a person does.
  await field.press('Tab');
}

async function mailboxAction(page, sim, item, action) {
  const scene = item.body.scene;
  const buttons = {
    write: 'Écrire',
    reply: 'Répondre',
    forward: 'Transférer',
    delete: 'Supprimer',
    attach: 'Joindre un fichier',
    send: 'Envoyer',
    back: 'Retour',
  };
  const fields = { to: 'À', subject: 'Objet', body: 'Message' };
  if (action.do === 'tap') {
    const message = scene.message.find((m) => m.id === action.target);
    const file = scene.file.find((f) => f.id === action.target);
    if (buttons[action.target]) await press(sim, buttons[action.target]);
    else if (message) {
      await sim
        .getByRole('button', { name: new RegExp(`${looseRe(message.from)}[\\s\\S]*${looseRe(message.subject)}`) })
        .click();
    } else if (file) await press(sim, file.name);
    else throw new Error(`${item.id}: no element \`${action.target}\` to tap`);
  } else if (action.do === 'fill' && fields[action.target]) {
    await fillAndLeave(sim.getByLabel(fields[action.target], { exact: true }), action.value);
  } else {
    throw new Error(`${item.id}: the mailbox cannot ${JSON.stringify(action)}`);
  }
}

async function formAction(page, sim, item, action) {
  const scene = item.body.scene;
  const fields = scene.field;
  if (action.do === 'tap' && action.target === 'submit') {
    await press(sim, scene.submit);
    return;
  }
  const field = fields.find((f) => f.id === action.target);
  if (!field) throw new Error(`${item.id}: no field \`${action.target}\``);
  if (action.do === 'toggle' && field.input === 'checkbox') {
    const box = sim.getByRole('checkbox', { name: field.label, exact: true });
    if (action.on) await box.check();
    else await box.uncheck();
  } else if (action.do === 'fill' && field.input === 'select') {
    const list = sim.getByLabel(field.label, { exact: true });
    await list.selectOption(action.value === '' ? { label: 'Choisir…' } : { label: action.value });
  } else if (action.do === 'fill') {
    await fillAndLeave(sim.getByLabel(field.label, { exact: true }), action.value);
  } else {
    throw new Error(`${item.id}: the form cannot ${JSON.stringify(action)}`);
  }
}

async function settingsAction(page, sim, item, action) {
  const scene = item.body.scene;
  const toggles = scene.toggle;
  const networks = scene.network;
  if (action.do === 'toggle') {
    const toggle = toggles.find((t) => t.id === action.target);
    if (!toggle) throw new Error(`${item.id}: no switch \`${action.target}\``);
    const sw = sim.getByRole('switch', { name: toggle.label, exact: true });
    if ((await sw.getAttribute('aria-checked')) === String(action.on)) {
      throw new Error(`${item.id}: « ${toggle.label} » is already ${action.on ? 'on' : 'off'}`);
    }
    await sw.click();
    const now = await sw.getAttribute('aria-checked');
    if (now !== String(action.on)) throw new Error(`${item.id}: « ${toggle.label} » is ${now} after a tap`);
  } else if (action.do === 'tap') {
    const network = networks.find((n) => n.id === action.target);
    if (!network) throw new Error(`${item.id}: no network \`${action.target}\``);
    await sim.getByRole('button', { name: new RegExp(`^${looseRe(network.name)}`) }).click();
  } else {
    throw new Error(`${item.id}: the settings screen cannot ${JSON.stringify(action)}`);
  }
}

/** The one tap that chooses the decision of a `message` or `search` item (« Valider ma réponse » follows). */
async function decide(area, item, actions) {
  if (actions.length !== 1 || actions[0].do !== 'tap') {
    throw new Error(`${item.id}: one tap decides, not ${JSON.stringify(actions)}`);
  }
  const target = actions[0].target;
  const scene = item.body.scene;
  const name =
    item.body.type === 'search'
      ? scene.result.find((r) => r.id === target)?.title
      : (scene.choice.find((c) => c.id === target)?.label ??
        scene.link.find((l) => l.id === target)?.text);
  if (!name) throw new Error(`${item.id}: no element \`${target}\` to tap`);
  await press(area, name);
}

// ------------------------------------------------------------------ respond

/**
 * Gives `response` to `item`, shown on `page` (a question of the test or the
 * preview), and validates it. Options: `via` ('keyboard' or 'tap') for a hotspot.
 */
export async function respond(page, item, response, { via } = {}) {
  const area = itemArea(page, item);
  await area.waitFor();
  if (response === 'skip') {
    await press(area, 'Je ne sais pas');
    return;
  }
  const type = item.body.type;
  const [kind] = Object.keys(response);
  const expected = {
    single: 'choice',
    multiple: 'choices',
    hotspot: 'point',
    ordering: 'order',
    text: 'text',
  }[type] ?? 'actions';
  if (kind !== expected) throw new Error(`${item.id} (${type}) takes a \`${expected}\` response, not ${JSON.stringify(response)}`);
  switch (type) {
    case 'single':
      await choices(area, item, [response.choice], false);
      break;
    case 'multiple':
      await choices(area, item, response.choices, true);
      break;
    case 'hotspot':
      await hotspot(page, area, item, response.point, via);
      break;
    case 'ordering':
      await ordering(area, item, response.order);
      break;
    case 'text':
      await area.getByLabel('Votre réponse', { exact: true }).fill(response.text);
      break;
    case 'message':
    case 'search':
      await decide(area, item, response.actions);
      break;
    case 'mailbox':
    case 'form':
    case 'settings': {
      const sim = simulation(area);
      const act = { mailbox: mailboxAction, form: formAction, settings: settingsAction }[type];
      for (const action of response.actions) await act(page, sim, item, action);
      await press(area, 'Valider ma réponse');
      return;
    }
    default:
      throw new Error(`${item.id}: no driver for the type \`${type}\``);
  }
  await press(area, 'Valider ma réponse');
}
