import type { Locator, Page } from '@playwright/test';
import { type RunningServer, startServer } from '@parley/server/testing';

import { moderateViolations } from './support/axe.js';
import { screenshot } from './support/browser.js';
import { messageActions, openMessageMenu, rename, send } from './support/chat-page.js';
import {
  GENEROUS_LIMITS,
  message,
  numbered,
  post,
  stopServer,
  tempDataDir,
} from './support/delivery.js';
import { expect, test } from './support/fixtures.js';

/** A phone held upright, with touch; a desktop; 1280×800 at 200 % and at 400 % zoom. */
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };
const DESKTOP = { viewport: { width: 1280, height: 800 } };
const ZOOM_200 = { viewport: { width: 640, height: 400 } };
const ZOOM_400 = { viewport: { width: 320, height: 256 } };

async function box(
  locator: Locator,
): Promise<{ x: number; y: number; width: number; height: number }> {
  const found = await locator.boundingBox();
  if (!found) {
    throw new Error('not laid out');
  }
  return found;
}

/** The rename panel, opened: it must lie wholly inside the viewport. */
async function expectRenamePanelInside(page: Page): Promise<void> {
  await page.getByTestId('rename-button').click();
  const panel = page.locator('form.panel');
  await panel.waitFor();
  const { x, y, width, height } = await box(panel);
  const viewport = page.viewportSize() ?? { width: 0, height: 0 };
  expect(x).toBeGreaterThanOrEqual(0);
  expect(y).toBeGreaterThanOrEqual(0);
  expect(x + width).toBeLessThanOrEqual(viewport.width);
  expect(y + height).toBeLessThanOrEqual(viewport.height);
  // The current name, selected for replacing, can be read whole.
  const input = await box(page.getByTestId('rename-input'));
  expect(input.x).toBeGreaterThanOrEqual(0);
}

/** Holds a finger on `target` for `ms` (a long press), through Chromium's touch input. */
async function longPress(page: Page, target: Locator, ms = 700): Promise<void> {
  const { x, y, width, height } = await box(target);
  const cdp = await page.context().newCDPSession(page);
  const point = { x: x + width / 2, y: y + height / 2 };
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [point] });
  await page.waitForTimeout(ms);
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await cdp.detach();
}

const focusedTestId = (page: Page) =>
  page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? '');

