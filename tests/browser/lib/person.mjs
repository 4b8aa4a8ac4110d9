// A scripted person taking the self-test through its screens, as a person does:
// « Commencer », the context questions (the first answer of each), then every
// question the adaptive test chooses (the first option when the item has options,
// else « Je ne sais pas »), until the screen that ends the test.

/**
 * From the welcome screen (or the first context question: `started`), answers the
 * context questions; returns how many.
 */
export async function answerContext(page, { max = 10, started = false } = {}) {
  if (!started) await page.getByRole('button', { name: 'Commencer', exact: true }).click();
  for (let n = 0; n < max; n += 1) {
    const context = page.locator('.screen.context');
    await context.or(page.locator('article.item')).first().waitFor();
    if (!(await context.isVisible())) return n;
    const heading = await page.locator('main h1').textContent();
    await context.locator('.answer-option input').first().check();
    await page.getByRole('button', { name: 'Continuer' }).click();
    await page.waitForFunction(
      (before) => document.querySelector('article.item') || document.querySelector('main h1')?.textContent !== before,
      heading,
    );
  }
  throw new Error(`more than ${max} context questions`);
}

/** Answers the question shown; returns its item id. */
export async function answerOne(page) {
  const item = page.locator('article.item');
  await item.waitFor();
  const id = await item.getAttribute('data-item');
  const option = page.locator('article.item .answer-option input').first();
  if ((await option.count()) > 0) {
    await option.check();
    await page.getByRole('button', { name: 'Valider ma réponse' }).click();
  } else {
    await page.getByRole('button', { name: 'Je ne sais pas' }).click();
  }
  return id;
}

/**
 * Answers every question until the first-level heading reads `done` (« Votre
 * résultat », or « Le test est fini » in agent mode); returns the item ids in order.
 */
export async function answerAll(page, { done = 'Votre résultat', max = 80 } = {}) {
  const ids = [];
  for (let i = 0; i < max; i += 1) {
    if ((await page.locator('main h1').first().textContent())?.trim() === done) return ids;
    ids.push(await answerOne(page));
    await page.waitForFunction(
      ({ done, n }) =>
        document.querySelector('main h1')?.textContent.trim() === done ||
        new RegExp(`^Question ${n + 1}\\b`).test(document.querySelector('article.item .progress')?.textContent.trim() ?? ''),
      { done, n: ids.length },
    );
  }
  throw new Error(`the test did not end after ${max} questions`);
}

/** The whole test from the welcome screen; returns the item ids answered. */
export async function takeTest(page, { done = 'Votre résultat' } = {}) {
  await answerContext(page);
  return answerAll(page, { done });
}
