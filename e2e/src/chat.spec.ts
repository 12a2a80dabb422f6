import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect, test } from '@playwright/test';
import { type RunningServer, startServer } from '@parley/server/testing';
import type { Browser, BrowserContext, Page } from '@playwright/test';

import { myName, openChatPage, rename, send } from './support/chat-page.js';
import { screenshot } from './support/browser.js';

const NAME = /^User_\d{4}$/;

test.describe('Parley in a real browser (production build)', () => {
  let server: RunningServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  /** Console errors and uncaught exceptions of every page (CSP violations show up here). */
  const pageErrors: string[] = [];

  const openChat = (options: Parameters<Browser['newContext']>[0] = {}): Promise<Page> =>
    openChatPage(browser, server.url, { contexts, errors: pageErrors }, options);

  const notices = (page: Page, kind: string) =>
    page.locator(`[data-testid="notice"][data-kind="${kind}"]`);

  test.beforeAll(async ({ browser: workerBrowser }) => {
    server = await startServer({ DATA_DIR: mkdtempSync(join(tmpdir(), 'parley-e2e-')) });
    browser = workerBrowser;
  });

  test.afterAll(async () => {
    await Promise.all(contexts.map((context) => context.close()));
    await server?.stop();
  });

  test('two people get distinct names; a message shows on both pages with its author and avatar', async () => {
    const ada = await openChat();
    const bo = await openChat();
    const adaName = await myName(ada);
    const boName = await myName(bo);
    expect(adaName).toMatch(NAME);
    expect(boName).toMatch(NAME);
    expect(adaName).not.toBe(boName);
    await notices(ada, 'joined').filter({ hasText: boName }).waitFor();

    // Ada sends; both see it with her name and avatar, set apart as hers on her page only.
    await send(ada, 'Hello from a real browser 👋');
    const onBo = bo.getByTestId('message').filter({ hasText: 'Hello from a real browser' });
    const onAda = ada.getByTestId('message').filter({ hasText: 'Hello from a real browser' });
    await onBo.waitFor();
    await onAda.waitFor();
    expect(await onBo.getByTestId('message-author').textContent()).toContain(adaName);
    expect(await onBo.getAttribute('data-mine')).toBe('false');
    expect(await onAda.getAttribute('data-mine')).toBe('true');
    expect(await onBo.getByTestId('message-text').textContent()).toBe(
      'Hello from a real browser 👋',
    );
    expect(await ada.getByTestId('composer-input').inputValue()).toBe('');

    const avatarOnBo = onBo.getByTestId('message-avatar');
    const avatarOnAda = onAda.getByTestId('message-avatar');
    const avatarSrc = await avatarOnBo.getAttribute('src');
    expect(avatarSrc).toMatch(new RegExp(`^/avatars/(lorelei|notionists)/${adaName}\\.svg$`));
    expect(await avatarOnAda.getAttribute('src')).toBe(avatarSrc);
    await avatarOnBo.evaluate((img: HTMLImageElement) => img.decode());
    const loaded = await avatarOnBo.evaluate(
      (img: HTMLImageElement) => img.complete && img.naturalWidth > 0,
    );
    expect(loaded).toBe(true);
    // The strict Content-Security-Policy held: nothing was blocked, nothing threw.
    expect(pageErrors).toEqual([]);
  });

  test('Shift+Enter makes a new line; an empty message is never sent', async () => {
    const ada = await openChat();
    const bo = await openChat();
    // Shift+Enter makes a new line instead of sending.
    const input = bo.getByTestId('composer-input');
    await input.fill('first line');
    await input.press('Shift+Enter');
    await input.type('second line');
    await input.press('Enter');
    const multiLine = ada.getByTestId('message').filter({ hasText: 'second line' });
    await multiLine.waitFor();
    expect(await multiLine.getByTestId('message-text').textContent()).toBe(
      'first line\nsecond line',
    );

    // An empty message is never sent.
    const before = await ada.getByTestId('message').count();
    await send(bo, '   ');
    await send(bo, 'after the blank one');
    await ada.getByTestId('message').filter({ hasText: 'after the blank one' }).waitFor();
    expect(await ada.getByTestId('message').count()).toBe(before + 1);
    // The strict Content-Security-Policy held: nothing was blocked, nothing threw.
    expect(pageErrors).toEqual([]);
  });

  test('a rename shows on both pages and on later messages; a taken name is refused quietly', async () => {
    const ada = await openChat();
    const bo = await openChat();
    const adaName = await myName(ada);
    const boName = await myName(bo);
    // A rename shows as a notice on both pages, and later messages carry the new name.
    await rename(ada, 'Ada');
    await notices(ada, 'renamed')
      .filter({ hasText: `${adaName} is now Ada` })
      .waitFor();
    await notices(bo, 'renamed')
      .filter({ hasText: `${adaName} is now Ada` })
      .waitFor();
    expect(await myName(ada)).toBe('Ada');
    await send(ada, 'Renamed and still here');
    const renamedMessage = bo.getByTestId('message').filter({ hasText: 'Renamed and still here' });
    await renamedMessage.waitFor();
    expect(await renamedMessage.getByTestId('message-author').textContent()).toContain('Ada');

    await screenshot(ada, 'chat-wide-light');

    // Bad input: a taken name is refused with a visible reason, and nobody else hears of it.
    await rename(bo, 'ada');
    const renameError = bo.getByTestId('rename-error');
    await renameError.waitFor();
    expect((await renameError.textContent())?.trim()).toMatch(/taken/i);
    expect(await myName(bo)).toBe(boName);
    expect(await notices(ada, 'renamed').count()).toBe(1);
    await bo.getByTestId('rename-input').press('Escape');
    // The strict Content-Security-Policy held: nothing was blocked, nothing threw.
    expect(pageErrors).toEqual([]);
  });

  test('leaving shows on the other page after the presence grace', async () => {
    const ada = await openChat();
    const bo = await openChat();
    const boName = await myName(bo);
    // Leaving shows on the other page (after the presence grace period).
    await bo.context().close();
    await notices(ada, 'left').filter({ hasText: boName }).waitFor({ timeout: 15_000 });
    // The strict Content-Security-Policy held: nothing was blocked, nothing threw.
    expect(pageErrors).toEqual([]);
  });

  test('looks right in dark mode and on a phone', async () => {
    const dark = await openChat({ colorScheme: 'dark' });
    await send(dark, 'Good evening from the dark theme');
    await dark.getByTestId('message').filter({ hasText: 'Good evening' }).waitFor();
    await screenshot(dark, 'chat-wide-dark');

    const phone = await openChat({
      viewport: { width: 360, height: 740 },
      isMobile: true,
      hasTouch: true,
      deviceScaleFactor: 2,
    });
    await send(phone, 'Hello from a small screen');
    await phone.getByTestId('message').filter({ hasText: 'small screen' }).waitFor();
    const overflow = await phone.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBe(0);
    await expect(phone.getByTestId('composer-input').isVisible()).resolves.toBe(true);
    await screenshot(phone, 'chat-phone');
    expect(pageErrors).toEqual([]);
  });
});
