import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { createTestDatabase, sql } from '../testing/test-postgres.js';
import { describeModerationStoreContract } from './moderation-store.contract.js';
import { PostgresChatStore } from './postgres-chat-store.js';

/** The moderation contract against a real PostgreSQL, in a database of its own for this run. */
let database: Awaited<ReturnType<typeof createTestDatabase>>;

const TABLES =
  'messages, sessions, rooms, room_moderators, restrictions, room_passes, audit_log, reports, server_secrets';

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await database.drop();
});

describeModerationStoreContract(PostgresChatStore.name, async () => {
  const store = await PostgresChatStore.connect(database.url);
  await sql(database.url, `TRUNCATE ${TABLES} RESTART IDENTITY`);
  return store;
});

describe(`${PostgresChatStore.name} moderation across nodes`, () => {
  it('gives a room to one of two nodes claiming it at once, and both the same secret', async () => {
    await sql(database.url, `TRUNCATE ${TABLES} RESTART IDENTITY`);
    const [a, b] = await Promise.all([
      PostgresChatStore.connect(database.url),
      PostgresChatStore.connect(database.url),
    ]);
    try {
      for (let round = 0; round < 10; round++) {
        const claims = await Promise.all([
          a.moderation.claimRoom(`room-${round}`, 'u-a'),
          b.moderation.claimRoom(`room-${round}`, 'u-b'),
        ]);
        expect(claims.filter(Boolean)).toHaveLength(1);
        const [fromA, fromB] = await Promise.all([
          a.moderation.secret(`secret-${round}`, () => 'a'),
          b.moderation.secret(`secret-${round}`, () => 'b'),
        ]);
        expect(fromA).toBe(fromB);
      }
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('lets a follower of the log see every entry two nodes append at once', async () => {
    await sql(database.url, `TRUNCATE ${TABLES} RESTART IDENTITY`);
    const [a, b] = await Promise.all([
      PostgresChatStore.connect(database.url),
      PostgresChatStore.connect(database.url),
    ]);
    try {
      const entry = {
        room: 'den',
        ts: 1,
        action: 'mute',
        byUserId: 'u',
        byUsername: 'U',
        userId: null,
        username: null,
        until: null,
        reason: null,
        detail: null,
      };
      const seen: number[] = [];
      let last = 0;
      const follow = async () => {
        for (const { id } of await a.moderation.auditSince(last, 1000)) {
          seen.push(id);
          last = id;
        }
      };
      const writes = Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).moderation.audit(entry));
      const following = (async () => {
        for (let i = 0; i < 20; i++) {
          await follow();
        }
      })();
      const ids = await Promise.all(writes);
      await following;
      await follow();
      expect(seen).toEqual([...ids].sort((x, y) => x - y));
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
