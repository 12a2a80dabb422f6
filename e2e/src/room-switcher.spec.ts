import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Page } from '@playwright/test';
import { type RunningServer, startServer } from '@parley/server/testing';

import { seriousViolations } from './support/axe.js';
import { screenshot } from './support/browser.js';
import { watchErrors } from './support/chat-page.js';
import { expect, test } from './support/fixtures.js';

/** The room switcher (#21): recent rooms and rooms with people in them, and its layout. */
test.describe('Room switcher', () => {
  let server: RunningServer;
  const pageErrors: string[] = [];

  test.beforeAll(async () => {
    server = await startServer({
      DATA_DIR: mkdtempSync(join(tmpdir(), 'parley-e2e-room-switcher-')),
      PRESENCE_GRACE_MS: '300',
    });
  });

  test.afterAll(async () => {
    await server?.stop();
  });

  test.afterEach(() => {
    expect(pageErrors).toEqual([]);
    pageErrors.length = 0;
  });

  const url = (path: string) => new URL(path, server.url).href;
  const box = (page: Page) => page.getByTestId('room-input');
  const group = (page: Page, name: 'recent' | 'active') =>
    page.getByTestId(`room-group-${name}`).getByTestId('room-option');

  test('offers the rooms people are in under "Active now", with how many', async ({ openChat }) => {
    const ada = await openChat(url('/r/switch-busy'));
    await openChat(url('/r/switch-busy'));
    const bo = await openChat(url('/r/switch-quiet'));
    watchErrors(ada, pageErrors);
    watchErrors(bo, pageErrors);

    await box(bo).focus();
    const busy = group(bo, 'active').filter({ hasText: 'switch-busy' });
    await expect(busy).toHaveText(/#switch-busy\s*2 online/);
    await expect(box(bo)).toHaveAttribute('aria-expanded', 'true');
    await expect(box(bo)).toHaveAttribute('aria-controls', 'room-suggestions');
    // Its own room is never offered.
    await expect(bo.getByTestId('room-option').filter({ hasText: 'switch-quiet' })).toHaveCount(0);
    expect(await seriousViolations(bo)).toEqual([]);

    // Typing filters; Escape closes and leaves the text.
    await box(bo).fill('busy');
    await expect(bo.getByTestId('room-option')).toHaveCount(1);
    await box(bo).fill('nothing-like-it');
    await expect(bo.getByTestId('room-suggestions')).toHaveCount(0);
    await box(bo).fill('');
    await box(bo).press('Escape');
    await expect(box(bo)).toHaveAttribute('aria-expanded', 'false');
  });

  test('remembers the rooms this browser visited under "Recent", newest first', async ({
    person,
  }) => {
    const page = await (await person()).newPage();
    watchErrors(page, pageErrors);
    await page.goto(url('/r/switch-first'));
    await page.getByTestId('room-name').filter({ hasText: 'switch-first' }).waitFor();
    await box(page).fill('switch-second');
    await Promise.all([page.waitForURL(/\/r\/switch-second$/), box(page).press('Enter')]);
    await page.getByTestId('room-name').filter({ hasText: 'switch-second' }).waitFor();
    await page.goto(url('/r/switch-third'));
    await page.getByTestId('room-name').filter({ hasText: 'switch-third' }).waitFor();

    await box(page).click();
    await expect(group(page, 'recent')).toHaveText([/#switch-second/, /#switch-first/]);

    // Delete on a highlighted recent room forgets it (here the first: switch-second).
    await box(page).press('ArrowDown');
    await box(page).press('Delete');
    await expect(group(page, 'recent')).toHaveText([/#switch-first/]);
  });

  test('goes to a room chosen with ArrowDown and Enter, or with a click', async ({ openChat }) => {
    await openChat(url('/r/switch-target'));
    const page = await openChat(url('/r/switch-start'));
    watchErrors(page, pageErrors);

    await box(page).focus();
    await group(page, 'active').filter({ hasText: 'switch-target' }).waitFor();
    const options = await page
      .getByTestId('room-option')
      .evaluateAll((items) => items.map((item) => item.getAttribute('data-room')));
    const steps = options.indexOf('switch-target') + 1;
    for (let step = 0; step < steps; step++) {
      await box(page).press('ArrowDown');
    }
    const active = await box(page).getAttribute('aria-activedescendant');
    await expect(page.locator(`#${active}`)).toHaveAttribute('data-room', 'switch-target');
    await expect(page.locator(`#${active}`)).toHaveAttribute('aria-selected', 'true');
    await Promise.all([page.waitForURL(/\/r\/switch-target$/), box(page).press('Enter')]);

    await page.getByTestId('room-name').filter({ hasText: 'switch-target' }).waitFor();
    await box(page).click();
    await Promise.all([
      page.waitForURL(/\/r\/switch-start$/),
      group(page, 'recent').filter({ hasText: 'switch-start' }).click(),
    ]);
  });

  test('keeps the Go button off the online panel at 1280 × 800', async ({ openChat }) => {
    await openChat(url('/r/switch-wide-peer'));
    const page = await openChat(url('/r/switch-wide'));
    watchErrors(page, pageErrors);
    const go = await page.getByTestId('room-go').boundingBox();
    const input = await page.getByTestId('room-input').boundingBox();
    const side = await page.locator('aside.side').boundingBox();
    expect(go && side).toBeTruthy();
    // Wholly left of the panel's border, with a margin.
    expect(go!.x + go!.width).toBeLessThanOrEqual(side!.x - 8);
    expect(input!.x + input!.width).toBeLessThan(go!.x);

    await box(page).focus();
    await group(page, 'active').first().waitFor();
    await screenshot(page, 'room-switcher-desktop');
    const popup = await page.getByTestId('room-suggestions').boundingBox();
    expect(popup!.x).toBeGreaterThanOrEqual(0);
    expect(popup!.x + popup!.width).toBeLessThanOrEqual(side!.x);
  });

  test('shows the whole placeholder and the suggestions on a 390 × 844 phone', async ({
    openChat,
  }) => {
    await openChat(url('/r/switch-phone-peer'));
    const page = await openChat(url('/r/switch-phone'), {
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    watchErrors(page, pageErrors);
    const fits = await box(page).evaluate((input: HTMLInputElement) => {
      const style = getComputedStyle(input);
      const context = document.createElement('canvas').getContext('2d')!;
      context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
      const text = context.measureText(input.placeholder).width;
      const room =
        input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      return { text, room, placeholder: input.placeholder };
    });
    expect(fits.placeholder.length).toBeGreaterThan(0);
    expect(fits.text).toBeLessThanOrEqual(fits.room);
    const go = await page.getByTestId('room-go').boundingBox();
    expect(go!.x + go!.width).toBeLessThanOrEqual(390);

    await box(page).tap();
    const option = group(page, 'active').filter({ hasText: 'switch-phone-peer' });
    await option.waitFor();
    const popup = await page.getByTestId('room-suggestions').boundingBox();
    expect(popup!.x).toBeGreaterThanOrEqual(0);
    expect(popup!.x + popup!.width).toBeLessThanOrEqual(390);
    await screenshot(page, 'room-switcher-phone');
    await Promise.all([page.waitForURL(/\/r\/switch-phone-peer$/), option.tap()]);
  });
});
