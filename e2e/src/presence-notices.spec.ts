import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect, test } from '@playwright/test';
import { type RunningServer, startServer } from '@parley/server/testing';
import type { Browser, BrowserContext, Page } from '@playwright/test';

import { seriousViolations } from './support/axe.js';
import { screenshot } from './support/browser.js';
import { myName, openChatPage, send } from './support/chat-page.js';
import { RawClient } from './support/raw-client.js';
import { expectSteady } from './support/steady.js';

/** A short presence grace, so a drop "outlasts" it quickly (the default is 5 s). */
const GRACE_MS = 500;

/** A part of a notice row about one kind of change ("Ada, Bo and 3 others joined"). */
const notices = (page: Page, kind: string) =>
  page.locator(`[data-testid="notice"][data-kind="${kind}"]`);

/** The text of every notice segment on the page, in order. */
const noticeTexts = (page: Page) =>
  page
    .getByTestId('notice')
    .evaluateAll((items) => items.map((item) => item.textContent?.trim() ?? ''));

test.describe('Presence notices: no news about myself, reconnects in one line, runs in one row', () => {
  let browser: Browser;
  let server: RunningServer | undefined;
  let contexts: BrowserContext[] = [];
  let clients: RawClient[] = [];
  let pageErrors: string[] = [];

  async function start(): Promise<RunningServer> {
    server = await startServer({
      DATA_DIR: mkdtempSync(join(tmpdir(), 'parley-e2e-notices-')),
      CONNECTIONS_PER_MINUTE: '1000',
      PRESENCE_GRACE_MS: String(GRACE_MS),
    });
    return server;
  }

  const openChat = (url: string): Promise<Page> =>
    openChatPage(browser, url, { contexts, errors: pageErrors });

  test.beforeAll(({ browser: workerBrowser }) => {
    browser = workerBrowser;
  });

  test.afterEach(async () => {
    for (const client of clients) {
      client.close();
    }
    await Promise.all(contexts.map((context) => context.close()));
    await server?.stop();
    server = undefined;
    contexts = [];
    clients = [];
    pageErrors = [];
  });

  test('a drop past the grace: no join about myself, the others read "… reconnected"', async () => {
    const { url } = await start();
    const ada = await openChat(url);
    const bo = await openChat(url);
    const boName = await myName(bo);
    await notices(ada, 'joined')
      .filter({ hasText: `${boName} joined` })
      .waitFor();
    // My own arrival is no news to me.
    await expectSteady(() => noticeTexts(bo), [], 300, 'notices on the page that just came');

    await bo.context().setOffline(true);
    await bo.locator('[data-testid="connection-status"]:not([data-state="connected"])').waitFor();
    // The drop outlasts the grace: the room hears Bo left.
    await notices(ada, 'left')
      .filter({ hasText: `${boName} left` })
      .waitFor({ timeout: 20_000 });
    await bo.context().setOffline(false);
    await bo.locator('[data-testid="connection-status"][data-state="connected"]').waitFor();

    // The left and the join again are one line, where the join happened; no dangling "left".
    await notices(ada, 'reconnected')
      .filter({ hasText: `${boName} reconnected` })
      .waitFor();
    expect(await noticeTexts(ada)).toEqual([`${boName} joined`, `${boName} reconnected`]);
    // Bo hears no "Bo joined", only a quiet "Reconnected" of its own.
    await notices(bo, 'reconnected').filter({ hasText: 'Reconnected' }).waitFor();
    expect(await noticeTexts(bo)).toEqual(['Reconnected']);
    expect(await bo.getByTestId('notice-run').getAttribute('class')).toContain('mine');

    // A message after it still comes, and breaks nothing.
    await send(bo, 'Back on the train');
    await ada.getByText('Back on the train').waitFor();
    expect(pageErrors.filter((error) => !error.includes('ERR_INTERNET_DISCONNECTED'))).toEqual([]);
  });

  test('five people joining at once are one row: two names, "and 3 others", Show all', async () => {
    const { url } = await start();
    const ada = await openChat(url);
    for (let index = 0; index < 5; index++) {
      clients.push(await RawClient.connect(url, { batched: false }));
    }
    const names = clients.map((client) => client.username);
    const row = ada.getByTestId('notice-run');
    await expect(row).toHaveCount(1);
    await expect(row.getByTestId('notice')).toHaveText(
      `${names[0]}, ${names[1]} and 3 others joined`,
    );
    await expect(row).toHaveAttribute('data-count', '5');

    // The whole list is a keyboard press away.
    const toggle = row.getByTestId('notice-run-toggle');
    await toggle.focus();
    await ada.keyboard.press('Enter');
    await expect(toggle).toHaveAttribute('aria-expanded', 'true');
    const all = row.getByTestId('notice-run-all').locator('li');
    await expect(all).toHaveCount(5);
    for (const [index, name] of names.entries()) {
      await expect(all.nth(index)).toContainText(`${name} joined`);
    }
    await screenshot(ada, 'presence-notices-all');

    // One leaves: the same row grows; a message then starts a new one.
    clients.at(-1)?.close();
    await expect(row.getByTestId('notice').nth(1)).toHaveText(`${names[4]} left`, {
      timeout: 10_000,
    });
    await expect(row).toHaveCount(1);
    await toggle.click();
    await expect(all).toHaveCount(0);
    await send(ada, 'Welcome, all');
    await ada.getByText('Welcome, all').waitFor();
    expect(await seriousViolations(ada)).toEqual([]);
    await screenshot(ada, 'presence-notices');
    expect(pageErrors).toEqual([]);
  });
});
