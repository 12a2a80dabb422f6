import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type AckOf,
  ClientEvent,
  type ClientToServerEvents,
  type ServerToClientEvents,
} from '@parley/protocol';
import { type RunningServer, startServer } from '@parley/server/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { io, type Socket } from 'socket.io-client';

import { myName, send } from './support/chat-page.js';
import { launchChromium, screenshot } from './support/browser.js';

/**
 * "Nothing lost": history, sessions across reloads, paging back, and sends that survive a
 * server going away, not answering, or refusing. Each group runs its own server.
 */

/** Room enough for a test that posts dozens of messages and opens many pages from one address. */
const GENEROUS_LIMITS = {
  MESSAGE_RATE_PER_SECOND: '1000',
  MESSAGE_BURST: '1000',
  CONNECTIONS_PER_MINUTE: '1000',
};

/** Default presence grace (5 s) plus a margin: a "left" notice would have come by then. */
const PAST_PRESENCE_GRACE_MS = 6000;

const SELECTOR_SOCKET = '**/socket.io/**';

/** Tests that restart the server wait for the page's reconnection backoff (up to 5 s a step). */
const SLOW_TEST_MS = 120_000;

let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await Promise.all(contexts.map((context) => context.close()));
  await browser?.close();
});

/**
 * Stops a server, killing it if it has not exited after a few seconds. A server asked to stop can
 * wait indefinitely on a long-polling request a browser still has open (reproduced in about half
 * of the restarts with a few pages connected; reported); these tests are about the page, so such
 * a server is not waited for. Its SQLite data is already on disk (WAL).
 */
async function stopServer(server: RunningServer | undefined): Promise<void> {
  if (!server) {
    return;
  }
  const kill = setTimeout(() => {
    try {
      process.kill(server.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }, 5000);
  try {
    await server.stop();
  } finally {
    clearTimeout(kill);
  }
}

function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'parley-e2e-delivery-'));
}

async function newContext(options: Parameters<Browser['newContext']>[0] = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
  contexts.push(context);
  return context;
}

async function waitConnected(page: Page): Promise<void> {
  await page.locator('[data-testid="connection-status"][data-state="connected"]').waitFor();
  await page.getByTestId('my-name').waitFor();
}

async function openChat(
  url: string,
  options: Parameters<Browser['newContext']>[0] = {},
): Promise<Page> {
  const page = await (await newContext(options)).newPage();
  await page.goto(url);
  await waitConnected(page);
  return page;
}

const message = (page: Page, text: string) =>
  page.getByTestId('message').filter({ has: page.getByText(text, { exact: true }) });

const withStatus = (page: Page, text: string, status: 'pending' | 'sent' | 'failed') =>
  page
    .locator(`[data-testid="message"][data-status="${status}"]`)
    .filter({ has: page.getByText(text, { exact: true }) });

const texts = (page: Page) => page.getByTestId('message-text').allTextContents();

/** How many times each of `wanted` shows, in the order they show. */
function occurrences(all: string[], wanted: readonly string[]): string[] {
  return all.filter((text) => wanted.includes(text));
}

/** Posts messages as a separate (non-browser) client, each acknowledged before the next. */
async function post(url: string, messages: readonly string[]): Promise<void> {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(url, {
    transports: ['websocket'],
    reconnection: false,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  try {
    for (const text of messages) {
      const ack = (await socket
        .timeout(5000)
        .emitWithAck(ClientEvent.SendMessage, { message: text })) as AckOf<'send_message'>;
      if (!ack.ok) {
        throw new Error(`Posting "${text}" was refused: ${ack.message}`);
      }
    }
  } finally {
    socket.disconnect();
  }
}

const numbered = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, index) => `${prefix} ${String(index + 1).padStart(2, '0')}`);

