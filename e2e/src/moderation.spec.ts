import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect, test } from '@playwright/test';
import { type RunningServer, startServer } from '@parley/server/testing';
import type { Browser, BrowserContext, Page } from '@playwright/test';

import { moderateViolations } from './support/axe.js';
import { screenshot } from './support/browser.js';
import { chooseMessageAction, myName, openChatPage, send } from './support/chat-page.js';
import {
  chooseMemberAction,
  chooseTheme,
  moderateMember,
  noticeWith,
  onlineName,
  openMemberMenu,
  openSettings,
} from './support/moderation-page.js';

/** A room nobody owns yet: the first page in it becomes its owner. */
const freshRoom = (name: string) => `/r/${name}-${Date.now().toString(36)}`;
const PHONE = { viewport: { width: 360, height: 740 }, hasTouch: true, isMobile: true };

test.describe('Rooms a community can run: owners act, people ignore and report (#13)', () => {
  let browser: Browser;
  let server: RunningServer | undefined;
  let contexts: BrowserContext[] = [];
  let pageErrors: string[] = [];

  const openChat = (
    path: string,
    options: Parameters<Browser['newContext']>[0] = {},
  ): Promise<Page> =>
    openChatPage(browser, `${server?.url ?? ''}${path}`, { contexts, errors: pageErrors }, options);

  test.beforeAll(({ browser: workerBrowser }) => {
    browser = workerBrowser;
  });

  test.beforeEach(async () => {
    server = await startServer({
      DATA_DIR: mkdtempSync(join(tmpdir(), 'parley-e2e-moderation-')),
      CONNECTIONS_PER_MINUTE: '1000',
      // A kick's cool-down short enough to wait out in a test.
      KICK_COOLDOWN_S: '3',
    });
  });

  test.afterEach(async () => {
    await Promise.all(contexts.map((context) => context.close()));
    await server?.stop();
    server = undefined;
    contexts = [];
    // A refused handshake (banned) logs its failed request (400) in the console: not a page error.
    const unexpected = pageErrors.filter(
      (error) => !/WebSocket|socket\.io|ERR_|Failed to load resource/.test(error),
    );
    pageErrors = [];
    expect(unexpected).toEqual([]);
  });

  test('an owner mutes and then bans a disruptive user, who sees why each time', async () => {
    const room = freshRoom('mute-ban');
    const owner = await openChat(room);
    const troll = await openChat(room, PHONE);
    const trollName = await myName(troll);
    const ownerName = await myName(owner);

    // The room's first person owns it: a badge says so, on both pages.
    await expect(
      owner
        .locator('[data-testid="online-user"]')
        .filter({ hasText: ownerName })
        .getByTestId('role-badge'),
    ).toHaveText('Owner');
    await send(troll, 'BUY CHEAP STUFF NOW');
    await send(troll, 'CHEAP STUFF AGAIN');
    await send(troll, 'AND AGAIN CHEAP');
    await owner.getByTestId('message-text').filter({ hasText: 'AND AGAIN' }).waitFor();

    // "Delete their last messages…" from one of their messages: two of the three go.
    await chooseMessageAction(
      owner.getByTestId('message').filter({ hasText: 'AND AGAIN' }),
      'clean-up',
    );
    const cleanUp = owner.getByTestId('moderate-dialog');
    await cleanUp.getByTestId('clean-up-count').fill('2');
    await cleanUp.getByTestId('moderate-submit').click();
    await cleanUp.waitFor({ state: 'detached' });
    await expect(
      troll.getByTestId('message-tombstone').filter({ hasText: 'Removed by a moderator' }),
    ).toHaveCount(2);
    await noticeWith(troll, /removed 2 messages by you/).waitFor();

    await moderateMember(owner, trollName, 'mute', { duration: '5m', reason: 'spam' });
    await noticeWith(owner, `You muted ${trollName} for 5 min: spam`).waitFor();
    await noticeWith(troll, `${ownerName} muted you for 5 min: spam`).waitFor();
    // The muted page says until when, with a countdown, and the box is off.
    await expect(troll.getByTestId('composer-restriction')).toContainText(
      'You are muted here until',
    );
    await expect(troll.getByTestId('composer-input')).toBeDisabled();
    await screenshot(troll, 'moderation-muted-360');

    await moderateMember(owner, trollName, 'ban', { duration: '1d', reason: 'flooding' });
    await noticeWith(owner, `You banned ${trollName} for 1 day: flooding`).waitFor();
    const banned = troll.getByTestId('exclusion');
    await expect(banned).toHaveAttribute('data-kind', 'banned');
    await expect(banned.getByTestId('exclusion-reason')).toContainText('flooding');
    await expect(banned.getByTestId('exclusion-reason')).toContainText('The ban lasts until');
    // No "reconnecting" spinner behind it.
    await expect(troll.getByTestId('connection-banner')).toHaveCount(0);
    await screenshot(troll, 'moderation-banned-360');

    // A reload is refused at the handshake: still banned, until when.
    await troll.reload();
    await expect(troll.getByTestId('exclusion')).toHaveAttribute('data-kind', 'banned');
    await expect(troll.getByTestId('exclusion-reason')).toContainText('The ban lasts until');

    // The owner lifts the ban from the settings' list.
    const panel = await openSettings(owner);
    const ban = panel.getByTestId('ban').filter({ hasText: trollName });
    await ban.getByTestId('ban-lift').click();
    await expect(ban).toHaveCount(0);
  });

  test('an ignored person’s messages and typing vanish for me only, across reloads', async () => {
    const room = freshRoom('ignore');
    const me = await openChat(room);
    const pest = await openChat(room);
    const other = await openChat(room);
    const pestName = await myName(pest);

    // By keyboard: Enter on their message, "About …" in its menu, then Ignore in theirs.
    await send(pest, 'hello, the pest says');
    const hello = me.getByTestId('message').filter({ hasText: 'hello, the pest says' });
    await hello.focus();
    await me.keyboard.press('Enter');
    await me.getByTestId('message-member').waitFor();
    await me.getByTestId('message-member').focus();
    await me.keyboard.press('Enter');
    await expect(me.getByTestId('member-mention')).toBeFocused();
    await me.keyboard.press('ArrowDown');
    await expect(me.getByTestId('member-ignore')).toBeFocused();
    await me.keyboard.press('Enter');
    await expect(hello).toHaveCount(0);
    await send(pest, 'first thing the pest says');
    await send(pest, 'second thing the pest says');
    await other.getByTestId('message-text').filter({ hasText: 'second thing' }).waitFor();
    // Someone else still reads them.
    await expect(other.getByTestId('message-text').filter({ hasText: 'pest says' })).toHaveCount(3);
    // For me: one quiet line in their place.
    const folded = me.getByTestId('ignored-run');
    await expect(folded).toHaveText(/3 messages from someone you ignore/);
    await expect(me.getByTestId('message-text').filter({ hasText: 'pest says' })).toHaveCount(0);
    await expect(
      onlineName(me, pestName).locator('..').getByTestId('online-ignored'),
    ).toBeVisible();

    // Their typing is not shown to me either.
    await pest.getByTestId('composer-input').pressSequentially('typing away');
    await other.getByTestId('typing-indicator').filter({ hasText: pestName }).waitFor();
    await expect(me.getByTestId('typing-indicator')).toHaveAttribute('data-count', '0');

    await screenshot(me, 'moderation-ignored-1280');
    await me.reload();
    await me.getByTestId('ignored-run').waitFor();
    await expect(me.getByTestId('message-text').filter({ hasText: 'pest says' })).toHaveCount(0);

    // Show opens one run; Stop ignoring brings them all back.
    await me.getByTestId('ignored-show').click();
    await expect(me.getByTestId('message-text').filter({ hasText: 'pest says' })).toHaveCount(3);
    await chooseMemberAction(me, pestName, 'unignore');
    await expect(me.getByTestId('ignored-run')).toHaveCount(0);
  });

  test('a report reaches a moderator at once, who resolves it', async () => {
    const room = freshRoom('report');
    const owner = await openChat(room);
    const mod = await openChat(room);
    const reader = await openChat(room);
    const writer = await openChat(room);
    const modName = await myName(mod);

    await chooseMemberAction(owner, modName, 'make-moderator');
    await noticeWith(mod, /made you a moderator/).waitFor();
    await expect(
      reader
        .locator('[data-testid="online-user"]')
        .filter({ hasText: modName })
        .getByTestId('role-badge'),
    ).toHaveText('Mod');

    await send(writer, 'something nasty');
    const message = reader.getByTestId('message').filter({ hasText: 'something nasty' });
    await message.waitFor();
    await chooseMessageAction(message, 'report');
    const dialog = reader.getByTestId('moderate-dialog');
    await dialog.getByTestId('moderate-reason').fill('insulting');
    await dialog.getByTestId('moderate-submit').click();
    await dialog.waitFor({ state: 'detached' });

    // The moderator's settings button counts it, and the queue shows it with its reason.
    await expect(mod.getByTestId('settings-report-count')).toHaveText('1');
    const panel = await openSettings(mod);
    const report = panel.getByTestId('report');
    await expect(report).toContainText('something nasty');
    await expect(report).toContainText('insulting');
    await report.getByTestId('report-resolve').click();
    await expect(report).toHaveCount(0);
    await expect(owner.getByTestId('settings-report-count')).toHaveCount(0);

    // From the writer's name in the list, someone else: "Report their last message…".
    const writerName = await myName(writer);
    await chooseMemberAction(owner, writerName, 'report');
    const again = owner.getByTestId('moderate-dialog');
    await again.getByTestId('moderate-submit').click();
    await again.waitFor({ state: 'detached' });
    await expect(mod.getByTestId('settings-report-count')).toHaveText('1');
    await expect(panel.getByTestId('report')).toContainText('something nasty');

    // A moderator deletes the message: everyone reads "Removed by a moderator".
    await mod.keyboard.press('Escape');
    const modView = mod.getByTestId('message').filter({ hasText: 'something nasty' });
    await chooseMessageAction(modView, 'remove');
    await modView.getByRole('button', { name: 'Delete' }).click();
    await expect(
      reader.getByTestId('message-tombstone').filter({ hasText: 'Removed by a moderator' }),
    ).toHaveCount(1);
  });

  test('the member menu and the settings are axe-clean in both themes and fit 360 px', async () => {
    const room = freshRoom('axe');
    const owner = await openChat(room);
    const guest = await openChat(room);
    const guestName = await myName(guest);
    await send(guest, 'hello');
    await owner.getByTestId('message-text').filter({ hasText: 'hello' }).waitFor();

    for (const theme of ['light', 'dark'] as const) {
      await chooseTheme(owner, theme);
      const menu = await openMemberMenu(owner, guestName);
      await expect(menu.getByTestId('member-ban')).toBeVisible();
      expect(await moderateViolations(owner), `member menu, ${theme}`).toEqual([]);
      await screenshot(owner, `moderation-member-menu-1280-${theme}`);
      // Mute… opens its form (Enter on the focused entry).
      await menu.getByTestId('member-mute').focus();
      await owner.keyboard.press('Enter');
      const dialog = owner.getByTestId('moderate-dialog');
      await dialog.getByTestId('duration-custom').check();
      await dialog.getByTestId('duration-amount').waitFor();
      expect(await moderateViolations(owner), `mute form, ${theme}`).toEqual([]);
      await screenshot(owner, `moderation-mute-form-1280-${theme}`);
      await owner.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });

      const panel = await openSettings(owner);
      await panel.getByTestId('settings-topic').waitFor();
      expect(await moderateViolations(owner), `settings, ${theme}`).toEqual([]);
      await screenshot(owner, `moderation-settings-1280-${theme}`);
      await owner.keyboard.press('Escape');
      await panel.waitFor({ state: 'detached' });
    }

    // Keyboard: the settings button, the topic, saved, shown in the header.
    await owner.getByTestId('settings-button').focus();
    await owner.keyboard.press('Enter');
    await owner.getByTestId('settings-topic').fill('Be kind');
    await owner.keyboard.press('Enter');
    await owner.keyboard.press('Escape');
    await expect(guest.getByTestId('room-topic')).toContainText('Be kind');
    await noticeWith(guest, /set the topic: Be kind/).waitFor();

    // 360 px: the member menu is a sheet, the settings fill the screen.
    const phone = await openChat(room, PHONE);
    await phone.getByTestId('online-toggle').click();
    await onlineName(phone, guestName).click();
    await phone.getByTestId('member-menu').waitFor();
    await screenshot(phone, 'moderation-member-menu-360');
    await phone.keyboard.press('Escape');
    await phone.keyboard.press('Escape');
    await chooseTheme(owner, 'light');
    await owner.setViewportSize({ width: 360, height: 740 });
    await openSettings(owner);
    await screenshot(owner, 'moderation-settings-360');
    const overflow = await owner.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
  });

  test('a kicked person sees why, waits out the cool-down and comes back', async () => {
    const room = freshRoom('kick');
    const owner = await openChat(room);
    const guest = await openChat(room);
    const guestName = await myName(guest);

    await moderateMember(owner, guestName, 'kick', { reason: 'cool off' });
    const kicked = guest.getByTestId('exclusion');
    await expect(kicked).toHaveAttribute('data-kind', 'kicked');
    await expect(kicked.getByTestId('exclusion-reason')).toContainText('cool off');
    // The handshake tried once says how long to wait: a countdown, the way back disabled till then.
    await expect(kicked.getByTestId('exclusion-wait')).toContainText(/come back in 0:0\d/);
    const back = kicked.getByTestId('exclusion-rejoin');
    await expect(back).toBeDisabled();
    await expect(guest.getByTestId('connection-banner')).toHaveCount(0);
    await expect(back).toBeEnabled({ timeout: 10_000 });
    await back.click();
    await guest.locator('[data-testid="connection-status"][data-state="connected"]').waitFor();
    await send(guest, 'sorry, back now');
    await owner.getByTestId('message-text').filter({ hasText: 'sorry, back now' }).waitFor();
  });

  test('a locked room lets in the invite link only; the link survives a reload, a new one replaces it', async () => {
    const room = freshRoom('locked');
    const owner = await openChat(room);
    const panel = await openSettings(owner);
    await panel.getByTestId('settings-locked').check();
    const inviteField = panel.getByTestId('settings-invite');
    await expect(inviteField).toHaveValue(/#invite=/);
    const link = await inviteField.inputValue();
    // One line, not a box that grows with the panel.
    expect((await inviteField.boundingBox())?.height ?? 0).toBeLessThan(60);

    // Without the link: refused, with a way to paste one, inside a 360 px phone.
    const stranger = await (
      await browser.newContext({ viewport: { width: 360, height: 740 } })
    ).newPage();
    contexts.push(stranger.context());
    await stranger.goto(`${server?.url ?? ''}${room}`);
    await expect(stranger.getByTestId('exclusion')).toHaveAttribute('data-kind', 'locked');
    expect(await stranger.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      360,
    );
    await stranger.getByTestId('exclusion-invite').fill(link);
    await stranger.getByTestId('exclusion-invite').press('Enter');
    await stranger.locator('[data-testid="connection-status"][data-state="connected"]').waitFor();

    // Opening the link on a page already kept out (no reload, only the fragment changes) lets in.
    const waiting = await (await browser.newContext()).newPage();
    contexts.push(waiting.context());
    await waiting.goto(`${server?.url ?? ''}${room}`);
    await expect(waiting.getByTestId('exclusion')).toHaveAttribute('data-kind', 'locked');
    await waiting.goto(link);
    await waiting.locator('[data-testid="connection-status"][data-state="connected"]').waitFor();
    expect(new URL(waiting.url()).hash).toBe('');

    // With the link: in, the secret out of the address bar, and a reload still works.
    const friend = await openChat(link.replace(server?.url ?? '', ''));
    expect(new URL(friend.url()).hash).toBe('');
    await friend.reload();
    await friend.locator('[data-testid="connection-status"][data-state="connected"]').waitFor();

    // A new link: the old one no longer opens the room.
    await panel.getByTestId('settings-invite-rotate').click();
    await expect(inviteField).not.toHaveValue(link);
    const late = await (await browser.newContext()).newPage();
    contexts.push(late.context());
    await late.goto(link);
    await expect(late.getByTestId('exclusion')).toHaveAttribute('data-kind', 'locked');
    await expect(late.getByTestId('exclusion-reason')).toContainText('no longer works');
  });

  test('slow mode holds the composer with a countdown, announced to the room', async () => {
    const room = freshRoom('slow');
    const owner = await openChat(room);
    const guest = await openChat(room);
    const panel = await openSettings(owner);
    await panel.getByTestId('slow-30').check();
    await owner.keyboard.press('Escape');
    await noticeWith(guest, /turned on slow mode: one message every 30 s/).waitFor();

    await send(guest, 'one');
    await owner.getByTestId('message-text').filter({ hasText: 'one' }).waitFor();
    await expect(guest.getByTestId('composer-restriction')).toContainText(
      /Slow mode: you can send again in 0:[23]\d/,
    );
    // The owner is exempt.
    await send(owner, 'owner one');
    await send(owner, 'owner two');
    await guest.getByTestId('message-text').filter({ hasText: 'owner two' }).waitFor();
    await expect(owner.getByTestId('composer-restriction')).toHaveCount(0);
  });
});
