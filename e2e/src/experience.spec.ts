import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect, test } from '@playwright/test';
import { type RunningServer, startServer } from '@parley/server/testing';
import type { Browser, BrowserContext, Page } from '@playwright/test';

import { myName, openChatPage, rename as askRename, send } from './support/chat-page.js';
import { seriousViolations } from './support/axe.js';
import { screenshot } from './support/browser.js';

const PHONE = {
  viewport: { width: 360, height: 740 },
  isMobile: true,
  hasTouch: true,
  deviceScaleFactor: 2,
};

test.describe('A chat people enjoy (presence, typing, time, reading comfort, themes, phones)', () => {
  let browser: Browser;
  let server: RunningServer;
  let contexts: BrowserContext[] = [];
  /** Console errors and uncaught exceptions of every page (CSP violations show up here). */
  let pageErrors: string[] = [];

  const openChat = (options: Parameters<Browser['newContext']>[0] = {}): Promise<Page> =>
    openChatPage(browser, server.url, { contexts, errors: pageErrors }, options);

  async function rename(page: Page, name: string): Promise<void> {
    await askRename(page, name);
    await page.getByTestId('my-name').filter({ hasText: name }).waitFor();
  }

  /** The names in a page's online list, in the order shown. */
  async function onlineNames(page: Page): Promise<string[]> {
    return page
      .getByTestId('online-user')
      .evaluateAll((items) =>
        items.map((item) => item.querySelector('.name')?.textContent?.trim() ?? ''),
      );
  }

  async function waitForOnline(page: Page, count: number): Promise<void> {
    await page.waitForFunction(
      (expected) =>
        document.querySelectorAll('[data-testid="online-user"]').length === expected &&
        document.querySelector('[data-testid="online-count"]')?.textContent?.trim() ===
          String(expected),
      count,
    );
  }

  /** Emulates the tab being hidden or shown again (what switching tabs does). */
  async function setHidden(page: Page, hidden: boolean): Promise<void> {
    await page.evaluate((isHidden) => {
      Object.defineProperty(document, 'visibilityState', {
        configurable: true,
        get: () => (isHidden ? 'hidden' : 'visible'),
      });
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => isHidden });
      document.dispatchEvent(new Event('visibilitychange'));
    }, hidden);
  }

  /** Sets the theme with the header's toggle (system → light → dark). */
  async function chooseTheme(page: Page, theme: 'system' | 'light' | 'dark'): Promise<void> {
    const toggle = page.getByTestId('theme-toggle');
    for (let i = 0; i < 3 && (await toggle.getAttribute('data-theme')) !== theme; i += 1) {
      await toggle.click();
    }
    expect(await toggle.getAttribute('data-theme')).toBe(theme);
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe(theme);
  }

  test.beforeAll(({ browser: workerBrowser }) => {
    browser = workerBrowser;
  });

  test.beforeEach(async () => {
    contexts = [];
    pageErrors = [];
    server = await startServer({
      DATA_DIR: mkdtempSync(join(tmpdir(), 'parley-e2e-experience-')),
      MESSAGE_RATE_PER_SECOND: '100',
      MESSAGE_BURST: '100',
      RENAMES_PER_MINUTE: '50',
      PRESENCE_GRACE_MS: '500',
    });
  });

  test.afterEach(async () => {
    await Promise.all(contexts.map((context) => context.close()));
    await server?.stop();
  });

  test('keeps the online list current on join, rename and leave', async () => {
    const ada = await openChat();
    await rename(ada, 'Zed');
    await waitForOnline(ada, 1);
    const adaId = await ada.getByTestId('online-user').getAttribute('data-user-id');
    expect(adaId).toBeTruthy();
    expect(await ada.getByTestId('online-user').textContent()).toContain('(you)');

    const bo = await openChat();
    const boName = await myName(bo);
    // Bo arrives: both lists show both, sorted by name, each with "(you)" on their own entry.
    await waitForOnline(ada, 2);
    await waitForOnline(bo, 2);
    expect(await onlineNames(ada)).toEqual([boName, 'Zed']);
    expect(await onlineNames(bo)).toEqual([boName, 'Zed']);
    const adaOnBo = bo.locator(`[data-testid="online-user"][data-user-id="${adaId}"]`);
    expect(await adaOnBo.textContent()).not.toContain('(you)');
    expect(await bo.getByTestId('online-user').filter({ hasText: boName }).textContent()).toContain(
      '(you)',
    );

    // Bo renames: Ada's list follows, by user id, and re-sorts.
    await rename(bo, 'Ada');
    await ada.waitForFunction(() =>
      Array.from(document.querySelectorAll('[data-testid="online-user"] .name')).some(
        (name) => name.textContent?.trim() === 'Ada',
      ),
    );
    expect(await onlineNames(ada)).toEqual(['Ada', 'Zed']);

    // Bo leaves: gone from Ada's list once the (shortened) grace period is over.
    await contexts[1]?.close();
    await waitForOnline(ada, 1);
    expect(await onlineNames(ada)).toEqual(['Zed']);
    expect(pageErrors).toEqual([]);
  });

  test('shows who is typing on the other page, and hides it again', async () => {
    const ada = await openChat();
    const bo = await openChat();
    await rename(ada, 'Ada');
    const indicator = bo.getByTestId('typing-indicator');
    expect(await indicator.getAttribute('aria-live')).toBe('polite');

    const input = ada.getByTestId('composer-input');
    await input.click();
    await input.pressSequentially('Hello th');
    await indicator.filter({ hasText: 'Ada is typing…' }).waitFor();
    // Never shown to the typist themself.
    expect((await ada.getByTestId('typing-indicator').textContent())?.trim()).toBe('');

    // Clearing the box ends it.
    await input.fill('');
    await bo.waitForFunction(
      () => document.querySelector('[data-testid="typing-indicator"]')?.textContent?.trim() === '',
    );

    // Typing again, then sending, ends it too; the message shows.
    await input.pressSequentially('Hello there');
    await indicator.filter({ hasText: 'Ada is typing…' }).waitFor();
    await input.press('Enter');
    await bo.getByTestId('message').filter({ hasText: 'Hello there' }).waitFor();
    await bo.waitForFunction(
      () => document.querySelector('[data-testid="typing-indicator"]')?.textContent?.trim() === '',
    );
    expect(pageErrors).toEqual([]);
  });

  test('groups messages, shows their times and a separator per day', async () => {
    const ada = await openChat();
    const bo = await openChat();
    await rename(ada, 'Ada');
    await rename(bo, 'Bo');
    await send(ada, 'One');
    await send(ada, 'Two');
    await send(ada, 'Three');
    await send(bo, 'Four from Bo');
    await send(ada, 'Five');
    const messages = bo.getByTestId('message');
    await messages.filter({ hasText: 'Five' }).waitFor();

    const grouped = await messages.evaluateAll((items) =>
      items.map((item) => [
        item.querySelector('[data-testid="message-text"]')?.textContent,
        item.getAttribute('data-grouped') === 'true',
      ]),
    );
    expect(grouped).toEqual([
      ['One', false],
      ['Two', true],
      ['Three', true],
      ['Four from Bo', false],
      ['Five', false],
    ]);
    // A grouped message shows no second header (the name is there for screen readers only).
    const second = messages.filter({ hasText: 'Two' });
    expect(await second.locator('.avatar').isVisible()).toBe(false);

    // Every message shows its time; the exact date and time come on hover and keyboard focus.
    const times = bo.getByTestId('message-time');
    expect(await times.count()).toBe(5);
    const time = messages.filter({ hasText: 'Two' }).getByTestId('message-time');
    const datetime = (await time.getAttribute('datetime')) ?? '';
    expect(Math.abs(Date.parse(datetime) - Date.now())).toBeLessThan(60_000);
    expect(await time.textContent()).toMatch(/\d{1,2}[:.]\d{2}/);
    const title = (await time.getAttribute('title')) ?? '';
    expect(title).toMatch(/\d{4}/);
    // The message has keyboard focus (arrow keys move it): its time shows the full date.
    await messages.filter({ hasText: 'One' }).focus();
    await bo.keyboard.press('ArrowDown');
    expect(await second.evaluate((element) => element === document.activeElement)).toBe(true);
    const tooltip = await time.evaluate((element) => getComputedStyle(element, '::after').content);
    expect(tooltip).toContain(title);

    // One day so far.
    const separators = bo.getByTestId('day-separator');
    expect(await separators.allTextContents()).toEqual(['Today']);

    // A reader whose clock is a day ahead sees these under "Yesterday"; a rename heard after
    // they arrived (a notice stamped with their clock) comes under "Today".
    const later = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    contexts.push(later);
    const tomorrow = await later.newPage();
    await tomorrow.clock.install({ time: Date.now() + 24 * 60 * 60 * 1000 });
    await tomorrow.goto(server.url);
    await tomorrow.getByTestId('message').filter({ hasText: 'Five' }).waitFor();
    await rename(bo, 'Bo B');
    await tomorrow.getByTestId('notice').first().waitFor();
    const days = tomorrow.getByTestId('day-separator');
    expect((await days.allTextContents()).map((text) => text.trim())).toEqual([
      'Yesterday',
      'Today',
    ]);
    const firstAfterYesterday = await days
      .first()
      .evaluate(
        (element) =>
          element.nextElementSibling?.querySelector('[data-testid="message-text"]')?.textContent,
      );
    expect(firstAfterYesterday).toBe('One');
    expect(pageErrors).toEqual([]);
  });

  test('counts unread messages in the title while hidden, and marks where they begin', async () => {
    const ada = await openChat();
    const bo = await openChat();
    await send(ada, 'Before Bo looks away');
    await bo.getByTestId('message').filter({ hasText: 'Before Bo looks away' }).waitFor();
    expect(await bo.title()).toBe('Parley');

    await setHidden(bo, true);
    await send(ada, 'Unread one');
    await send(ada, 'Unread two');
    await send(ada, 'Unread three');
    await bo.waitForFunction(() => document.title === '(3) Parley');
    const marker = bo.getByTestId('unread-marker');
    expect(await marker.count()).toBe(1);
    // The marker sits right before the first unread message.
    const next = await marker.evaluate(
      (element) =>
        element.nextElementSibling?.querySelector('[data-testid="message-text"]')?.textContent,
    );
    expect(next).toBe('Unread one');
    // My own messages are not unread.
    await send(bo, 'Bo writes while hidden?');
    await ada.getByTestId('message').filter({ hasText: 'Bo writes' }).waitFor();

    await setHidden(bo, false);
    await bo.waitForFunction(() => document.title === 'Parley');
    expect(pageErrors).toEqual([]);
  });

  test('offers a "new messages" button when scrolled up, and follows only at the bottom', async () => {
    const ada = await openChat();
    const bo = await openChat({ viewport: { width: 1280, height: 600 } });
    for (let i = 1; i <= 30; i += 1) {
      await send(ada, `Filler message ${i}`);
    }
    await bo.getByTestId('message').filter({ hasText: 'Filler message 30' }).waitFor();
    const list = bo.getByTestId('message-list');
    const distanceFromBottom = () =>
      list.evaluate((element) => element.scrollHeight - element.scrollTop - element.clientHeight);
    // Followed the conversation while at the bottom.
    await bo.waitForFunction(() => {
      const element = document.querySelector('[data-testid="message-list"]');
      return (
        element !== null && element.scrollHeight - element.scrollTop - element.clientHeight < 4
      );
    });
    expect(await bo.getByTestId('new-messages-button').count()).toBe(0);

    // Bo scrolls up to read: new messages do not move the view, a button counts them.
    await list.hover();
    await bo.mouse.wheel(0, -2000);
    await bo.waitForFunction(() => {
      const element = document.querySelector('[data-testid="message-list"]');
      return element !== null && element.scrollTop < 50;
    });
    await send(ada, 'New while away 1');
    await send(ada, 'New while away 2');
    const button = bo.getByTestId('new-messages-button');
    await button.filter({ hasText: '2 new messages' }).waitFor();
    expect(await list.evaluate((element) => element.scrollTop)).toBeLessThan(50);
    expect(await bo.getByTestId('unread-marker').count()).toBe(1);

    await button.click();
    await bo.waitForFunction(() => {
      const element = document.querySelector('[data-testid="message-list"]');
      return (
        element !== null && element.scrollHeight - element.scrollTop - element.clientHeight < 4
      );
    });
    await button.waitFor({ state: 'detached' });
    expect(await distanceFromBottom()).toBeLessThan(4);
    expect(pageErrors).toEqual([]);
  });

  test('works with the keyboard alone', async () => {
    const page = await openChat();
    const other = await openChat();

    /** Presses Tab until the element with this test id has the focus. */
    async function tabTo(testId: string, key = 'Tab'): Promise<void> {
      for (let i = 0; i < 40; i += 1) {
        const focused = await page.evaluate(
          () => document.activeElement?.getAttribute('data-testid') ?? '',
        );
        if (focused === testId) {
          return;
        }
        await page.keyboard.press(key);
      }
      throw new Error(`Tab never reached ${testId}`);
    }

    // The first Tab shows the skip link; Enter on it goes straight to the message box.
    const focusedId = () =>
      page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? '');
    await page.keyboard.press('Tab');
    expect(await focusedId()).toBe('skip-link');
    const skip = await page.getByTestId('skip-link').boundingBox();
    expect(skip && skip.y >= 0 && skip.height > 0).toBe(true);
    await screenshot(page, 'keyboard-skip-link');
    await page.keyboard.press('Enter');
    expect(await focusedId()).toBe('composer-input');
    expect(page.url()).not.toContain('#');

    await tabTo('composer-input');
    await page.keyboard.type('Typed and sent from the keyboard');
    await page.keyboard.press('Enter');
    await other.getByTestId('message').filter({ hasText: 'Typed and sent' }).waitFor();
    expect(await page.getByTestId('composer-input').inputValue()).toBe('');

    // Focus is visible: an outline shows on the focused control.
    await tabTo('rename-button', 'Shift+Tab');
    const outline = await page.evaluate(() => {
      const style = getComputedStyle(document.activeElement as Element);
      return style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    });
    expect(outline).toBe(true);

    // Rename with the keyboard: open, type, Enter; focus comes back to the button.
    await page.keyboard.press('Enter');
    await page.getByTestId('rename-input').waitFor();
    expect(
      await page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? ''),
    ).toBe('rename-input');
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type('Keys');
    await page.keyboard.press('Enter');
    await page.getByTestId('my-name').filter({ hasText: 'Keys' }).waitFor();
    await other.getByTestId('online-user').filter({ hasText: 'Keys' }).waitFor();
    expect(
      await page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? ''),
    ).toBe('rename-button');

    // The theme toggle answers the keyboard too.
    await tabTo('theme-toggle');
    const before = await page.getByTestId('theme-toggle').getAttribute('data-theme');
    await page.keyboard.press('Enter');
    expect(await page.getByTestId('theme-toggle').getAttribute('data-theme')).not.toBe(before);
    expect(pageErrors).toEqual([]);
  });

  test('passes an axe scan in light and dark themes, and remembers the theme', async () => {
    const page = await openChat();
    const bo = await openChat();
    await rename(page, 'Ada');
    await rename(bo, 'Bo');
    await send(page, 'Hello Bo, how is the weather?');
    await send(page, 'Here it is sunny.');
    await send(bo, 'Raining here, but the tea is good.');
    await page.getByTestId('message').filter({ hasText: 'Raining here' }).waitFor();
    await bo.getByTestId('composer-input').pressSequentially('Let me think');
    await page.getByTestId('typing-indicator').filter({ hasText: 'Bo is typing…' }).waitFor();

    await chooseTheme(page, 'light');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'experience-wide-light');

    await chooseTheme(page, 'dark');
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(background).toBe('rgb(15, 17, 21)');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'experience-wide-dark');

    // Remembered: a reload comes back dark, before anything else happens.
    await page.reload();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await page.locator('[data-testid="connection-status"][data-state="connected"]').waitFor();
    expect(await page.getByTestId('theme-toggle').getAttribute('data-theme')).toBe('dark');

    // The system's choice is followed when nothing is chosen.
    const system = await openChat({ colorScheme: 'dark' });
    expect(await system.getByTestId('theme-toggle').getAttribute('data-theme')).toBe('system');
    expect(await system.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe(
      'rgb(15, 17, 21)',
    );
    expect(pageErrors).toEqual([]);
  });

  test('is usable on a 360×740 phone, with the online list in a drawer', async () => {
    const other = await openChat();
    await rename(other, 'Ada');
    const phone = await openChat(PHONE);
    await send(other, 'Hello phone, how does this look on a small screen?');
    await send(phone, 'Looks good from here!');
    await phone.getByTestId('message').filter({ hasText: 'Looks good' }).waitFor();

    const overflow = await phone.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBe(0);
    const composer = await phone.getByTestId('composer-input').boundingBox();
    expect(composer).not.toBeNull();
    expect((composer?.y ?? 0) + (composer?.height ?? 0)).toBeLessThanOrEqual(740);
    expect(await phone.getByTestId('composer-input').isVisible()).toBe(true);

    // Touch targets are at least 44 px.
    for (const testId of ['composer-send', 'online-toggle', 'theme-toggle', 'rename-button']) {
      const box = await phone.getByTestId(testId).boundingBox();
      expect([
        testId,
        Math.round(box?.width ?? 0) >= 44,
        Math.round(box?.height ?? 0) >= 44,
      ]).toEqual([testId, true, true]);
    }

    // No side panel here: a header button with the count opens the list as a dialog.
    expect(await phone.getByTestId('online-list').count()).toBe(0);
    const toggle = phone.getByTestId('online-toggle');
    await toggle.locator('[data-testid="online-count"]').filter({ hasText: '2' }).waitFor();
    await screenshot(phone, 'experience-phone');

    await toggle.focus();
    await phone.keyboard.press('Enter');
    const dialog = phone.getByRole('dialog');
    await dialog.waitFor();
    expect(await dialog.getByTestId('online-user').count()).toBe(2);
    expect(await dialog.evaluate((element) => element.contains(document.activeElement))).toBe(true);
    // Let the drawer finish sliding in.
    await dialog.evaluate((element) =>
      Promise.all(element.getAnimations().map((animation) => animation.finished)),
    );
    await screenshot(phone, 'experience-phone-drawer');
    await phone.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(
      await phone.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? ''),
    ).toBe('online-toggle');
    expect(pageErrors).toEqual([]);
  });
});
