import { type RunningServer, startServer } from '@parley/server/testing';

import { screenshot } from './support/browser.js';
import { myName, send } from './support/chat-page.js';
import {
  GENEROUS_LIMITS,
  SELECTOR_SOCKET,
  message,
  numbered,
  occurrences,
  post,
  stopServer,
  tempDataDir,
  texts,
  withStatus,
} from './support/delivery.js';
import { expect, test, waitConnected } from './support/fixtures.js';
import { expectSteady } from './support/steady.js';

/** Tests that restart the server wait for the page's reconnection backoff (up to 5 s a step). */
const SLOW_TEST_MS = 120_000;

test.describe('sending when the server is away, silent or refusing', () => {
  test.describe.configure({ timeout: SLOW_TEST_MS });
  const dataDir = tempDataDir();
  // A resume replays at most 5 messages; past that the page is told to start over.
  const env = { DATA_DIR: dataDir, RESUME_MAX_MESSAGES: '5', ...GENEROUS_LIMITS };
  let server: RunningServer;
  let port: string;

  test.beforeAll(async () => {
    server = await startServer(env);
    port = new URL(server.url).port;
  });

  test.afterAll(async () => {
    await stopServer(server);
  });

  /** Stops the server and starts it again on the same port with the same data. */
  async function restart(extra: Record<string, string> = {}): Promise<void> {
    await stopServer(server);
    server = await startServer({ ...env, ...extra, PORT: port });
  }

  test('messages written while the server is down wait as pending and go out once, in order', async ({
    openChat,
  }) => {
    const ada = await openChat(server.url);
    const bo = await openChat(server.url);
    const adaName = await myName(ada);
    await send(ada, 'Before the outage');
    await withStatus(ada, 'Before the outage', 'sent').waitFor();

    await stopServer(server);
    await ada.locator('[data-testid="connection-status"]:not([data-state="connected"])').waitFor();
    const offline = ['Written offline, first', 'Written offline, second'];
    for (const text of offline) {
      await send(ada, text);
      await withStatus(ada, text, 'pending').waitFor();
      expect(await withStatus(ada, text, 'pending').getAttribute('data-id')).toBeNull();
    }
    expect(await ada.getByTestId('composer-input').inputValue()).toBe('');
    await screenshot(ada, 'history-pending');

    server = await startServer({ ...env, PORT: port });
    await waitConnected(ada);
    for (const text of offline) {
      await withStatus(ada, text, 'sent').waitFor({ timeout: 20_000 });
      await message(bo, text).waitFor({ timeout: 20_000 });
    }
    expect(await myName(ada)).toBe(adaName);
    const expected = ['Before the outage', ...offline];
    expect(occurrences(await texts(ada), expected)).toEqual(expected);
    expect(occurrences(await texts(bo), expected)).toEqual(expected);
    const ids = await Promise.all(
      offline.map(async (text) => Number(await message(ada, text).getAttribute('data-id'))),
    );
    expect(ids[0]).toBeLessThan(ids[1]!);
  });

  test('an unsent message survives a reload (the outbox) and is sent once connected', async ({
    openChat,
    person,
  }) => {
    const context = await person();
    // The page loads, but its socket cannot get through.
    await context.route(SELECTOR_SOCKET, (route) => route.abort());
    const page = await context.newPage();
    await page.goto(server.url);
    const text = 'Written before a reload, never connected';
    await send(page, text);
    await withStatus(page, text, 'pending').waitFor();

    await page.reload();
    await withStatus(page, text, 'pending').waitFor();
    expect(await page.getByTestId('connection-status').getAttribute('data-state')).not.toBe(
      'connected',
    );

    await context.unroute(SELECTOR_SOCKET);
    await waitConnected(page);
    await withStatus(page, text, 'sent').waitFor({ timeout: 20_000 });
    const other = await openChat(server.url);
    await message(other, text).waitFor();
    expect(occurrences(await texts(other), [text])).toEqual([text]);
    expect(occurrences(await texts(page), [text])).toEqual([text]);
  });

  test('a send the server does not answer fails visibly; Retry delivers it exactly once', async ({
    openChat,
  }) => {
    const ada = await openChat(server.url, { colorScheme: 'dark' });
    const bo = await openChat(server.url);
    await send(ada, 'Just before the silence');
    await withStatus(ada, 'Just before the silence', 'sent').waitFor();

    const text = 'Nobody answered this one at first';
    process.kill(server.pid, 'SIGSTOP');
    try {
      await send(ada, text);
      await withStatus(ada, text, 'pending').waitFor();
      await withStatus(ada, text, 'failed').waitFor({ timeout: 15_000 });
      expect(
        await withStatus(ada, text, 'failed').getByTestId('message-failure').textContent(),
      ).toMatch(/did not answer/);
      await screenshot(ada, 'history-failed-dark');

      await withStatus(ada, text, 'failed').getByTestId('message-retry').click();
      await withStatus(ada, text, 'pending').waitFor();
    } finally {
      process.kill(server.pid, 'SIGCONT');
    }

    // The first attempt and the retry both reach the server; it stores the message once.
    await withStatus(ada, text, 'sent').waitFor({ timeout: 20_000 });
    await message(bo, text).waitFor();
    expect(occurrences(await texts(ada), [text])).toEqual([text]);
    await expectSteady(async () => occurrences(await texts(bo), [text]), [text], 500);
  });

  test('a refused message shows why; Edit puts it back in the box and Discard forgets it', async ({
    person,
  }) => {
    // This server takes shorter messages than the page's default, so a message kept in the
    // outbox before the page learns the limit is refused by the server itself.
    await restart({ MESSAGE_MAX_LENGTH: '40' });
    const context = await person({
      viewport: { width: 360, height: 740 },
      isMobile: true,
      hasTouch: true,
      deviceScaleFactor: 2,
    });
    const page = await context.newPage();
    await page.goto(server.url);
    await waitConnected(page);
    const tooLong = [
      'This message is longer than forty characters: edit it.',
      'This one is also longer than forty characters: discard it.',
    ];
    await page.evaluate((entries) => {
      localStorage.setItem(
        'parley.outbox',
        JSON.stringify(
          entries.map((text, index) => ({
            clientId: `e2e-refused-${index}`,
            text,
            createdAt: Date.now(),
          })),
        ),
      );
    }, tooLong);
    await page.reload();
    await waitConnected(page);

    for (const text of tooLong) {
      const failed = withStatus(page, text, 'failed');
      await failed.waitFor();
      expect(await failed.getByTestId('message-failure').textContent()).toMatch(
        /at most 40 characters/,
      );
      expect(await failed.getAttribute('data-id')).toBeNull();
    }
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBe(0);
    await screenshot(page, 'history-refused-phone');

    await withStatus(page, tooLong[0]!, 'failed').getByTestId('message-edit').click();
    expect(await page.getByTestId('composer-input').inputValue()).toBe(tooLong[0]);
    await withStatus(page, tooLong[1]!, 'failed').getByTestId('message-discard').click();
    await message(page, tooLong[0]!).waitFor({ state: 'detached' });
    await message(page, tooLong[1]!).waitFor({ state: 'detached' });

    // Gone from the outbox too: a reload does not bring them back.
    await page.reload();
    await waitConnected(page);
    await expectSteady(async () => occurrences(await texts(page), tooLong), [], 300);
    expect(await page.evaluate(() => localStorage.getItem('parley.outbox'))).toBeNull();
  });

  test('after missing too much, the page starts over from the newest messages and says so', async ({
    person,
  }) => {
    await restart();
    const context = await person();
    const page = await context.newPage();
    await page.goto(server.url);
    await waitConnected(page);
    await send(page, 'Seen before going away');
    await withStatus(page, 'Seen before going away', 'sent').waitFor();

    // The page loses the server and cannot come back while the room moves on without it.
    await context.route(SELECTOR_SOCKET, (route) => route.abort());
    await restart();
    await page.locator('[data-testid="connection-status"]:not([data-state="connected"])').waitFor();
    await send(page, 'Written while away');
    await withStatus(page, 'Written while away', 'pending').waitFor();
    const missed = numbered('Missed while away', 60);
    await post(server.url, missed);
    await context.unroute(SELECTOR_SOCKET);

    await waitConnected(page);
    await page.getByTestId('history-gap').waitFor({ timeout: 20_000 });
    await withStatus(page, 'Written while away', 'sent').waitFor({ timeout: 20_000 });
    const shown = await texts(page);
    // What the page had is dropped; it shows the newest page, then what it sent meanwhile.
    expect(shown).not.toContain('Seen before going away');
    expect(shown.at(-1)).toBe('Written while away');
    const shownMissed = occurrences(shown, missed);
    expect(shownMissed).toEqual(missed.slice(-shownMissed.length));
    expect(shownMissed.length).toBeGreaterThanOrEqual(49);
    expect(new Set(shown).size).toBe(shown.length);

    // At the top, the marker says so and offers to go back over the gap (no automatic paging).
    await page
      .getByTestId('message-list')
      .evaluate((list) => list.scrollTo({ top: 0, behavior: 'instant' }));
    await expectSteady(() => page.getByTestId('message').count(), shown.length, 300);
    await screenshot(page, 'history-gap');

    await page.getByTestId('history-gap-load').click();
    await message(page, 'Seen before going away').waitFor();
    await page.getByTestId('history-gap').waitFor({ state: 'detached' });
    const filled = await texts(page);
    expect(occurrences(filled, ['Seen before going away', ...missed])).toEqual([
      'Seen before going away',
      ...missed,
    ]);
    expect(new Set(filled).size).toBe(filled.length);
  });
});
