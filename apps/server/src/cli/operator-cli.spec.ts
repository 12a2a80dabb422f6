import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';

import type { ChatStore } from '../storage/chat-store.js';
import { PostgresChatStore } from '../storage/postgres-chat-store.js';
import { SqliteChatStore } from '../storage/sqlite-chat-store.js';
import { createTestDatabase } from '../testing/test-postgres.js';
import { runCli, USAGE } from './operator-cli.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function run(argv: string[], env: NodeJS.ProcessEnv) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, env, {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** The operator's commands against one kind of store, read back through the store itself. */
function describeCommands(
  name: string,
  setup: () => Promise<{
    env: NodeJS.ProcessEnv;
    open: () => Promise<ChatStore>;
    drop: () => Promise<void> | void;
  }>,
): void {
  describe(`parley CLI on ${name}`, () => {
    let env: NodeJS.ProcessEnv;
    let open: () => Promise<ChatStore>;
    let drop: () => Promise<void> | void;

    beforeAll(async () => {
      ({ env, open, drop } = await setup());
    });

    afterAll(() => drop());

    async function inStore<T>(read: (store: ChatStore) => Promise<T>): Promise<T> {
      const store = await open();
      try {
        return await read(store);
      } finally {
        await store.close();
      }
    }

    it('adds, lists and removes moderators, by normalised room name, with audit entries', async () => {
      const added = await run(['moderators', 'add', '--room', ' Den ', '--user', 'u-mod'], env);
      expect(added).toMatchObject({ code: 0, out: 'u-mod is now a moderator of den.' });
      expect(
        await run(['moderators', 'add', '--room', 'den', '--user', 'u-mod'], env),
      ).toMatchObject({ code: 0, out: 'u-mod is already a moderator of den.' });
      expect(await run(['moderators', 'list', '--room', 'den'], env)).toMatchObject({
        code: 0,
        out: 'den: owner (none); moderators u-mod',
      });
      expect(await inStore((store) => store.moderation.auditPage('den', undefined, 10))).toEqual({
        items: [
          expect.objectContaining({
            action: 'role',
            byUserId: 'operator',
            byUsername: 'operator',
            userId: 'u-mod',
            detail: 'moderator',
          }),
        ],
        more: false,
      });
      const removed = await run(['moderators', 'remove', '--room', 'den', '--user', 'u-mod'], env);
      expect(removed).toMatchObject({ code: 0, out: 'u-mod is no longer a moderator of den.' });
      expect(await inStore((store) => store.moderation.moderators('den'))).toEqual([]);
      const latest = await inStore((store) => store.moderation.auditPage('den', undefined, 1));
      expect(latest.items[0]).toMatchObject({ action: 'role', userId: 'u-mod', detail: null });
    });

    it('sets the owner of any room, the default one too, and hands it on', async () => {
      expect(
        await run(['owner', 'set', '--room', 'lobby', '--user', 'u-first'], env),
      ).toMatchObject({ code: 0, out: 'u-first now owns lobby.' });
      await run(['moderators', 'add', '--room', 'lobby', '--user', 'u-second'], env);
      const handed = await run(['owner', 'set', '--room', 'lobby', '--user', 'u-second'], env);
      expect(handed.code).toBe(0);
      expect(handed.out).toContain('u-second now owns lobby');
      expect(await run(['moderators', 'list', '--room', 'lobby'], env)).toMatchObject({
        out: 'lobby: owner u-second; moderators u-first',
      });
      const moderatorsAdd = await run(
        ['moderators', 'add', '--room', 'lobby', '--user', 'u-second'],
        env,
      );
      expect(moderatorsAdd.code).toBe(1);

      const cleared = await run(['owner', 'clear', '--room', 'lobby'], env);
      expect(cleared.code).toBe(0);
      expect(await inStore((store) => store.moderation.getRoom('lobby'))).toMatchObject({
        ownerUserId: null,
      });
      const { items } = await inStore((store) => store.moderation.auditPage('lobby', undefined, 3));
      expect(items.map((entry) => [entry.userId, entry.detail])).toEqual([
        ['u-second', null],
        ['u-first', 'moderator'],
        ['u-second', 'owner'],
      ]);
      expect(await run(['owner', 'clear', '--room', 'lobby'], env)).toMatchObject({
        code: 0,
        out: 'lobby has no owner; nothing changed.',
      });
    });

    it('lists bans and lifts one (and a kick), saying when there was none', async () => {
      const now = Date.now();
      await inStore(async (store) => {
        const base = {
          room: 'pub',
          addressHash: 'addr',
          reason: 'spam',
          byUserId: 'u-owner',
          byUsername: 'Owner',
          ts: now,
        };
        await store.moderation.restrict({
          ...base,
          kind: 'ban',
          userId: 'u-bad',
          username: 'Bad',
          until: null,
        });
        await store.moderation.restrict({
          ...base,
          kind: 'kick',
          userId: 'u-bad',
          username: 'Bad',
          until: now + 60_000,
        });
        await store.moderation.restrict({
          ...base,
          kind: 'ban',
          userId: 'u-later',
          username: null,
          until: now + 3_600_000,
        });
      });
      const listed = await run(['bans', 'list', '--room', 'pub'], env);
      expect(listed.code).toBe(0);
      expect(listed.out).toMatch(/^pub: 2 bans\n/);
      expect(listed.out).toContain('u-bad (Bad) for good, by Owner');
      expect(listed.out).toMatch(/u-later until \d{4}-.*: spam/);

      expect(await run(['unban', '--room', 'pub', '--user', 'u-bad'], env)).toMatchObject({
        code: 0,
        out: 'u-bad may enter pub again.',
      });
      await inStore(async (store) => {
        expect(await store.moderation.findBan('pub', 'u-bad', null, now)).toBeUndefined();
        const { items } = await store.moderation.auditPage('pub', undefined, 1);
        expect(items[0]).toMatchObject({
          action: 'unban',
          userId: 'u-bad',
          username: 'Bad',
          byUserId: 'operator',
        });
      });
      expect(await run(['unban', '--room', 'pub', '--user', 'u-bad'], env)).toMatchObject({
        code: 0,
        out: 'u-bad is not banned from pub; nothing changed.',
      });
      expect(await run(['bans', 'list', '--room', 'empty'], env)).toMatchObject({
        code: 0,
        out: 'empty: no bans.',
      });
    });

    it('shows the audit log, newest first', async () => {
      await run(['moderators', 'add', '--room', 'log', '--user', 'u-1'], env);
      await run(['moderators', 'add', '--room', 'log', '--user', 'u-2'], env);
      const shown = await run(['audit', '--room', 'log', '--limit', '1'], env);
      expect(shown.code).toBe(0);
      expect(shown.out).toMatch(/role by operator \(operator\) on u-2 moderator\n\(older entries/);
    });
  });
}

describe('parley CLI input', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-cli-input-'));
  const env = { DATA_DIR: dir };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints its usage for --help or no command', async () => {
    expect(await run(['--help'], env)).toEqual({ code: 0, out: USAGE, err: '' });
    expect(await run([], env)).toMatchObject({ code: 0, out: USAGE });
  });

  it.each([
    [['frobnicate', '--room', 'den'], /Unknown command: frobnicate/],
    [['moderators', 'add', '--user', 'u'], /needs --room/],
    [['moderators', 'add', '--room', 'no way!', '--user', 'u'], /Not a room name: "no way!"/],
    [['moderators', 'add', '--room', '', '--user', 'u'], /Not a room name/],
    [['moderators', 'add', '--room', 'den'], /needs --user/],
    [['unban', '--room', 'den', '--user', 'a b'], /Not a user id/],
    [['owner', 'set', '--room', 'den', '--user', 'operator'], /Not a user id/],
    [['bans', 'list', '--room', 'den', '--user', 'u'], /takes no --user/],
    [['audit', '--room', 'den', '--limit', 'lots'], /--limit must be/],
    [['bans', 'list', '--room', 'den', '--colour'], /Unknown option '--colour'/],
    [['moderators', '--room', 'den'], /Unknown command: moderators/],
  ])('refuses %j with exit code 1', async (argv, message) => {
    const result = await run(argv, env);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(message);
    expect(result.out).toBe('');
  });

  it('refuses an invalid configuration', async () => {
    const result = await run(['bans', 'list', '--room', 'den'], { DATABASE_URL: 'mysql://x' });
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/DATABASE_URL.*postgres/);
  });
});

