import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect, test } from '@playwright/test';
import { type AckOf, ClientEvent } from '@parley/protocol';
import { type RunningServer, startServer } from '@parley/server/testing';
import type { Browser, BrowserContext, Locator, Page } from '@playwright/test';

import { seriousViolations } from './support/axe.js';
import { SCREENSHOT_DIR, screenshot } from './support/browser.js';
import { send, watchErrors } from './support/chat-page.js';
import { RawClient } from './support/raw-client.js';

/** One character carrying 1,900 combining marks, above and below (U+0300–U+036F in turn). */
const ZALGO =
  'Z' + Array.from({ length: 1900 }, (_, i) => String.fromCodePoint(0x300 + (i % 0x70))).join('');
/** Two thousand newlines between two words: 46,000 px tall before the fix. */
const BLANK_LINES = 'top' + '\n'.repeat(2000) + 'bottom';
/** "Invoice exe.txt" on screen, "Invoice txt.exe" in the text: the classic override spoof. */
const SPOOF = 'Invoice \u202Etxt.exe';
/** Every kind of override and isolate, none of them closed. */
const UNCLOSED = 'opened \u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069 and never closed';
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/u;

/** Numbered lines up to (nearly) the 2,000-character limit: about 440 lines, none blank. */
const LONG_LINES: string[] = [];
for (let n = 1; [...LONG_LINES, n].join('\n').length <= 1990; n++) {
  LONG_LINES.push(String(n));
}
const LONG = LONG_LINES.join('\n');

/**
 * Messages as an older server (or stored history from before the server cleaned them) delivers
 * them: the tests post a harmless token and the page's WebSocket gets the hostile text in its
 * place, so what is tested is the page's display, whatever the server does to new messages.
 */
const HOSTILE: Record<string, string> = {
  'hostile-token-zalgo': ZALGO,
  'hostile-token-blank-lines': BLANK_LINES,
  'hostile-token-spoof': SPOOF,
  'hostile-token-unclosed': UNCLOSED,
};

/** Replaces the tokens in one Socket.IO frame (JSON text) by their hostile texts. */
function inject(frame: string): string {
  let out = frame;
  for (const [token, text] of Object.entries(HOSTILE)) {
    out = out.split(token).join(JSON.stringify(text).slice(1, -1));
  }
  return out;
}

type Box = { x: number; y: number; width: number; height: number };

async function boxOf(locator: Locator): Promise<Box> {
  const box = await locator.boundingBox();
  if (!box) {
    throw new Error('Not rendered');
  }
  return box;
}

const within = (inner: Box, outer: Box) =>
  inner.x >= outer.x - 0.5 &&
  inner.y >= outer.y - 0.5 &&
  inner.x + inner.width <= outer.x + outer.width + 0.5 &&
  inner.y + inner.height <= outer.y + outer.height + 0.5;

const overlap = (a: Box, b: Box) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/**
 * How many pixels differ by more than anti-aliasing between two PNG screenshots of the same
 * region (repainting a tile can shift an edge's shade by one). Decoded by the page's own canvas.
 */
async function inkDifference(page: Page, a?: Buffer, b?: Buffer): Promise<number> {
  if (!a || !b) {
    throw new Error('Missing screenshot');
  }
  return page.evaluate(
    async ({ first, second }) => {
      const pixels = async (base64: string) => {
        const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
        const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
        const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
        const context = canvas.getContext('2d');
        context?.drawImage(bitmap, 0, 0);
        return context?.getImageData(0, 0, bitmap.width, bitmap.height).data ?? [];
      };
      const [x, y] = await Promise.all([pixels(first), pixels(second)]);
      let count = x.length === y.length ? 0 : Number.POSITIVE_INFINITY;
      for (let i = 0; i < x.length; i++) {
        if (Math.abs((x[i] ?? 0) - (y[i] ?? 0)) > 32) {
          count += 1;
        }
      }
      return count;
    },
    { first: a.toString('base64'), second: b.toString('base64') },
  );
}

