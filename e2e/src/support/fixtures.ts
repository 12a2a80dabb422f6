import { type Browser, type BrowserContext, type Page, test as base } from '@playwright/test';

type ContextOptions = Parameters<Browser['newContext']>[0];

export interface ChatFixtures {
  /** A new browser context (a new person), closed after the test. */
  person: (options?: ContextOptions) => Promise<BrowserContext>;
  /** A new person on `url`, waited on until connected and named. */
  openChat: (url: string, options?: ContextOptions) => Promise<Page>;
}

export async function waitConnected(page: Page): Promise<void> {
  await page.locator('[data-testid="connection-status"][data-state="connected"]').waitFor();
  await page.getByTestId('my-name').waitFor();
}

export const test = base.extend<ChatFixtures>({
  person: async ({ browser }, use) => {
    const contexts: BrowserContext[] = [];
    await use(async (options = {}) => {
      const context = await browser.newContext({
        viewport: { width: 1280, height: 800 },
        ...options,
      });
      contexts.push(context);
      return context;
    });
    await Promise.all(contexts.map((context) => context.close()));
  },
  openChat: async ({ person }, use) => {
    await use(async (url, options = {}) => {
      const page = await (await person(options)).newPage();
      await page.goto(url);
      await waitConnected(page);
      return page;
    });
  },
});

export { expect } from '@playwright/test';
