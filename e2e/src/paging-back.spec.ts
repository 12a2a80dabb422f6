import { type RunningServer, startServer } from '@parley/server/testing';

import { screenshot } from './support/browser.js';
import {
  GENEROUS_LIMITS,
  message,
  numbered,
  post,
  stopServer,
  tempDataDir,
  texts,
} from './support/delivery.js';
import { expect, test } from './support/fixtures.js';
import { expectSteady } from './support/steady.js';

test.describe('paging back through older messages', () => {
  let server: RunningServer;
  const all = numbered('Paged message', 70);

  test.beforeAll(async () => {
    server = await startServer({ DATA_DIR: tempDataDir(), ...GENEROUS_LIMITS });
    await post(server.url, all);
  });

  test.afterAll(async () => {
    await stopServer(server);
  });

  test('scrolling to the top loads older messages without moving the view', async ({
    openChat,
  }) => {
    const page = await openChat(server.url, { viewport: { width: 1100, height: 760 } });
    const newest = all.slice(-50);
    await message(page, all.at(-1)!).waitFor();
    expect(await texts(page)).toEqual(newest);
    // Nothing older loads until the reader goes up.
    await expectSteady(() => page.getByTestId('message').count(), 50, 500);
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
