import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from '@jest/globals';

import { describeChatStoreContract } from './chat-store.contract.js';
import { SqliteChatStore } from './sqlite-chat-store.js';

const ROOM = 'lobby';

describeChatStoreContract(SqliteChatStore.name, () =>
  Promise.resolve(new SqliteChatStore(':memory:')),
);

describe(`${SqliteChatStore.name} on disk`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-sqlite-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps messages and sessions across a reopen, and ids keep growing', async () => {
    const file = join(dir, 'nested', 'chat.db');
    const first = new SqliteChatStore(file);
    const now = Date.now();
    const { message } = await first.appendMessage({
      room: ROOM,
      mentions: [],
      ts: now,
      sessionId: 's1',
      clientId: 'c1',
      username: 'Ada',
      avatar: '/a.svg',
      message: 'before restart',
    });
    await first.createSession(
      { id: 's1', username: 'Ada', avatar: '/a.svg', createdAt: now, lastSeenAt: now },
      'h1',
    );
    await first.close();

    const second = new SqliteChatStore(file);
    expect((await second.latestMessages(ROOM, 10)).messages).toEqual([message]);
    expect(await second.findSession('h1', 0)).toMatchObject({ id: 's1', username: 'Ada' });
    const next = await second.appendMessage({ ...message, clientId: null, message: 'after' });
    expect(next.message.id).toBeGreaterThan(message.id);
    await second.close();
  });

  it('refuses a database written by a newer server instead of corrupting it', async () => {
    const file = join(dir, 'future.db');
    const store = new SqliteChatStore(file);
    await store.close();
    const Database = (await import('better-sqlite3')).default;
    const raw = new Database(file);
    raw.pragma('user_version = 999');
    raw.close();
    expect(() => new SqliteChatStore(file)).toThrow(/newer than this server/);
  });
});
