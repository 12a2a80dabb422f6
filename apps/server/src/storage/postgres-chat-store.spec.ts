import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { createTestDatabase, sql } from '../testing/test-postgres.js';
import { describeChatStoreContract } from './chat-store.contract.js';
import { publicUserId } from '../users/public-user-id.js';
import { legacyUserId } from './legacy-user-id.js';
import { PostgresChatStore } from './postgres-chat-store.js';
import { POSTGRES_MIGRATIONS } from './postgres-migrations.js';

/** The store contract against a real PostgreSQL, in a database of its own for this run. */
let database: Awaited<ReturnType<typeof createTestDatabase>>;

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await database.drop();
});

describeChatStoreContract(PostgresChatStore.name, async () => {
  const store = await PostgresChatStore.connect(database.url);
  await sql(database.url, 'TRUNCATE messages, sessions RESTART IDENTITY');
  return store;
});

describe(`${PostgresChatStore.name} specifics`, () => {
  it('migrates once when several nodes start together', async () => {
    const stores = await Promise.all(
      Array.from({ length: 4 }, () => PostgresChatStore.connect(database.url)),
    );
    await Promise.all(stores.map((store) => store.close()));
    expect(await sql(database.url, 'SELECT version FROM parley_schema')).toEqual([
      { version: POSTGRES_MIGRATIONS.length },
    ]);
  });

  it('numbers a room 1, 2, … in commit order when two nodes append to it at once', async () => {
    const [a, b] = await Promise.all([
      PostgresChatStore.connect(database.url),
      PostgresChatStore.connect(database.url),
    ]);
    const base = { room: 'race', sessionId: 's', clientId: null, username: 'U', avatar: '/a' };
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        (i % 2 ? a : b).appendMessage({ ...base, ts: i, message: `m${i}`, mentions: [] }),
      ),
    );
    const { messages } = await a.latestMessages('race', 100);
    expect(messages.map((m) => m.id)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    // Commit order is the order the rows were written in.
    const rows = await sql<{ seq: string }>(
      database.url,
      "SELECT seq FROM messages WHERE room = 'race' ORDER BY id",
    );
    expect(rows.map((row) => Number(row.seq))).toEqual(messages.map((m) => m.id));
    expect(await a.ping()).toBe(true);
    await Promise.all([a.close(), b.close()]);
  });

  it('numbers the messages of a database from before per-room ids room by room, in id order', async () => {
    const old = await createTestDatabase();
    try {
      for (const step of POSTGRES_MIGRATIONS.slice(0, 2)) {
        await sql(old.url, step);
      }
      await sql(old.url, 'CREATE TABLE parley_schema (version INTEGER NOT NULL)');
      await sql(old.url, 'INSERT INTO parley_schema (version) VALUES (2)');
      await sql(
        old.url,
        `INSERT INTO messages (room, ts, session_id, client_id, username, avatar, message, mentions)
         VALUES ('a', 1, 'writer', 'c-a1', 'Ada', '/a.svg', 'a1', '[]'),
                ('b', 1, 'writer', 'c-b1', 'Ada', '/a.svg', 'b1',
                 '["${legacyUserId('lurker')}", "unknown", "${legacyUserId('writer')}"]'),
                ('a', 1, 'writer', 'c-a2', 'Ada', '/a.svg', 'a2', '[]'),
                ('a', 1, 'writer', NULL, 'Ada', '/a.svg', 'a3', '[]')`,
      );
      await sql(
        old.url,
        `INSERT INTO sessions (id, token_hash, username, avatar, created_at, last_seen_at)
         VALUES ('writer', 'h-writer', 'U', '/a.svg', 10, 10),
                ('lurker', 'h-lurker', 'U', '/a.svg', 10, 10)`,
      );
      const store = await PostgresChatStore.connect(old.url);
      const texts = async (room: string) =>
        (await store.latestMessages(room, 10)).messages.map((m) => [m.id, m.message]);
      expect(await texts('a')).toEqual([
        [1, 'a1'],
        [2, 'a2'],
        [3, 'a3'],
      ]);
      expect(await texts('b')).toEqual([[1, 'b1']]);
      // Mentions held the ids people had in every room: now the ones they have in room b.
      expect((await store.getMessage('b', 1))?.mentions).toEqual([
        publicUserId('lurker', 'b'),
        publicUserId('writer', 'b'),
      ]);
      const next = await store.appendMessage({
        room: 'b',
        mentions: [],
        ts: 2,
        sessionId: 'writer',
        clientId: 'c-a1',
        username: 'Ada',
        avatar: '/a.svg',
        message: 'new',
      });
      expect(next).toMatchObject({ duplicate: false, message: { id: 2 } });
      expect(await store.deleteExpiredSessions({ seenBefore: 0, silentSeenBefore: 100 }, 10)).toBe(
        1,
      );
      expect(await store.findSession('h-writer', 0)).toBeDefined();
      await store.close();
    } finally {
      await old.drop();
    }
  });
});
