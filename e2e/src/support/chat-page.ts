import type { Page } from 'playwright-core';

/** Collects a page's console errors and uncaught exceptions (CSP violations show up here). */
export function watchErrors(page: Page, errors: string[]): void {
  page.on('console', (message) => {
    if (message.type() === 'error') {
      errors.push(message.text());
    }
  });
  page.on('pageerror', (error) => errors.push(error.message));
}

/** The name the page shows as mine. */
export const myName = async (page: Page): Promise<string> =>
  (await page.getByTestId('my-name').textContent())?.trim() ?? '';

/** Types a message in the composer and sends it with Enter. */
export async function send(page: Page, text: string): Promise<void> {
  const input = page.getByTestId('composer-input');
  await input.fill(text);
  await input.press('Enter');
}
