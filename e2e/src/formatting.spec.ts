import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect, test } from '@playwright/test';
import { type RunningServer, startServer } from '@parley/server/testing';
import type { Browser, BrowserContext, Page } from '@playwright/test';

import { AxeBuilder } from '@axe-core/playwright';

import { screenshot } from './support/browser.js';
import { openChatPage, send } from './support/chat-page.js';

/** Strike, a two-line quote with formatting inside, and a labelled link, as people type them. */
const FORMATTED = [
  'Meeting moved to ~~Friday~~ Monday.',
  '> Can we do **Monday** instead?',
  '> Works for me',
  'Agenda: [the planning doc](https://docs.example.com:8443/plan?week=48) and `~~not struck~~`',
].join('\n');

/**
 * axe's serious or critical WCAG 2 A/AA violations in the messages only: the formatting is what
 * this spec changes, and the whole page took over 30 s on a loaded two-core machine.
 */
async function messageViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page })
    .include('[data-testid="message"]')
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.html).join(', ')}`);
}

/** A room of its own per test run (`--repeat-each` reuses the server, not the rooms). */
let rooms = 0;
const freshRoom = (name: string) => `${name}-${Date.now().toString(36)}-${++rooms}`;

test.describe('Formatting people type by habit: ~~strike~~, > quotes, [text](url) links', () => {
  let server: RunningServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  /** Console errors and uncaught exceptions of every page (CSP violations show up here). */
  const errors: string[] = [];

  const open = (room: string, options: Parameters<Browser['newContext']>[0] = {}) =>
    openChatPage(browser, new URL(`/r/${room}`, server.url).href, { contexts, errors }, options);

  /** A message confirmed by the server (it has an id) containing this text. */
  const message = (page: Page, text: string) =>
    page.locator('[data-testid="message"][data-id]').filter({ hasText: text });

  test.beforeAll(async ({ browser: workerBrowser }) => {
    server = await startServer({
      DATA_DIR: mkdtempSync(join(tmpdir(), 'parley-e2e-formatting-')),
      MESSAGE_RATE_PER_SECOND: '100',
      MESSAGE_BURST: '100',
    });
    browser = workerBrowser;
  });

  // Each test's pages are closed after it: open sockets and pages add up on a small machine.
  test.afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
  });

  test.afterAll(async () => {
    await server?.stop();
  });

  test('renders strike, a quote and a labelled link showing its real host', async () => {
    const room = freshRoom('formatting');
    const ada = await open(room, { colorScheme: 'light' });
    const bo = await open(room, { colorScheme: 'light' });

    await send(ada, FORMATTED);
    await send(
      bo,
      '> ~~Friday~~ Monday it is\nSee [مستند التخطيط](https://docs.example.com/plan) 2',
    );
    const text = message(bo, 'Meeting moved').getByTestId('message-text');
    await text.waitFor();

    expect(await text.locator('s').allTextContents()).toEqual(['Friday']);
    const quote = text.locator('blockquote');
    expect(await quote.count()).toBe(1);
    expect(await quote.getAttribute('dir')).toBe('auto');
    expect(await quote.textContent()).toBe('Can we do Monday instead?\nWorks for me');
    expect(await quote.locator('strong').textContent()).toBe('Monday');
    // The quote's bar is on the inline-start side and drawn.
    const bar = await quote.evaluate((element) => {
      const style = getComputedStyle(element);
      return {
        width: style.borderLeftWidth,
        style: style.borderLeftStyle,
        right: style.borderRightWidth,
      };
    });
    expect(bar).toEqual({ width: '3px', style: 'solid', right: '0px' });
    // Code is not formatted inside.
    expect(await text.locator('code').textContent()).toBe('~~not struck~~');

    const link = text.locator('a');
    expect(await link.count()).toBe(1);
    expect(await link.getAttribute('href')).toBe('https://docs.example.com:8443/plan?week=48');
    expect(await link.getAttribute('target')).toBe('_blank');
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer nofollow ugc');
    // The text the author chose, isolated, and the host the browser will really go to.
    expect(await link.locator('bdi.label').textContent()).toBe('the planning doc');
    await expect(link.getByTestId('link-host')).toHaveText('(docs.example.com:8443)');
    await expect(link).toBeVisible();
    await expect(link.getByTestId('link-host')).toBeVisible();
    expect(await link.textContent()).toBe('the planning doc (docs.example.com:8443)');

    // An RTL link text is isolated: the host and the words after it keep their order.
    const rtl = message(bo, 'it is').getByTestId('message-text');
    await rtl.waitFor();
    expect(await rtl.locator('blockquote s').textContent()).toBe('Friday');
    const rtlLink = rtl.locator('a');
    expect(await rtlLink.locator('bdi.label').textContent()).toBe('مستند التخطيط');
    const isolation = (selector: string) =>
      rtlLink.locator(selector).evaluate((element) => getComputedStyle(element).unicodeBidi);
    expect(await isolation('bdi.label')).toBe('isolate');
    expect(await isolation('[data-testid="link-host"]')).toBe('isolate');

    // Both kinds of bubble (Ada's plain one, Bo's own accent one) keep the host readable.
    expect(await messageViolations(bo)).toEqual([]);
    await screenshot(bo, 'formatting-light');
    expect(errors).toEqual([]);
  });

  test('keeps a javascript: link and other non-http targets as literal text', async () => {
    const ada = await open(freshRoom('hostile-links'));
    const hostile = '[x](javascript:alert(1)) [y](data:text/html,hi) [z](//evil.example)';
    await send(ada, hostile);
    const text = message(ada, '[x]').getByTestId('message-text');
    await text.waitFor();
    expect(await text.textContent()).toBe(hostile);
    expect(await text.locator('a').count()).toBe(0);
    expect(errors).toEqual([]);
  });

  test('shows the real host when the link text names another', async () => {
    const ada = await open(freshRoom('spoofs'));
    await send(ada, 'Log in at [https://bank.example/login](https://bank.example@evil.example/x)');
    // "exаmple" with a Cyrillic а: the host is shown in punycode.
    await send(ada, 'Or [shop.example.com](https://shop.ex\u0430mple.com/)');

    const spoof = message(ada, 'Log in').locator('a');
    await spoof.waitFor();
    await expect(spoof.getByTestId('link-host')).toHaveText('(⚠ evil.example)');
    expect(await spoof.getAttribute('title')).toBe('Goes to evil.example, not bank.example');

    const idn = message(ada, 'Or ').locator('a');
    await idn.waitFor();
    await expect(idn.getByTestId('link-host')).toHaveText('(⚠ shop.xn--exmple-4nf.com)');
    expect(await idn.getAttribute('href')).toBe('https://shop.xn--exmple-4nf.com/');
    await screenshot(ada, 'formatting-spoof');
    expect(errors).toEqual([]);
  });

  test('looks right in the dark theme', async () => {
    const room = freshRoom('formatting-dark');
    const ada = await open(room, { colorScheme: 'dark' });
    const bo = await open(room, { colorScheme: 'dark' });
    await send(ada, FORMATTED);
    await send(bo, '> Works for me\n~~Friday~~ Monday, see [the doc](https://docs.example.com/)');
    await message(bo, 'Meeting moved').waitFor();
    await message(bo, 'Works for me').filter({ hasText: 'the doc' }).waitFor();
    expect(await messageViolations(bo)).toEqual([]);
    await screenshot(bo, 'formatting-dark');
    expect(errors).toEqual([]);
  });
});
