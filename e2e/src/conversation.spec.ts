import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect, test } from '@playwright/test';
import { type RunningServer, startServer } from '@parley/server/testing';
import type { Browser, BrowserContext, Page } from '@playwright/test';

import {
  chooseMessageAction,
  messageActions,
  myName,
  rename as askRename,
  send,
  watchErrors,
} from './support/chat-page.js';
import { screenshot } from './support/browser.js';
import { expectSteady } from './support/steady.js';

test.describe('Conversation: formatting, edits and deletes, rooms, mentions', () => {
  let server: RunningServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  /** Console errors and uncaught exceptions of every page (CSP violations show up here). */
  const pageErrors: string[] = [];

  async function openChat(
    path = '/',
    setup?: (context: BrowserContext) => Promise<unknown>,
  ): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    contexts.push(context);
    await setup?.(context);
    const page = await context.newPage();
    watch(page);
    await page.goto(new URL(path, server.url).href);
    await page.locator('[data-testid="connection-status"][data-state="connected"]').waitFor();
    await expect(myName(page)).resolves.toMatch(/\S/);
    return page;
  }

  function watch(page: Page): void {
    watchErrors(page, pageErrors);
  }

  async function rename(page: Page, name: string): Promise<void> {
    await askRename(page, name);
    await page.getByTestId('my-name').filter({ hasText: name }).waitFor();
  }

  /** A stored message (confirmed by the server) containing this text. */
  const message = (page: Page, text: string) =>
    page.locator('[data-testid="message"][data-id]').filter({ hasText: text });

  /** Drops the failed loads a page logs while offline or refused: expected, not faults. */
  function forgetFailedLoads(): void {
    const unexpected = pageErrors.filter(
      (error) => !/net::ERR_(FAILED|INTERNET_DISCONNECTED)/.test(error),
    );
    pageErrors.splice(0, pageErrors.length, ...unexpected);
  }

  /** Deletes my message with this text through its menu: Delete, then the confirm step. */
  async function deleteMine(page: Page, text: string): Promise<void> {
    const doomed = message(page, text);
    await chooseMessageAction(doomed, 'delete');
    await doomed.getByTestId('message-delete-confirm').click();
    await page.locator('[data-testid="message"][data-deleted="true"]').waitFor();
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

  test.beforeAll(async ({ browser: workerBrowser }) => {
    server = await startServer({
      DATA_DIR: mkdtempSync(join(tmpdir(), 'parley-e2e-conversation-')),
      MESSAGE_RATE_PER_SECOND: '100',
      MESSAGE_BURST: '100',
      PRESENCE_GRACE_MS: '500',
    });
    browser = workerBrowser;
  });

  test.afterAll(async () => {
    await Promise.all(contexts.map((context) => context.close()));
    await server?.stop();
  });

  test('renders formatting as elements, keeps markup as text and opens links in a new tab', async () => {
    const ada = await openChat('/r/formatting');
    const bo = await openChat('/r/formatting');

    await send(ada, 'Some **bold**, *italic*, `inline code` and _more_');
    const styled = message(bo, 'Some bold').getByTestId('message-text');
    await styled.waitFor();
    expect(await styled.locator('strong').textContent()).toBe('bold');
    expect(await styled.locator('em').allTextContents()).toEqual(['italic', 'more']);
    expect(await styled.locator('code').textContent()).toBe('inline code');
    expect(await styled.textContent()).toBe('Some bold, italic, inline code and more');

    await send(ada, 'Look:\n```ts\nconst answer = 42;\nconsole.log(answer);\n```\nDone');
    const block = message(bo, 'Look:').getByTestId('message-text');
    await block.waitFor();
    expect(await block.locator('pre > code').textContent()).toBe(
      'const answer = 42;\nconsole.log(answer);',
    );
    expect(await block.locator('pre').evaluate((pre) => getComputedStyle(pre).fontFamily)).toMatch(
      /mono/i,
    );
    expect(await block.textContent()).toBe('Look:\nconst answer = 42;\nconsole.log(answer);\nDone');

    // A very long line scrolls inside its block, never the page.
    await send(ada, '```\n' + 'x'.repeat(600) + '\n```');
    const wide = message(bo, 'xxxxxxxx').locator('pre');
    await wide.waitFor();
    const scrolls = await wide.evaluate((pre) => pre.scrollWidth > pre.clientWidth);
    expect(scrolls).toBe(true);
    const overflow = await bo.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBe(0);

    // Markup stays text: no element is made from it, and no script runs.
    await send(ada, '<script>window.hacked = 1</script> <b>not bold</b> javascript:alert(1)');
    const hostile = message(bo, 'not bold').getByTestId('message-text');
    await hostile.waitFor();
    expect(await hostile.textContent()).toBe(
      '<script>window.hacked = 1</script> <b>not bold</b> javascript:alert(1)',
    );
    expect(await hostile.locator('script, b, a').count()).toBe(0);
    expect(await bo.evaluate(() => 'hacked' in window)).toBe(false);

    // A link: opens in a new tab, with no opener and no referrer.
    const target = new URL('/healthz', server.url).href;
    await send(ada, `Status page: ${target}.`);
    const link = message(bo, 'Status page').locator('a');
    await link.waitFor();
    expect(await link.getAttribute('href')).toBe(target);
    expect(await link.getAttribute('target')).toBe('_blank');
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer nofollow ugc');
    expect(await link.textContent()).toBe(target);
    const [opened] = await Promise.all([bo.context().waitForEvent('page'), link.click()]);
    await opened.waitForLoadState();
    expect(opened.url()).toBe(target);
    expect(await opened.evaluate(() => window.opener as unknown)).toBeNull();
    await opened.close();

    await screenshot(bo, 'conversation-formatting');
    expect(pageErrors).toEqual([]);
  });

  test('lets the author edit and delete, shown on both pages and after a reload', async () => {
    const ada = await openChat('/r/edits');
    const bo = await openChat('/r/edits');

    await send(ada, 'Frist draft');
    await send(ada, 'To be removed');
    await send(bo, 'Bo says hi');
    await message(ada, 'Bo says hi').waitFor();
    await message(bo, 'To be removed').waitFor();

    // Others' messages: copy, their author, report; Ada came first and owns the room, so she may
    // also remove Bo's. Mine: copy, edit, delete.
    const ownerSees = ['copy', 'member', 'report', 'remove', 'clean-up'];
    expect(await messageActions(message(ada, 'Bo says hi'))).toEqual(ownerSees);
    expect(await messageActions(message(bo, 'Frist draft'))).toEqual(['copy', 'member', 'report']);
    expect(await messageActions(message(ada, 'Frist draft'))).toEqual(['copy', 'edit', 'delete']);

    // Escape cancels an edit.
    const draft = message(ada, 'Frist draft');
    await chooseMessageAction(draft, 'edit');
    const editor = ada.getByTestId('message-edit-input');
    expect(await editor.inputValue()).toBe('Frist draft');
    await editor.fill('Never saved');
    await editor.press('Escape');
    expect(await ada.getByTestId('message-edit-input').count()).toBe(0);
    expect(await draft.getByTestId('message-text').textContent()).toBe('Frist draft');

    // A refusal shows its reason and keeps the editor open.
    await chooseMessageAction(draft, 'edit');
    await editor.fill('   ');
    await editor.press('Enter');
    // (While the editor is open the message's text is in the box, so look page-wide.)
    expect(await ada.getByTestId('message-change-error').textContent()).toMatch(/empty/i);
    await editor.press('Escape');
    expect(await ada.getByTestId('message-change-error').count()).toBe(0);

    // Keyboard: Enter on the focused message opens its menu, Edit opens the editor, Enter saves.
    await draft.focus();
    await ada.keyboard.press('Enter');
    await ada.getByTestId('message-menu').waitFor();
    expect(await ada.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe(
      'message-copy',
    );
    await ada.keyboard.press('ArrowDown');
    await ada.keyboard.press('Enter');
    await editor.fill('First **draft**, fixed');
    await editor.press('Enter');
    const edited = message(bo, 'First draft, fixed');
    await edited.getByTestId('message-edited').waitFor();
    expect(await edited.locator('strong').textContent()).toBe('draft');
    expect(await edited.getByTestId('message-edited').getAttribute('title')).toMatch(/^Edited /);
    await message(ada, 'First draft, fixed').getByTestId('message-edited').waitFor();

    // Delete asks first, then leaves a tombstone everywhere.
    await deleteMine(ada, 'To be removed');
    const tombstone = bo.locator('[data-testid="message"][data-deleted="true"]');
    await tombstone.waitFor();
    expect(await tombstone.textContent()).toContain('This message was deleted');
    expect(await bo.getByText('To be removed').count()).toBe(0);
    await screenshot(ada, 'conversation-edit-delete');

    // After a reload, history tells the same story.
    await bo.reload();
    await bo.locator('[data-testid="connection-status"][data-state="connected"]').waitFor();
    await message(bo, 'First draft, fixed').getByTestId('message-edited').waitFor();
    await bo.locator('[data-testid="message"][data-deleted="true"]').waitFor();
    expect(await bo.getByText('To be removed').count()).toBe(0);
    await ada.reload();
    await ada.locator('[data-testid="connection-status"][data-state="connected"]').waitFor();
    const mineAgain = message(ada, 'First draft, fixed');
    await mineAgain.getByTestId('message-edited').waitFor();
    // Still mine after the reload (same session): still editable; the tombstone has no menu.
    expect(await messageActions(mineAgain)).toContain('edit');
    expect(
      await ada
        .locator('[data-testid="message"][data-deleted="true"]')
        .getByTestId('message-menu-button')
        .count(),
    ).toBe(0);
    expect(pageErrors).toEqual([]);
  });

  test('shows the edits and deletes made while a page was offline once it is back, without a reload', async () => {
    const ada = await openChat('/r/away');
    const bo = await openChat('/r/away');
    await send(ada, 'Before the trip');
    await send(ada, 'Soon gone');
    await message(bo, 'Soon gone').waitFor();

    await bo.context().setOffline(true);
    await bo.locator('[data-testid="connection-status"]:not([data-state="connected"])').waitFor();
    const draft = message(ada, 'Before the trip');
    await chooseMessageAction(draft, 'edit');
    const editor = ada.getByTestId('message-edit-input');
    await editor.fill('Before the trip, edited');
    await editor.press('Enter');
    await message(ada, 'Before the trip, edited').getByTestId('message-edited').waitFor();
    await deleteMine(ada, 'Soon gone');

    await bo.context().setOffline(false);
    await bo.locator('[data-testid="connection-status"][data-state="connected"]').waitFor();
    await message(bo, 'Before the trip, edited').getByTestId('message-edited').waitFor();
    await bo.locator('[data-testid="message"][data-deleted="true"]').waitFor();
    expect(await bo.getByText('Soon gone').count()).toBe(0);
    // A reconnect attempt while offline is logged as a failed load.
    forgetFailedLoads();
    expect(pageErrors).toEqual([]);
  });

  /** The entries of a page's online list. */
  const online = (page: Page) =>
    page
      .getByTestId('online-user')
      .evaluateAll((items) => items.map((item) => item.textContent ?? ''));

  test('keeps people and typing in the room of the URL (its name in any case)', async () => {
    const ada = await openChat('/r/games');
    const bo = await openChat('/r/Games');
    const cy = await openChat('/r/music');
    await rename(ada, 'Ada');
    await rename(bo, 'Bo');
    await rename(cy, 'Cy');

    expect(await ada.getByTestId('room-name').textContent()).toContain('games');
    expect(await bo.getByTestId('room-name').textContent()).toContain('games');
    expect(await cy.getByTestId('room-name').textContent()).toContain('music');
    expect(await ada.title()).toBe('games · Parley');
    expect(await cy.title()).toBe('music · Parley');

    // People: each room lists its own.
    await expect(ada.getByTestId('online-user')).toHaveCount(2);
    expect((await online(ada)).join(' ')).toContain('Bo');
    expect((await online(ada)).join(' ')).not.toContain('Cy');
    expect(await online(cy)).toHaveLength(1);

    // Typing shows in the typist's room only.
    await ada.getByTestId('composer-input').fill('typing in games');
    await bo.getByText('Ada is typing').waitFor();
    await expectSteady(() => cy.getByText('is typing').count(), 0, 500);
    expect(pageErrors).toEqual([]);
  });

  test('keeps messages and history in their room; the room form refuses a bad name and moves', async () => {
    const ada = await openChat('/r/cards');
    const bo = await openChat('/r/Cards');
    const cy = await openChat('/r/jazz');

    await send(ada, 'For the cards room only');
    await send(cy, 'Jazz room talk');
    await message(bo, 'For the cards room only').waitFor();
    await message(cy, 'Jazz room talk').waitFor();
    await expectSteady(() => bo.getByText('Jazz room talk').count(), 0, 300);
    expect(await cy.getByText('For the cards room only').count()).toBe(0);
    await screenshot(bo, 'conversation-rooms-games');
    await screenshot(cy, 'conversation-rooms-music');

    // A reload keeps the room; history is the room's own.
    await cy.reload();
    await message(cy, 'Jazz room talk').waitFor();
    expect(await cy.getByText('For the cards room only').count()).toBe(0);

    // Going to another room from the form: a bad name is refused, a good one navigates.
    await cy.getByTestId('room-input').fill('no spaces!');
    await cy.getByTestId('room-input').press('Enter');
    await cy.getByTestId('room-input-error').waitFor();
    expect(cy.url()).toMatch(/\/r\/jazz$/);
    await cy.getByTestId('room-input').fill('Cards');
    await Promise.all([cy.waitForURL(/\/r\/cards$/), cy.getByTestId('room-input').press('Enter')]);
    await message(cy, 'For the cards room only').waitFor();
    expect(await cy.getByText('Jazz room talk').count()).toBe(0);
    expect(await cy.title()).toBe('cards · Parley');
    expect(pageErrors).toEqual([]);
  });

  test('never sends a message queued offline in one room into another; back in its room it goes out once', async () => {
    const ada = await openChat('/r/darts');
    const bo = await openChat('/r/darts');

    await bo.context().setOffline(true);
    await bo.locator('[data-testid="connection-status"]:not([data-state="connected"])').waitFor();
    await send(bo, 'Queued in darts while offline');
    await bo.locator('[data-testid="message"][data-status="pending"]').waitFor();
    // Back online, but the socket stays refused until the page is in another room.
    await bo.context().route('**/socket.io/**', (route) => route.abort());
    await bo.context().setOffline(false);
    await bo.goto(new URL('/r/quiet', server.url).href);
    await bo.context().unroute('**/socket.io/**');
    await bo.locator('[data-testid="connection-status"][data-state="connected"]').waitFor();
    expect(await bo.getByTestId('room-name').textContent()).toContain('quiet');
    await expectSteady(() => bo.getByText('Queued in darts while offline').count(), 0, 500);
    expect(await ada.getByText('Queued in darts while offline').count()).toBe(0);
    const stored = await bo.evaluate(() => localStorage.getItem('parley.outbox.darts') ?? '');
    expect(stored).toContain('Queued in darts while offline');
    // The refused socket requests above are logged as failed loads: expected, not a fault.
    forgetFailedLoads();
    // Back in darts it goes out, once.
    await bo.goto(new URL('/r/darts', server.url).href);
    await message(ada, 'Queued in darts while offline').waitFor();
    await expectSteady(() => ada.getByText('Queued in darts while offline').count(), 1, 300);
    expect(pageErrors).toEqual([]);
  });

  test("makes the lobby the default room, with the plain title and none of the rooms' messages", async () => {
    const games = await openChat('/r/pool');
    await send(games, 'For the pool room only');
    await message(games, 'For the pool room only').waitFor();
    const lobby = await openChat('/');
    expect(await lobby.getByTestId('room-name').textContent()).toContain('lobby');
    expect(await lobby.title()).toBe('Parley');
    expect(await lobby.getByText('For the pool room only').count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });

  test('shows a clear error for a malformed room address, and does not connect', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    contexts.push(context);
    const page = await context.newPage();
    const sockets: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/socket.io/')) {
        sockets.push(request.url());
      }
    });
    await page.goto(new URL('/r/not%20a%20room!', server.url).href);
    await page.getByTestId('room-error').waitFor();
    expect(await page.getByTestId('room-error').textContent()).toContain('not a room!');
    const lobbyLink = page.getByTestId('room-error-lobby');
    expect(await lobbyLink.getAttribute('href')).toBe('/');
    await screenshot(page, 'conversation-room-error');
    await expectSteady(() => [...sockets], [], 300);
    expect(await page.getByTestId('composer-input').count()).toBe(0);
    await Promise.all([page.waitForURL(new URL('/', server.url).href), lobbyLink.click()]);
    await page.locator('[data-testid="connection-status"][data-state="connected"]').waitFor();
  });

  test('highlights mentions of me only, counts them in the title while hidden and notifies', async () => {
    const ada = await openChat('/r/mentions');
    // Bo's browser records notifications instead of showing them (headless has no desktop).
    const bo = await openChat('/r/mentions', (context) =>
      context.addInitScript(() => {
        const shown: { title: string; body: string }[] = [];
        class RecordedNotification {
          static permission: NotificationPermission = 'default';
          static requestPermission(): Promise<NotificationPermission> {
            RecordedNotification.permission = 'granted';
            return Promise.resolve('granted');
          }
          onclick: (() => void) | null = null;
          constructor(title: string, options?: { body?: string }) {
            shown.push({ title, body: options?.body ?? '' });
          }
          close(): void {}
        }
        Object.assign(window, { Notification: RecordedNotification, shownNotifications: shown });
      }),
    );
    const cy = await openChat('/r/mentions');
    await rename(ada, 'Ada');
    await rename(bo, 'Bo');
    await rename(cy, 'Cy');
    await ada.waitForFunction(
      () => document.querySelectorAll('[data-testid="online-user"]').length === 3,
    );

    // Notifications only after opting in.
    const toggle = bo.getByTestId('notify-toggle');
    expect(await toggle.getAttribute('aria-pressed')).toBe('false');
    await toggle.click();
    await bo.locator('[data-testid="notify-toggle"][aria-pressed="true"]').waitFor();

    await setHidden(bo, true);
    await send(ada, 'Hey @bo, look at this');
    await send(ada, 'Just chatting');
    await send(cy, 'And @Ada too');
    await bo.waitForFunction(() => document.title === '(3, @1) mentions · Parley');

    // Highlighted on Bo's page only, with a badge (not colour alone).
    const onBo = message(bo, 'Hey @bo');
    expect(await onBo.getAttribute('data-mentions-me')).toBe('true');
    expect(await onBo.getByTestId('message-mention-badge').textContent()).toContain('@ you');
    expect(await message(bo, 'Just chatting').getAttribute('data-mentions-me')).toBeNull();
    expect(await message(bo, 'And @Ada').getAttribute('data-mentions-me')).toBeNull();
    await message(cy, 'Hey @bo').waitFor();
    expect(await message(cy, 'Hey @bo').getAttribute('data-mentions-me')).toBeNull();
    expect(await message(ada, 'Hey @bo').getAttribute('data-mentions-me')).toBeNull();
    await message(ada, 'And @Ada').waitFor();
    expect(await message(ada, 'And @Ada').getAttribute('data-mentions-me')).toBe('true');

    const shown = await bo.evaluate(
      () => (window as unknown as { shownNotifications: unknown[] }).shownNotifications,
    );
    expect(shown).toEqual([
      { title: 'Ada mentioned you in #mentions', body: 'Hey @bo, look at this' },
    ]);

    await setHidden(bo, false);
    await bo.waitForFunction(() => document.title === 'mentions · Parley');
    await screenshot(bo, 'conversation-mention');

    // A mention while visible raises no notification; Ada never opted in, so she gets none.
    await send(cy, 'Visible @Bo');
    await message(bo, 'Visible @Bo').waitFor();
    const after = await bo.evaluate(
      () => (window as unknown as { shownNotifications: unknown[] }).shownNotifications.length,
    );
    expect(after).toBe(1);
    expect(pageErrors).toEqual([]);
  });

  test('typing @ suggests the others online; arrow keys and Enter (or Tab) complete a name', async () => {
    const ada = await openChat('/r/suggestions');
    const bo = await openChat('/r/suggestions');
    const cy = await openChat('/r/suggestions');
    await rename(ada, 'Ada');
    await rename(bo, 'Bo');
    await rename(cy, 'Cy');
    await expect(cy.getByTestId('online-user')).toHaveCount(3);

    const input = cy.getByTestId('composer-input');
    await input.pressSequentially('Hi @');
    const list = cy.getByTestId('mention-suggestions');
    await list.waitFor();
    expect(await list.getAttribute('role')).toBe('listbox');
    expect(await list.getByRole('option').allTextContents()).toEqual(['@Ada', '@Bo']);
    await input.press('ArrowDown');
    expect(await list.locator('[aria-selected="true"]').textContent()).toContain('@Bo');
    await screenshot(cy, 'conversation-mention-suggestions');
    await input.press('Enter');
    expect(await input.inputValue()).toBe('Hi @Bo ');
    expect(await list.count()).toBe(0);
    await input.pressSequentially('and @a');
    await list.waitFor();
    await input.press('Tab');
    expect(await input.inputValue()).toBe('Hi @Bo and @Ada ');
    await input.pressSequentially('x @zz');
    expect(await list.count()).toBe(0);
    await input.fill('');

    expect(pageErrors).toEqual([]);
  });
});
