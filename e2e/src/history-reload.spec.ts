import { type RunningServer, startServer } from '@parley/server/testing';

import { screenshot } from './support/browser.js';
import { myName, send } from './support/chat-page.js';
import {
  GENEROUS_LIMITS,
  message,
  occurrences,
  stopServer,
  tempDataDir,
  texts,
  withStatus,
} from './support/delivery.js';
import { expect, test, waitConnected } from './support/fixtures.js';
import { expectSteady } from './support/steady.js';

/** Default presence grace (5 s) plus a margin: a "left" notice would have come by then. */
const PAST_PRESENCE_GRACE_MS = 6000;

test.describe('history and identity across reloads', () => {
  let server: RunningServer;

  test.beforeAll(async () => {
    server = await startServer({ DATA_DIR: tempDataDir(), ...GENEROUS_LIMITS });
  });

  test.afterAll(async () => {
    await stopServer(server);
  });

  const conversation = [
    'First, before the reload',
    'Second, before the reload',
    'Third, before the reload',
  ];
  const reply = 'A reply from the other page';

  test('a reload keeps the name and the conversation, and the room hears nothing of it', async ({
    openChat,
  }) => {
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
    const aboutAda = bo.getByTestId('notice').filter({ hasText: adaName });
    await expectSteady(() => aboutAda.count(), 0, PAST_PRESENCE_GRACE_MS);
    expect(occurrences(await texts(bo), expected)).toEqual(expected);
  });

  test('a late joiner sees the earlier conversation from history', async ({ openChat }) => {
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
