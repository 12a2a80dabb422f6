import { type RunningServer, startServer } from '@parley/server/testing';

import { send } from './support/chat-page.js';
import {
  message,
  occurrences,
  stopServer,
  tempDataDir,
  texts,
  withStatus,
} from './support/delivery.js';
import { expect, test, waitConnected } from './support/fixtures.js';

test.describe('without localStorage, or slowed down by the server', () => {
  let server: RunningServer;

  test.beforeAll(async () => {
    // One message a second, no burst: a quick succession is refused with `rate_limited`.
    server = await startServer({
      DATA_DIR: tempDataDir(),
      MESSAGE_RATE_PER_SECOND: '1',
      MESSAGE_BURST: '0',
      CONNECTIONS_PER_MINUTE: '1000',
    });
  });

  test.afterAll(async () => {
    await stopServer(server);
  });

  test('messages written faster than the server allows wait their turn and go out in order', async ({
    openChat,
  }) => {
    const ada = await openChat(server.url);
    const bo = await openChat(server.url);
    const burst = ['Quick one', 'Quick two', 'Quick three'];
    for (const text of burst) {
      await send(ada, text);
    }
    for (const text of burst) {
      await withStatus(ada, text, 'sent').waitFor({ timeout: 15_000 });
    }
    expect(await ada.locator('[data-testid="message"][data-status="failed"]').count()).toBe(0);
    await message(bo, burst.at(-1)!).waitFor();
    expect(occurrences(await texts(bo), burst)).toEqual(burst);
    expect(occurrences(await texts(ada), burst)).toEqual(burst);
  });

  test('works when storage is blocked (private mode): chat, history, no errors', async ({
    person,
  }) => {
    const context = await person();
    await context.addInitScript(() => {
      Object.defineProperty(window, 'localStorage', {
        configurable: true,
        get() {
          throw new DOMException('The operation is insecure.', 'SecurityError');
        },
      });
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(server.url);
    await waitConnected(page);
    const text = 'Written with storage blocked';
    await send(page, text);
    await withStatus(page, text, 'sent').waitFor();

    // Nothing to remember the session by: a new name after a reload, but the room's history.
    await page.reload();
    await waitConnected(page);
    await message(page, text).waitFor();
    expect(errors).toEqual([]);
  });
});