test.describe('Hostile message text cannot break the layout', () => {
  let server: RunningServer;
  let browser: Browser;
  let sender: RawClient;
  let page: Page;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  /** Server-to-page WebSocket frames, as the server sent them. */
  const framesOverWebSocket: string[] = [];

  /** The other person's message with this text (or token). */
  const message = (text: string) =>
    page.locator('[data-testid="message"][data-id]').filter({ hasText: text });

  async function post(text: string): Promise<void> {
    const ack = (await sender.socket
      .timeout(5000)
      .emitWithAck(ClientEvent.SendMessage, { message: text })) as AckOf<'send_message'>;
    if (!ack.ok) {
      throw new Error(`"${text.slice(0, 20)}" was refused: ${ack.message}`);
    }
  }

  /**
   * A message can only be rewritten on its way to the page once the page's connection has moved
   * from long-polling to the WebSocket: until then, harmless warm-up messages are posted.
   */
  async function untilOnWebSocket(): Promise<void> {
    for (let attempt = 1; !framesOverWebSocket.some((f) => f.includes('warm-up')); attempt++) {
      if (attempt > 20) {
        throw new Error('The page never moved to the WebSocket');
      }
      await post(`warm-up ${attempt}`);
      await message(`warm-up ${attempt}`).waitFor();
    }
  }

  /** The page writes a line, so the other person's next message starts a group (name, time). */
  async function interrupt(text: string): Promise<void> {
    await send(page, text);
    await page
      .locator('[data-testid="message"][data-mine="true"][data-id]')
      .filter({ hasText: text })
      .waitFor();
  }

  /** Posts `token` and waits for its message, hostile text in its place, on the page. */
  async function postHostile(token: string): Promise<Locator> {
    await post(token);
    const before = HOSTILE[token]?.slice(0, 3) ?? '';
    const item = page
      .locator('[data-testid="message"][data-id]')
      .filter({ hasText: before })
      .last();
    await item.waitFor();
    return item;
  }

  /** Waits for every animation on the page (messages ease in) to finish and every avatar to load. */
  const settle = () =>
    page.evaluate(() =>
      Promise.all([
        ...document.getAnimations().map((animation) => animation.finished),
        ...Array.from(document.images).map((image) => image.decode().catch(() => undefined)),
      ]),
    );

  test.beforeAll(async ({ browser: workerBrowser }) => {
    server = await startServer({
      DATA_DIR: mkdtempSync(join(tmpdir(), 'parley-e2e-hostile-')),
      MESSAGE_RATE_PER_SECOND: '100',
      MESSAGE_BURST: '100',
    });
    browser = workerBrowser;
    sender = await RawClient.connect(server.url, { batched: true });

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    contexts.push(context);
    page = await context.newPage();
    watchErrors(page, pageErrors);
    await page.routeWebSocket(/\/socket\.io\//, (route) => {
      const upstream = route.connectToServer();
      upstream.onMessage((frame) => {
        if (typeof frame === 'string') {
          framesOverWebSocket.push(frame);
          route.send(inject(frame));
        } else {
          route.send(frame);
        }
      });
    });
    await page.goto(server.url);
    await page.locator('[data-testid="connection-status"][data-state="connected"]').waitFor();
    await page.getByTestId('my-name').filter({ hasText: /\S/ }).waitFor();
    await untilOnWebSocket();
  });

  test.afterAll(async () => {
    sender?.close();
    await Promise.all(contexts.map((context) => context.close()));
    await server?.stop();
  });

  test('a character with 1,900 combining marks paints nothing outside its bubble', async () => {
    await interrupt('The message before');
    const zalgo = await postHostile('hostile-token-zalgo');
    await interrupt('The message after');
    await settle();

    const list = await boxOf(page.getByTestId('message-list'));
    const text = zalgo.getByTestId('message-text');
    const bubble = await boxOf(zalgo.locator('.bubble'));
    const time = await boxOf(zalgo.getByTestId('message-time'));
    const author = await boxOf(zalgo.getByTestId('message-author'));
    expect(within(await boxOf(zalgo), list)).toBe(true);
    expect(within(bubble, list)).toBe(true);
    expect(overlap(bubble, time)).toBe(false);
    expect(overlap(bubble, author)).toBe(false);
    expect(bubble.height).toBeLessThan(120);
    await screenshot(page, 'hostile-zalgo');

    // Everything outside the bubble looks the same with the marks drawn and with them hidden.
    const margin = 4; // the bubble's own shadow
    const regions: Record<string, Box> = {
      'above (name, time, the message before)': {
        x: list.x,
        y: list.y,
        width: list.width,
        height: bubble.y - margin - list.y,
      },
      'below (the message after)': {
        x: list.x,
        y: bubble.y + bubble.height + margin,
        width: list.width,
        height: list.y + list.height - (bubble.y + bubble.height + margin),
      },
      'left of it': {
        x: list.x,
        y: bubble.y,
        width: bubble.x - margin - list.x,
        height: bubble.height,
      },
      'right of it': {
        x: bubble.x + bubble.width + margin,
        y: bubble.y,
        width: list.x + list.width - (bubble.x + bubble.width + margin),
        height: bubble.height,
      },
    };
    const shoot = async () => {
      const shots: Record<string, Buffer> = {};
      for (const [name, clip] of Object.entries(regions)) {
        shots[name] = await page.screenshot({ clip, animations: 'disabled' });
      }
      return shots;
    };
    // Avatars out of the picture: an SVG avatar is not rasterised to the same pixels twice.
    await page
      .getByTestId('message-list')
      .evaluate((list) =>
        list.querySelectorAll('img').forEach((image) => (image.style.visibility = 'hidden')),
      );
    const drawn = await shoot();
    await text.evaluate((element: HTMLElement) => (element.style.color = 'transparent'));
    const hidden = await shoot();
    await text.evaluate((element: HTMLElement) => (element.style.color = ''));
    const paintedOver: string[] = [];
    for (const name of Object.keys(regions)) {
      if ((await inkDifference(page, drawn[name], hidden[name])) > 0) {
        paintedOver.push(name);
      }
    }
    for (const name of paintedOver) {
      // Kept for whoever reads a failure: the region with the marks drawn, and without.
      const file = `hostile-zalgo-${name.split(' ')[0] ?? ''}`;
      writeFileSync(join(SCREENSHOT_DIR, `${file}-drawn.png`), drawn[name] ?? '');
      writeFileSync(join(SCREENSHOT_DIR, `${file}-hidden.png`), hidden[name] ?? '');
    }
    expect(paintedOver).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  test('2,000 newlines show as at most two blank lines', async () => {
    await interrupt('Blank lines next');
    const tall = await postHostile('hostile-token-blank-lines');
    await settle();
    expect((await boxOf(tall)).height).toBeLessThan(200);
    expect(await tall.getByTestId('message-text').textContent()).toBe('top\n\n\nbottom');
    await screenshot(page, 'hostile-blank-lines');
  });

  test('a long message is folded, and Show more / Show less work by keyboard', async () => {
    await interrupt('A long one next');
    await post(LONG);
    const long = message(LONG_LINES.slice(0, 12).join(' ')).last();
    await long.waitFor();
    await settle();
    const list = await boxOf(page.getByTestId('message-list'));
    expect((await boxOf(long)).height).toBeLessThan(400);
    expect(within(await boxOf(long), list)).toBe(true);

    const toggle = long.getByRole('button', { name: 'Show more' });
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    const controls = await toggle.getAttribute('aria-controls');
    expect(await long.getByTestId('message-text').getAttribute('id')).toBe(controls);
    await screenshot(page, 'hostile-long-folded');

    // Reached with Tab from the focused message, opened with Enter.
    await long.focus();
    await page.keyboard.press('Tab');
    expect(await toggle.evaluate((button) => button === document.activeElement)).toBe(true);
    await page.keyboard.press('Enter');
    const less = long.getByRole('button', { name: 'Show less' });
    await less.waitFor();
    expect(await less.getAttribute('aria-expanded')).toBe('true');
    expect((await boxOf(long)).height).toBeGreaterThan(5000);
    await screenshot(page, 'hostile-long-expanded');
    // It stays open while the conversation goes on.
    await post('said while it is open');
    await message('said while it is open').waitFor();
    expect(await long.getByTestId('message-fold').getAttribute('aria-expanded')).toBe('true');

    // Read to its end, then fold it again with Space: the button stays focused and in view.
    await less.scrollIntoViewIfNeeded();
    await page.keyboard.press('Space');
    await toggle.waitFor();
    expect((await boxOf(long)).height).toBeLessThan(400);
    expect(await toggle.evaluate((button) => button === document.activeElement)).toBe(true);
    expect(within(await boxOf(toggle), await boxOf(page.getByTestId('message-list')))).toBe(true);
    await screenshot(page, 'hostile-long-refolded-focus');

    // A link past the fold gets keyboard focus: the message unfolds so it can be seen.
    await interrupt('A long one with a link at its end');
    await post(`${LONG_LINES.slice(0, 100).join('\n')}\nhttps://example.com/past-the-fold`);
    const linked = message('past-the-fold').last();
    await linked.getByRole('button', { name: 'Show more' }).waitFor();
    await linked.focus();
    await page.keyboard.press('Tab');
    expect(await linked.getByRole('link').evaluate((link) => link === document.activeElement)).toBe(
      true,
    );
    await linked.getByRole('button', { name: 'Show less' }).waitFor();
    expect((await boxOf(linked)).height).toBeGreaterThan(1000);

    // My own long message folds the same way, in the dark theme too.
    await page.emulateMedia({ colorScheme: 'dark' });
    await send(page, LONG);
    const mine = page
      .locator('[data-testid="message"][data-mine="true"][data-id]')
      .filter({ hasText: LONG_LINES.slice(0, 12).join(' ') });
    await mine.getByRole('button', { name: 'Show more' }).waitFor();
    await settle();
    expect((await boxOf(mine)).height).toBeLessThan(400);
    await screenshot(page, 'hostile-long-mine-dark');
    // The buttons and the faded text pass an accessibility scan, in both themes.
    expect(await seriousViolations(page)).toEqual([]);
    await page.emulateMedia({ colorScheme: 'light' });
    expect(await seriousViolations(page)).toEqual([]);

    // Short messages have no fold.
    await post('short and sweet');
    const short = message('short and sweet');
    await short.waitFor();
    expect(await short.getByTestId('message-fold').count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });

  test('direction overrides cannot reorder the text or leak past the message', async () => {
    const spoof = await postHostile('hostile-token-spoof');
    const spoofText = spoof.getByTestId('message-text');
    expect(await spoofText.textContent()).not.toMatch(BIDI_CONTROLS);
    // The letters are drawn in the order they were written: "txt" left of "exe".
    const [txtLeft, exeLeft] = await spoofText.evaluate((element) => {
      const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const at = node.textContent?.indexOf('txt') ?? -1;
        if (at !== -1) {
          const left = (from: number) => {
            const range = document.createRange();
            range.setStart(node, from);
            range.setEnd(node, from + 1);
            return range.getBoundingClientRect().left;
          };
          const end = node.textContent?.indexOf('exe', at) ?? -1;
          return [left(at), left(end)];
        }
      }
      return [Number.NaN, Number.NaN];
    });
    expect(txtLeft).toBeLessThan(exeLeft);

    await interrupt('Unclosed overrides next');
    const unclosed = await postHostile('hostile-token-unclosed');
    const text = unclosed.getByTestId('message-text');
    expect(await text.textContent()).toBe('opened  and never closed');
    // The next message (and its name and time) still reads left to right, in its usual order.
    await post('plain after the overrides');
    const after = message('plain after the overrides');
    await after.waitFor();
    await settle();
    const author = await boxOf(unclosed.getByTestId('message-author'));
    const time = await boxOf(unclosed.getByTestId('message-time'));
    expect(author.x).toBeLessThan(time.x);
    expect(await text.evaluate((element) => getComputedStyle(element).unicodeBidi)).toMatch(
      /isolate|plaintext/,
    );
    await screenshot(page, 'hostile-bidi');
    expect(pageErrors).toEqual([]);
  });
});