test.describe('phones, zoom and the keyboard (#21)', () => {
  let server: RunningServer;

  test.beforeAll(async () => {
    server = await startServer({ DATA_DIR: tempDataDir(), ...GENEROUS_LIMITS });
  });

  test.afterAll(async () => {
    await stopServer(server);
  });

  test('the rename panel lies inside the viewport on a phone, a desktop and at 200 % zoom', async ({
    openChat,
  }) => {
    for (const [name, options] of [
      ['phone', PHONE],
      ['desktop', DESKTOP],
      ['zoom-200', ZOOM_200],
    ] as const) {
      const page = await openChat(`${server.url}/r/rename-${name}`, options);
      await expectRenamePanelInside(page);
      await screenshot(page, `small-rename-${name}`);
      await page.context().close();
    }
  });

  test('at 320×256 (400 % zoom) messages keep at least 100 px; the room bar unfolds on demand', async ({
    openChat,
  }) => {
    const page = await openChat(`${server.url}/r/zoomed`, ZOOM_400);
    for (const text of ['One', 'Two', 'Three']) {
      await send(page, text);
    }
    const list = await box(page.getByTestId('message-list'));
    expect(list.height).toBeGreaterThanOrEqual(100);
    await expect(message(page, 'Three')).toBeInViewport();
    // No sideways scrolling at 320 px (WCAG 1.4.10).
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      320,
    );
    await screenshot(page, 'small-zoom-400');

    // The room's controls are one press away, and fold again.
    const toggle = page.getByTestId('room-toggle');
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    await expect(page.getByTestId('room-name')).toBeHidden();
    await toggle.click();
    await expect(page.getByTestId('room-name')).toBeVisible();
    await screenshot(page, 'small-zoom-400-room-bar');
    await toggle.click();
    await expect(page.getByTestId('room-name')).toBeHidden();
  });

  test('on a phone no Edit or Delete shows until a long press opens the message menu', async ({
    openChat,
  }) => {
    const page = await openChat(`${server.url}/r/phone-menu`, PHONE);
    await send(page, 'Three words here');
    await send(page, 'And a second one');
    const mine = message(page, 'Three words here');
    await expect(mine).toHaveAttribute('data-status', 'sent');
    await expect(page.getByTestId('message-edit')).toHaveCount(0);
    await expect(page.getByTestId('message-delete')).toHaveCount(0);
    await expect(mine.getByTestId('message-menu-button')).not.toBeInViewport({ ratio: 0.5 });
    // A three-word message stays on one line.
    const bubble = await box(mine.locator('.bubble'));
    expect(bubble.height).toBeLessThan(56);
    await screenshot(page, 'small-phone-no-actions');

    await longPress(page, mine.getByTestId('message-text'));
    const sheet = page.getByTestId('message-menu');
    await expect(sheet).toBeVisible();
    await expect(sheet.getByTestId('message-edit')).toBeVisible();
    await expect(sheet.getByTestId('message-delete')).toBeVisible();
    // A sheet along the bottom edge.
    const sheetBox = await box(sheet);
    expect(Math.round(sheetBox.y + sheetBox.height)).toBe(844);
    expect(sheetBox.width).toBe(390);
    await screenshot(page, 'small-phone-menu');

    // It stays open after the finger lifts; choosing Edit opens the editor.
    await sheet.getByTestId('message-edit').tap();
    await expect(page.getByTestId('message-edit-input')).toBeFocused();
    await expect(sheet).toHaveCount(0);
    await page.keyboard.press('Escape');

    // A tap on the dimmed page only closes the menu.
    await longPress(page, message(page, 'And a second one').getByTestId('message-text'));
    await expect(sheet).toBeVisible();
    await page.touchscreen.tap(200, 200);
    await expect(sheet).toHaveCount(0);
  });

  test('on a desktop the menu hangs from a "⋯" button, and a follow-up keeps its time by it', async ({
    openChat,
  }) => {
    const page = await openChat(`${server.url}/r/desk-menu`, DESKTOP);
    await send(page, 'First of two');
    await send(page, 'Second');
    const second = message(page, 'Second');
    await expect(second).toHaveAttribute('data-status', 'sent');
    // The time sits beside the bubble, not ≈150 px away behind hidden buttons.
    const bubble = await box(second.locator('.bubble'));
    const time = await box(second.getByTestId('message-time'));
    expect(bubble.x - (time.x + time.width)).toBeLessThan(16);
    // The button shows on hover only; the menu opens under it, inside the window.
    await expect(second.getByTestId('message-menu-button')).toHaveCSS('opacity', '0');
    const menu = await openMessageMenu(second);
    await expect(menu.getByRole('menuitem')).toHaveText(['Copy text', 'Edit', 'Delete']);
    await expect(menu.getByRole('menuitem').first()).toBeFocused();
    const menuBox = await box(menu);
    expect(menuBox.x + menuBox.width).toBeLessThanOrEqual(1280);
    await screenshot(page, 'small-desktop-menu');
    // Arrow keys walk it; Escape gives focus back to the button.
    await page.keyboard.press('ArrowUp');
    await expect(menu.getByTestId('message-delete')).toBeFocused();
    await page.keyboard.press('Escape');
    await expect(menu).toHaveCount(0);
    await expect(second.getByTestId('message-menu-button')).toBeFocused();
    expect(await messageActions(message(page, 'First of two'))).toEqual(['copy', 'edit', 'delete']);
  });

  test('right-to-left text keeps its own direction in messages, names and the composer', async ({
    openChat,
  }) => {
    const ada = await openChat(`${server.url}/r/bidi`, DESKTOP);
    const bo = await openChat(`${server.url}/r/bidi`, DESKTOP);
    await send(ada, 'مرحبا بكم في Parley!');
    await send(ada, 'שלום!');
    const arabic = message(bo, 'مرحبا بكم في Parley!').getByTestId('message-text');
    await expect(arabic).toHaveAttribute('dir', 'auto');
    expect(await arabic.evaluate((element) => element.matches(':dir(rtl)'))).toBe(true);
    // "!" ends the Hebrew sentence on its left, as a reader of Hebrew expects.
    const hebrew = message(bo, 'שלום!').getByTestId('message-text');
    expect(await hebrew.evaluate((element) => element.matches(':dir(rtl)'))).toBe(true);
    // An English message stays left to right.
    await send(ada, 'Hello!');
    const english = message(bo, 'Hello!').getByTestId('message-text');
    expect(await english.evaluate((element) => element.matches(':dir(ltr)'))).toBe(true);
    // Names and the message box follow what is typed in them.
    await expect(message(bo, 'שלום!').getByTestId('message-author')).toHaveAttribute('dir', 'auto');
    const composer = bo.getByTestId('composer-input');
    await composer.fill('שלום לכולם');
    expect(await composer.evaluate((element) => element.matches(':dir(rtl)'))).toBe(true);
    // A right-to-left name is isolated in the typing line: it reads "…אדה is typing", not reordered.
    await rename(ada, 'אדה');
    await bo.getByTestId('online-user').filter({ hasText: 'אדה' }).waitFor();
    await ada.getByTestId('composer-input').pressSequentially('typing');
    const typing = bo.getByTestId('typing-indicator');
    await expect(typing).toHaveText('אדה is typing…');
    await expect(typing.locator('bdi')).toHaveText('אדה');
    await screenshot(bo, 'small-bidi');
  });

  test('Tab from the top reaches the message box in a handful of presses, 120 messages or not', async ({
    openChat,
  }) => {
    // Among them, links and a folded message: not Tab stops either, unless their message is focused.
    const backlog = numbered('Backlog', 120);
    const links = 'Links: https://example.com/a and [docs](https://example.com/b)';
    const long = Array.from({ length: 30 }, (_, line) => `Long line ${line}`).join('\n');
    await post(server.url, [...backlog.slice(0, 60), links, long, ...backlog.slice(60)]);
    const page = await openChat(server.url, DESKTOP);
    await message(page, 'Backlog 120').waitFor();
    await page.locator('body').focus();
    let presses = 0;
    while ((await focusedTestId(page)) !== 'composer-input' && presses < 30) {
      await page.keyboard.press('Tab');
      presses += 1;
    }
    // Skip link, rename, theme, copy link, notify, room box, Go, room settings, the list's one
    // message, its button, the box: 11 here (each message was a stop before, 120+ in all).
    expect(presses).toBeLessThanOrEqual(11);

    // In the list, arrow keys move between messages; Home and End go to either end.
    await message(page, 'Backlog 120').focus();
    await page.keyboard.press('ArrowUp');
    await expect(message(page, 'Backlog 119')).toBeFocused();
    await page.keyboard.press('ArrowDown');
    await expect(message(page, 'Backlog 120')).toBeFocused();
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Tab');
    // The one Tab stop is the message last focused, and its full date shows.
    await expect(message(page, 'Backlog 120')).toBeFocused();
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('message-menu')).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(message(page, 'Backlog 119')).toBeFocused();
    await screenshot(page, 'small-keyboard-focus');
  });

  test('axe finds nothing of moderate impact or worse, in light and dark, on a phone and a desktop', async ({
    openChat,
  }) => {
    for (const [name, options] of [
      ['desktop', DESKTOP],
      ['phone', PHONE],
    ] as const) {
      for (const colorScheme of ['light', 'dark'] as const) {
        const page = await openChat(`${server.url}/r/axe-${name}`, { ...options, colorScheme });
        await send(page, `Checked in ${colorScheme}`);
        expect(await moderateViolations(page), `${name} ${colorScheme}`).toEqual([]);
        await page.context().close();
      }
    }
  });
});
