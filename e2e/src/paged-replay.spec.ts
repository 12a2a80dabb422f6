import { expect, test } from '@playwright/test';
import type { AckOf, ClientToServerEvents, ServerToClientEvents } from '@parley/protocol';
import { type RunningServer, startServer } from '@parley/server/testing';
import type { Browser, BrowserContext, Page } from '@playwright/test';
import { io, type Socket } from 'socket.io-client';

import { openChatPage, send } from './support/chat-page.js';

/**
 * A page that was away while many messages were written gets them back a page of `history` at a
 * time (50 messages a frame): all of them, once each, in order, and live ones after.
 */
test.describe('A long resume, replayed in several history frames', () => {
  let server: RunningServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const errors: string[] = [];

  test.beforeAll(async ({ browser: workerBrowser }) => {
    browser = workerBrowser;
    server = await startServer({
      DATA_DIR: ':memory:',
      MESSAGE_RATE_PER_SECOND: '1000',
      MESSAGE_BURST: '1000',
      CONNECTIONS_PER_MINUTE: '1000',
    });
  });

  test.afterAll(async () => {
    await Promise.all(contexts.map((context) => context.close()));
    await server?.stop();
  });

  /** Posts `texts` in order from a client of its own. */
  async function post(texts: readonly string[]): Promise<void> {
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(server.url, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
    });
    try {
      for (const message of texts) {
        const ack = (await socket
          .timeout(5000)
          .emitWithAck('send_message', { message })) as AckOf<'send_message'>;
        expect(ack.ok).toBe(true);
      }
    } finally {
      socket.disconnect();
    }
  }

  const texts = (page: Page) => page.getByTestId('message-text').allTextContents();

  test('shows every message missed while offline, once, in order, then live ones', async () => {
    const page = await openChatPage(browser, server.url, { contexts, errors });
    // History frames that say more follows, over WebSocket or long-polling.
    let continued = 0;
    const count = (payload: string | Buffer) =>
      (continued += String(payload).split('"more_follows":true').length - 1);
    page.on('websocket', (socket) => socket.on('framereceived', ({ payload }) => count(payload)));
    page.on('response', (response) => {
      if (response.url().includes('/socket.io/') && response.request().method() === 'GET') {
        response.text().then(count, () => undefined);
      }
    });
    await post(['Before the trip']);
    await page.getByText('Before the trip').waitFor();

    await page.context().setOffline(true);
    await page.locator('[data-testid="connection-status"]:not([data-state="connected"])').waitFor();
    const missed = Array.from({ length: 130 }, (_, i) => `Missed ${i + 1}`);
    await post(missed);

    await page.context().setOffline(false);
    await page.locator('[data-testid="connection-status"][data-state="connected"]').waitFor();
    await page.getByText('Missed 130', { exact: true }).waitFor({ timeout: 20_000 });
    await send(page, 'Back again');
    await page
      .locator('[data-testid="message"][data-id]')
      .filter({ hasText: 'Back again' })
      .waitFor();
    expect(await texts(page)).toEqual(['Before the trip', ...missed, 'Back again']);
    // 130 messages: three frames, the first two saying more follows.
    expect(continued).toBe(2);
  });
});
