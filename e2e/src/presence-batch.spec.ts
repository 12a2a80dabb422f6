import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect, test } from '@playwright/test';
import { ClientEvent, ServerEvent } from '@parley/protocol';
import { type RunningServer, startServer } from '@parley/server/testing';
import type { Browser, BrowserContext, Page } from '@playwright/test';

import { seriousViolations } from './support/axe.js';
import { openChatPage, rename as askRename } from './support/chat-page.js';
import { screenshot } from './support/browser.js';
import { expectSteady } from './support/steady.js';
import { RawClient } from './support/raw-client.js';

/** A room of this many people is "big" for these tests: its presence comes in batches. */
const THRESHOLD = 3;
/** How long the server gathers a big room's changes before they go out together. */
const BATCH_MS = 300;
/** The web app's typing expiry: a typist cleared sooner was cleared by their leaving. */
const TYPING_EXPIRES_MS = 6000;

/** Someone online, as a list shows them. */
interface Person {
  id: string;
  name: string;
}

const line = ({ id, name }: Person) => `${id} ${name}`;
/** What a page shows: its online list ("id name" lines, sorted), count, and "and N more" line. */
async function shownPresence(page: Page): Promise<{ list: string[]; count: string; more: string }> {
  return page.evaluate(() => ({
    list: Array.from(document.querySelectorAll('[data-testid="online-user"]'))
      .map(
        (item) =>
          `${item.getAttribute('data-user-id') ?? ''} ${item.querySelector('.name')?.textContent?.trim() ?? ''}`,
      )
      .sort(),
    count: document.querySelector('[data-testid="online-count"]')?.textContent?.trim() ?? '',
    more: document.querySelector('[data-testid="online-more"]')?.textContent?.trim() ?? '',
  }));
}

/** Waits until the page lists exactly `people` and shows their number as the online count. */
async function waitForRoster(page: Page, people: readonly Person[], label: string): Promise<void> {
  const list = people.map(line).sort();
  await expect
    .poll(() => shownPresence(page), { message: label })
    .toEqual({ list, count: String(list.length), more: '' });
}

/** My own entry in a page's online list (the one marked "(you)"). */
async function me(page: Page): Promise<Person> {
  const entry = page.getByTestId('online-user').filter({ has: page.locator('.you') });
  await entry.waitFor();
  return {
    id: (await entry.getAttribute('data-user-id')) ?? '',
    name: (await entry.locator('.name').textContent())?.trim() ?? '',
  };
}

/** Waits until a raw client believes exactly `people` are online. */
async function seedSees(client: RawClient, people: readonly Person[]): Promise<void> {
  await expect
    .poll(() => client.snapshot(), { message: 'who the raw client believes is online' })
    .toEqual(people.map(line).sort());
}

const asPerson = (client: RawClient): Person => ({ id: client.userId, name: client.username });

const noticeTexts = (page: Page) =>
  page.getByTestId('notice').evaluateAll((items) => items.map((item) => item.textContent?.trim()));

