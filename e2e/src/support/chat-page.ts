import type { Browser, BrowserContext, Locator, Page } from '@playwright/test';

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

/** Asks for a new name through the header (it may be refused: nothing waits for it to apply). */
export async function rename(page: Page, name: string): Promise<void> {
  await page.getByTestId('rename-button').click();
  const input = page.getByTestId('rename-input');
  await input.fill(name);
  await input.press('Enter');
}

/**
 * A new browser context (a new person) on `url`, waited on until connected and named. The
 * context is added to `contexts` for closing, the page's errors to `errors`.
 */
export async function openChatPage(
  browser: Browser,
  url: string,
  { contexts, errors }: { contexts: BrowserContext[]; errors: string[] },
  options: Parameters<Browser['newContext']>[0] = {},
): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
  contexts.push(context);
  const page = await context.newPage();
  watchErrors(page, errors);
  await page.goto(url);
  await page.locator('[data-testid="connection-status"][data-state="connected"]').waitFor();
  await page.getByTestId('my-name').filter({ hasText: /\S/ }).waitFor();
  return page;
}

/** Opens a message's menu as a mouse does (hover, then its "⋯" button); returns the menu. */
export async function openMessageMenu(message: Locator): Promise<Locator> {
  await message.hover();
  await message.getByTestId('message-menu-button').click();
  const menu = message.page().getByTestId('message-menu');
  await menu.waitFor();
  return menu;
}

/** Chooses `action` (edit, delete, copy…) from a message's menu. */
export async function chooseMessageAction(message: Locator, action: string): Promise<void> {
  const menu = await openMessageMenu(message);
  await menu.getByTestId(`message-${action}`).click();
  await menu.waitFor({ state: 'detached' });
}

/** The ids of the actions a message's menu offers (the menu is closed again after). */
export async function messageActions(message: Locator): Promise<string[]> {
  const menu = await openMessageMenu(message);
  const ids = await menu
    .getByRole('menuitem')
    .evaluateAll((items) => items.map((item) => item.getAttribute('data-testid') ?? ''));
  await message.page().keyboard.press('Escape');
  await menu.waitFor({ state: 'detached' });
  return ids.map((id) => id.replace(/^message-/, ''));
}