describe('history and identity across reloads', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer({ DATA_DIR: tempDataDir(), ...GENEROUS_LIMITS });
  });

  afterAll(async () => {
    await stopServer(server);
  });

  const conversation = [
    'First, before the reload',
    'Second, before the reload',
    'Third, before the reload',
  ];
  const reply = 'A reply from the other page';

  it('a reload keeps the name and the conversation, and the room hears nothing of it', async () => {
    const ada = await openChat(server.url);
    const bo = await openChat(server.url);
    const adaName = await myName(ada);

    for (const text of conversation) {
      await send(ada, text);
      await withStatus(ada, text, 'sent').waitFor();
    }
    await send(bo, reply);
    await message(ada, reply).waitFor();

    // Stored messages carry their server id, growing in the room's order.
    const ids = await ada
      .getByTestId('message')
      .evaluateAll((items) => items.map((item) => Number(item.getAttribute('data-id'))));
    expect(ids.every((id) => Number.isSafeInteger(id) && id > 0)).toBe(true);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const stampBefore = await message(ada, conversation[0]!)
      .locator('time')
      .getAttribute('datetime');

    await ada.reload();
    await waitConnected(ada);

    // Same name, same conversation: in order, each once, mine still mine (by user id).
    expect(await myName(ada)).toBe(adaName);
    const expected = [...conversation, reply];
    await message(ada, reply).waitFor();
    expect(occurrences(await texts(ada), expected)).toEqual(expected);
    for (const text of conversation) {
      expect(await withStatus(ada, text, 'sent').getAttribute('data-mine')).toBe('true');
    }
    expect(await message(ada, reply).getAttribute('data-mine')).toBe('false');
    expect(await message(ada, reply).getAttribute('data-status')).toBeNull();
    // Times come from the server's `ts`, not from when the page received them.
    expect(await message(ada, conversation[0]!).locator('time').getAttribute('datetime')).toBe(
      stampBefore,
    );

    // The other page heard neither a "left" nor a "joined" for the reload, even past the grace.
    await bo.waitForTimeout(PAST_PRESENCE_GRACE_MS);
    const aboutAda = bo.getByTestId('notice').filter({ hasText: adaName });
    expect(await aboutAda.count()).toBe(0);
    expect(occurrences(await texts(bo), expected)).toEqual(expected);
  });

  it('a late joiner sees the earlier conversation from history', async () => {
    const cara = await openChat(server.url);
    const expected = [...conversation, reply];
    await message(cara, reply).waitFor();
    expect(occurrences(await texts(cara), expected)).toEqual(expected);
    expect(await message(cara, conversation[0]!).getAttribute('data-mine')).toBe('false');
    // Everything there is fits in one page: the list says it starts here.
    await cara.getByTestId('history-start').waitFor();
    expect(await cara.getByTestId('empty-state').count()).toBe(0);
    await screenshot(cara, 'history-late-joiner');
  });
});

