import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { createTestDatabase, sql } from '../testing/test-postgres.js';
import { describeChatStoreContract } from './chat-store.contract.js';
import { PostgresChatStore } from './postgres-chat-store.js';

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
    expect(await sql(database.url, 'SELECT version FROM parley_schema')).toEqual([{ version: 2 }]);
  });

  it('hands out ids in commit order within a room under concurrent appends', async () => {
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
    const ids = messages.map((m) => m.id);
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    expect(new Set(ids).size).toBe(40);
    expect(await a.ping()).toBe(true);
    await Promise.all([a.close(), b.close()]);
  });
});