test.describe('Presence in a big room: batched, and every page’s online list stays exact', () => {
  let browser: Browser;
  let server: RunningServer | undefined;
  let contexts: BrowserContext[] = [];
  let clients: RawClient[] = [];
  /** Console errors and uncaught exceptions of every page (CSP violations show up here). */
  let pageErrors: string[] = [];

  async function start(extra: Record<string, string> = {}): Promise<RunningServer> {
    server = await startServer({
      DATA_DIR: mkdtempSync(join(tmpdir(), 'parley-e2e-presence-')),
      RENAMES_PER_MINUTE: '50',
      CONNECTIONS_PER_MINUTE: '1000',
      PRESENCE_GRACE_MS: '0',
      PRESENCE_BATCH_THRESHOLD: String(THRESHOLD),
      PRESENCE_BATCH_MS: String(BATCH_MS),
      ...extra,
    });
    return server;
  }

  const openChat = (url: string): Promise<Page> =>
    openChatPage(browser, url, { contexts, errors: pageErrors });

  async function connectRaw(url: string, batched: boolean): Promise<RawClient> {
    const client = await RawClient.connect(url, { batched });
    clients.push(client);
    return client;
  }

  async function rename(page: Page, name: string): Promise<void> {
    await askRename(page, name);
    await page.getByTestId('my-name').filter({ hasText: name }).waitFor();
  }

  async function renameRaw(client: RawClient, username: string): Promise<void> {
    const answer = (await client.socket
      .timeout(5000)
      .emitWithAck(ClientEvent.UpdateUsername, { username })) as { ok: boolean };
    expect(answer).toMatchObject({ ok: true });
  }

  test.beforeAll(({ browser: workerBrowser }) => {
    browser = workerBrowser;
  });

  test.afterEach(async () => {
    for (const client of clients) {
      client.close();
    }
    await Promise.all(contexts.map((context) => context.close()));
    await server?.stop();
    server = undefined;
    contexts = [];
    clients = [];
    pageErrors = [];
  });

  test('converges every list and count through joins, leaves and renames; tutorial clients still get user_joined/user_left', async () => {
    const { url } = await start();

    // A small room first: Ada and Bo hear of each other one by one (with a notice).
    const ada = await openChat(url);
    const bo = await openChat(url);
    const adaMe = await me(ada);
    const boMe = await me(bo);
    await waitForRoster(ada, [adaMe, boMe], 'small room, Ada');
    await ada
      .getByTestId('notice')
      .filter({ hasText: `${boMe.name} joined` })
      .waitFor();

    // A seed-era client (no features, no acks) makes it three: the room is big from now on.
    const seed = await connectRaw(url, false);
    // The rest arrive into the big room: a page, clients that batch, and another tutorial client.
    const cy = await openChat(url);
    const cyMe = await me(cy);
    const batchedOne = await connectRaw(url, true);
    const batchedTwo = await connectRaw(url, true);
    const seedTwo = await connectRaw(url, false);

    let everyone: Person[] = [
      adaMe,
      boMe,
      cyMe,
      asPerson(seed),
      asPerson(batchedOne),
      asPerson(batchedTwo),
      asPerson(seedTwo),
    ];
    for (const [page, label] of [
      [ada, 'after the joins, Ada'],
      [bo, 'after the joins, Bo'],
      [cy, 'after the joins, Cy'],
    ] as const) {
      await waitForRoster(page, everyone, label);
    }
    await seedSees(seed, everyone);

    // Big-room arrivals left no notice per person on the pages that were there.
    const batchedJoins = [cyMe, asPerson(batchedOne), asPerson(batchedTwo), asPerson(seedTwo)];
    for (const page of [ada, bo]) {
      const texts = await noticeTexts(page);
      for (const person of batchedJoins) {
        expect(texts).not.toContain(`${person.name} joined`);
      }
    }

    // Someone typing who leaves stops typing at once (not when the typing expires).
    const typingSince = Date.now();
    batchedOne.socket.emit(ClientEvent.Typing, { is_typing: true });
    const indicator = ada.getByTestId('typing-indicator');
    await indicator.filter({ hasText: `${batchedOne.username} is typing…` }).waitFor();

    // Leaves: a page closes, a batching client and a tutorial client disconnect.
    await contexts[2]?.close();
    batchedOne.close();
    seedTwo.close();
    const gone = [cyMe, asPerson(batchedOne), asPerson(seedTwo)];
    const goneIds = gone.map((person) => person.id);
    everyone = everyone.filter((person) => !goneIds.includes(person.id));
    await waitForRoster(ada, everyone, 'after the leaves, Ada');
    await waitForRoster(bo, everyone, 'after the leaves, Bo');
    await ada.waitForFunction(
      () => document.querySelector('[data-testid="typing-indicator"]')?.textContent?.trim() === '',
    );
    expect(Date.now() - typingSince).toBeLessThan(TYPING_EXPIRES_MS);
    await seedSees(seed, everyone);
    for (const page of [ada, bo]) {
      const texts = await noticeTexts(page);
      for (const person of gone) {
        expect(texts).not.toContain(`${person.name} left`);
      }
    }

    // Renames: a page, a batching client, and a newcomer renamed while its join still waits in
    // a batch (the batch must not bring back its first name).
    await rename(bo, 'Bo Renamed');
    await renameRaw(batchedTwo, 'Raw Renamed');
    const late = await connectRaw(url, true);
    await renameRaw(late, 'Late Renamed');
    everyone = [
      adaMe,
      { ...boMe, name: 'Bo Renamed' },
      asPerson(seed),
      { id: batchedTwo.userId, name: 'Raw Renamed' },
      { id: late.userId, name: 'Late Renamed' },
    ];
    await waitForRoster(ada, everyone, 'after the renames, Ada');
    await waitForRoster(bo, everyone, 'after the renames, Bo');
    await seedSees(seed, everyone);

    // Nothing late undoes it: a window later, every view is still the same.
    await expectSteady(() => seed.snapshot(), everyone.map(line).sort(), BATCH_MS * 2);
    await waitForRoster(ada, everyone, 'a window later, Ada');
    await waitForRoster(bo, everyone, 'a window later, Bo');

    // The tutorial client heard of each arrival and departure once, the tutorial's way.
    expect(seed.received(ServerEvent.PresenceChanged)).toEqual([]);
    const joinedIds = seed
      .received<{ user_id: string }>(ServerEvent.UserJoined)
      .map(({ user_id }) => user_id);
    const others = [cyMe.id, batchedOne.userId, batchedTwo.userId, seedTwo.userId, late.userId];
    expect(joinedIds.filter((id) => id !== seed.userId).sort()).toEqual(others.sort());
    expect(joinedIds.filter((id) => id === seed.userId)).toHaveLength(1);
    const leftIds = seed
      .received<{ user_id: string }>(ServerEvent.UserLeft)
      .map(({ user_id }) => user_id);
    expect(leftIds.sort()).toEqual(goneIds.sort());

    // A batching client heard of the others in batches: its own join alone came as user_joined.
    const batches = batchedTwo.received<{ count: number }>(ServerEvent.PresenceChanged);
    expect(batches.length).toBeGreaterThan(0);
    expect(batches.at(-1)?.count).toBe(everyone.length);
    expect(
      batchedTwo
        .received<{ user_id: string }>(ServerEvent.UserJoined)
        .map(({ user_id }) => user_id),
    ).toEqual([batchedTwo.userId]);
    expect(batchedTwo.received(ServerEvent.UserLeft)).toEqual([]);

    expect(pageErrors).toEqual([]);
  });

  test('shows me first in a shortened list, even when my name sorts after the names shown', async () => {
    const { url } = await start({ USER_LIST_LIMIT: '2' });
    const early: RawClient[] = [];
    for (let i = 1; i <= 3; i += 1) {
      const client = await connectRaw(url, true);
      await renameRaw(client, `Aa ${i}`); // before every User_NNNN
      early.push(client);
    }
    const cy = await openChat(url);
    const cyMe = await me(cy);
    await cy.locator('[data-testid="online-count"]').filter({ hasText: /^4$/ }).waitFor();
    await cy
      .getByTestId('online-more')
      .filter({ hasText: /^and 2 more$/ })
      .waitFor();
    expect(
      await cy
        .getByTestId('online-user')
        .evaluateAll((items) => items.map((item) => item.getAttribute('data-user-id'))),
    ).toEqual([cyMe.id, asPerson(early[0]!).id]);
    expect(pageErrors).toEqual([]);
  });

  test('lists the first people by name in a room bigger than user_list, and counts the rest', async () => {
    const { url } = await start({ USER_LIST_LIMIT: '2' });
    const zeds: RawClient[] = [];
    for (let i = 1; i <= 3; i += 1) {
      const zed = await connectRaw(url, true);
      await renameRaw(zed, `Zed ${i}`);
      zeds.push(zed);
    }

    // Ada arrives in a room of four: her list names two of them, and says how many more.
    const ada = await openChat(url);
    await rename(ada, 'Ada');
    const adaMe = await me(ada);
    const count = ada.locator('[data-testid="online-count"]');
    const more = ada.getByTestId('online-more');
    await count.filter({ hasText: /^4$/ }).waitFor();
    await more.filter({ hasText: /^and 2 more$/ }).waitFor();
    expect((await shownPresence(ada)).list).toEqual([adaMe, asPerson(zeds[0]!)].map(line).sort());
    // The list keeps its semantics: one item per person named; the line is not an item.
    expect(await ada.getByTestId('online-list').locator('li').count()).toBe(2);
    expect(await seriousViolations(ada)).toEqual([]);

    // Bo comes (in a batch): he sorts before the Zeds, so he is named and one more is not.
    const bo = await openChat(url);
    await rename(bo, 'Bo');
    const boMe = await me(bo);
    await count.filter({ hasText: /^5$/ }).waitFor();
    await more.filter({ hasText: /^and 3 more$/ }).waitFor();
    await ada.waitForFunction(
      (want) =>
        JSON.stringify(
          Array.from(document.querySelectorAll('[data-testid="online-user"] .name')).map((name) =>
            name.textContent?.trim(),
          ),
        ) === JSON.stringify(want),
      ['Ada', 'Bo'],
    );
    expect((await shownPresence(bo)).count).toBe('5');
    expect((await shownPresence(bo)).list).toEqual([adaMe, boMe].map(line).sort());
    await screenshot(ada, 'presence-batch-truncated-list');

    // Zeds leave: the count follows, and once everyone is named the line goes.
    zeds[0]!.close();
    await count.filter({ hasText: /^4$/ }).waitFor();
    await more.filter({ hasText: /^and 2 more$/ }).waitFor();
    zeds[1]!.close();
    zeds[2]!.close();
    await waitForRoster(ada, [adaMe, boMe], 'after the Zeds left, Ada');
    await waitForRoster(bo, [adaMe, boMe], 'after the Zeds left, Bo');

    expect(pageErrors).toEqual([]);
  });
});