describe('without localStorage, or slowed down by the server', () => {
  let server: RunningServer;

  beforeAll(async () => {
    // One message a second, no burst: a quick succession is refused with `rate_limited`.
    server = await startServer({
      DATA_DIR: tempDataDir(),
      MESSAGE_RATE_PER_SECOND: '1',
      MESSAGE_BURST: '0',
      CONNECTIONS_PER_MINUTE: '1000',
    });
  });

  afterAll(async () => {
    await stopServer(server);
  });

  it('messages written faster than the server allows wait their turn and go out in order', async () => {
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

  it('works when storage is blocked (private mode): chat, history, no errors', async () => {
    const context = await newContext();
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

describe('paging back through older messages', () => {
  let server: RunningServer;
  const all = numbered('Paged message', 70);

  beforeAll(async () => {
    server = await startServer({ DATA_DIR: tempDataDir(), ...GENEROUS_LIMITS });
    await post(server.url, all);
  });

  afterAll(async () => {
    await stopServer(server);
  });

  it('scrolling to the top loads older messages without moving the view', async () => {
    const page = await openChat(server.url, { viewport: { width: 1100, height: 760 } });
    const newest = all.slice(-50);
    await message(page, all.at(-1)!).waitFor();
    expect(await texts(page)).toEqual(newest);
    // Nothing older loads until the reader goes up.
    await page.waitForTimeout(500);
    expect(await page.getByTestId('message').count()).toBe(50);
    expect(await page.getByTestId('history-start').count()).toBe(0);

    // Go to the top and note where the (then) oldest message sits in the view.
    const firstShown = newest[0]!;
    const where = (text: string, toTop: boolean) =>
      page.evaluate(
        ({ wanted, scroll }) => {
          const list = document.querySelector('[data-testid="message-list"]');
          if (!list) {
            throw new Error('no message list');
          }
          if (scroll) {
            list.scrollTop = 0;
          }
          const item = Array.from(document.querySelectorAll('[data-testid="message-text"]')).find(
            (element) => element.textContent === wanted,
          );
          if (!item) {
            throw new Error(`"${wanted}" is not in the list`);
          }
          return {
            top: item.getBoundingClientRect().top - list.getBoundingClientRect().top,
            scrollTop: list.scrollTop,
          };
        },
        { wanted: text, scroll: toTop },
      );
    const before = await where(firstShown, true);
    expect(before.scrollTop).toBe(0);

    await page.getByTestId('history-start').waitFor();
    expect(await texts(page)).toEqual(all);
    const after = await where(firstShown, false);
    // The older page went in above: what was in view stayed put.
    expect(Math.abs(after.top - before.top)).toBeLessThanOrEqual(2);
    expect(after.scrollTop).toBeGreaterThan(500);

    await page.getByTestId('message-list').evaluate((list) => (list.scrollTop = 0));
    await screenshot(page, 'history-paged-top');
  });
});

describe('sending when the server is away, silent or refusing', () => {
  const dataDir = tempDataDir();
  // A resume replays at most 5 messages; past that the page is told to start over.
  const env = { DATA_DIR: dataDir, RESUME_MAX_MESSAGES: '5', ...GENEROUS_LIMITS };
  let server: RunningServer;
  let port: string;

  beforeAll(async () => {
    server = await startServer(env);
    port = new URL(server.url).port;
  });

  afterAll(async () => {
    await stopServer(server);
  });

  /** Stops the server and starts it again on the same port with the same data. */
  async function restart(extra: Record<string, string> = {}): Promise<void> {
    await stopServer(server);
    server = await startServer({ ...env, ...extra, PORT: port });
  }

  it(
    'messages written while the server is down wait as pending and go out once, in order',
    async () => {
      const ada = await openChat(server.url);
      const bo = await openChat(server.url);
      const adaName = await myName(ada);
      await send(ada, 'Before the outage');
      await withStatus(ada, 'Before the outage', 'sent').waitFor();

      await stopServer(server);
      await ada
        .locator('[data-testid="connection-status"]:not([data-state="connected"])')
        .waitFor();
      const offline = ['Written offline, first', 'Written offline, second'];
      for (const text of offline) {
        await send(ada, text);
        await withStatus(ada, text, 'pending').waitFor();
        expect(await withStatus(ada, text, 'pending').getAttribute('data-id')).toBeNull();
      }
      expect(await ada.getByTestId('composer-input').inputValue()).toBe('');
      await ada.waitForTimeout(300); // let the last bubble finish easing in
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
    },
    SLOW_TEST_MS,
  );

  it(
    'an unsent message survives a reload (the outbox) and is sent once connected',
    async () => {
      const context = await newContext();
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
    },
    SLOW_TEST_MS,
  );

  it(
    'a send the server does not answer fails visibly; Retry delivers it exactly once',
    async () => {
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
      await bo.waitForTimeout(500);
      expect(occurrences(await texts(ada), [text])).toEqual([text]);
      expect(occurrences(await texts(bo), [text])).toEqual([text]);
    },
    SLOW_TEST_MS,
  );

  it(
    'a refused message shows why; Edit puts it back in the box and Discard forgets it',
    async () => {
      // This server takes shorter messages than the page's default, so a message kept in the
      // outbox before the page learns the limit is refused by the server itself.
      await restart({ MESSAGE_MAX_LENGTH: '40' });
      const context = await newContext({
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
      await page.waitForTimeout(300);
      expect(occurrences(await texts(page), tooLong)).toEqual([]);
      expect(await page.evaluate(() => localStorage.getItem('parley.outbox'))).toBeNull();
    },
    SLOW_TEST_MS,
  );

  it(
    'after missing too much, the page starts over from the newest messages and says so',
    async () => {
      await restart();
      const context = await newContext();
      const page = await context.newPage();
      await page.goto(server.url);
      await waitConnected(page);
      await send(page, 'Seen before going away');
      await withStatus(page, 'Seen before going away', 'sent').waitFor();

      // The page loses the server and cannot come back while the room moves on without it.
      await context.route(SELECTOR_SOCKET, (route) => route.abort());
      await restart();
      await page
        .locator('[data-testid="connection-status"]:not([data-state="connected"])')
        .waitFor();
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
      await page.waitForTimeout(300);
      expect(await page.getByTestId('message').count()).toBe(shown.length);
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
    },
    SLOW_TEST_MS,
  );
});
