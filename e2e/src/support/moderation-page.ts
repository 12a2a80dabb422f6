import type { Locator, Page } from '@playwright/test';

/** Someone's name in the online list (the side panel at 1280 px), as a button. */
export const onlineName = (page: Page, name: string): Locator =>
  page.getByTestId('online-user-name').filter({ hasText: name });

/** Opens the member menu of `name` from the online list; returns the menu. */
export async function openMemberMenu(page: Page, name: string): Promise<Locator> {
  await onlineName(page, name).click();
  const menu = page.getByTestId('member-menu');
  await menu.waitFor();
  return menu;
}

/** Chooses `action` (mute, kick, ban, ignore, make-moderator…) in `name`'s member menu. */
export async function chooseMemberAction(page: Page, name: string, action: string): Promise<void> {
  const menu = await openMemberMenu(page, name);
  await menu.getByTestId(`member-${action}`).click();
  await menu.waitFor({ state: 'detached' });
}

/**
 * Mutes or bans `name` through the member menu's form: a duration choice (`5m`, `1h`, `1d`, `1w`,
 * `forever`) and a reason. Waits until the form has closed (the server agreed).
 */
export async function moderateMember(
  page: Page,
  name: string,
  action: 'mute' | 'kick' | 'ban',
  options: { duration?: string; reason?: string } = {},
): Promise<void> {
  await chooseMemberAction(page, name, action);
  const dialog = page.getByTestId('moderate-dialog');
  await dialog.waitFor();
  if (options.duration) {
    await dialog.getByTestId(`duration-${options.duration}`).check();
  }
  if (options.reason) {
    await dialog.getByTestId('moderate-reason').fill(options.reason);
  }
  await dialog.getByTestId('moderate-submit').click();
  await dialog.waitFor({ state: 'detached' });
}

/** Opens the room settings panel; returns it. */
export async function openSettings(page: Page): Promise<Locator> {
  await page.getByTestId('settings-button').click();
  const panel = page.getByTestId('settings-panel');
  await panel.waitFor();
  return panel;
}

/** A notice line of the timeline with this text (announcements: mutes, topics…). */
export const noticeWith = (page: Page, text: string | RegExp): Locator =>
  page.getByTestId('notice').filter({ hasText: text });

/** Sets the theme with the header's toggle (system → light → dark). */
export async function chooseTheme(page: Page, theme: 'light' | 'dark'): Promise<void> {
  const toggle = page.getByTestId('theme-toggle');
  for (let i = 0; i < 3 && (await toggle.getAttribute('data-theme')) !== theme; i += 1) {
    await toggle.click();
  }
}