describeCommands('SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-cli-'));
  return Promise.resolve({
    env: { DATA_DIR: dir },
    open: () => Promise.resolve(new SqliteChatStore(join(dir, 'parley.sqlite'))),
    drop: () => rmSync(dir, { recursive: true, force: true }),
  });
});

describe('parley CLI beside a running server (SQLite)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-cli-live-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('changes the file the server has open, which the server then reads', async () => {
    const server = new SqliteChatStore(join(dir, 'parley.sqlite'));
    try {
      const before = await server.moderation.lastAuditId();
      const result = await run(['owner', 'set', '--room', 'live', '--user', 'u-own'], {
        DATA_DIR: dir,
      });
      expect(result).toMatchObject({ code: 0, err: '' });
      expect(await server.moderation.getRoom('live')).toMatchObject({ ownerUserId: 'u-own' });
      expect(await server.moderation.auditSince(before, 10)).toEqual([
        { id: expect.any(Number), room: 'live' },
      ]);
    } finally {
      await server.close();
    }
  });
});

describeCommands('PostgreSQL', async () => {
  const database = await createTestDatabase();
  return {
    env: { DATABASE_URL: database.url },
    open: () => PostgresChatStore.connect(database.url),
    drop: () => database.drop(),
  };
});

describe('parley CLI with Redis', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-cli-redis-'));
  const prefix = `parley-cli-test-${process.pid}:`;
  let subscriber: Redis;

  beforeAll(async () => {
    subscriber = new Redis(REDIS_URL);
    await subscriber.subscribe(`${prefix}moderation`);
  });

  afterAll(async () => {
    await subscriber.quit();
    rmSync(dir, { recursive: true, force: true });
  });

  it('names the changed room on the moderation channel', async () => {
    const heard = new Promise<[string, string]>((resolve) =>
      subscriber.once('message', (channel: string, message: string) => resolve([channel, message])),
    );
    const env = { DATA_DIR: dir, REDIS_URL, REDIS_KEY_PREFIX: prefix };
    expect(
      await run(['moderators', 'add', '--room', 'Loud', '--user', 'u-mod'], env),
    ).toMatchObject({ code: 0, err: '' });
    expect(await heard).toEqual([`${prefix}moderation`, 'loud']);
  });

  it('still makes the change when Redis is away, and says the nodes will see it later', async () => {
    const env = { DATA_DIR: dir, REDIS_URL: 'redis://127.0.0.1:1' };
    const result = await run(['moderators', 'add', '--room', 'quiet', '--user', 'u-mod'], env);
    expect(result.code).toBe(0);
    expect(result.out).toBe('u-mod is now a moderator of quiet.');
    expect(result.err).toMatch(/audit log within seconds/);
  });
});
