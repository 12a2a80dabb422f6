import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from '@jest/globals';

import { describeChatStoreContract } from './chat-store.contract.js';
import { publicUserId } from '../users/public-user-id.js';
import { legacyUserId } from './legacy-user-id.js';
import { SqliteChatStore } from './sqlite-chat-store.js';
import { SQLITE_MIGRATIONS } from './sqlite-migrations.js';

const ROOM = 'lobby';

const message = (room: string) => ({
  room,
  mentions: [],
  ts: 2,
  sessionId: 'writer',
  clientId: null,
  username: 'Ada',
  avatar: '/a.svg',
  message: 'new',
});

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

  it('numbers the messages of a database from before per-room ids room by room, in id order', async () => {
    const file = join(dir, 'before-rooms.db');
    const Database = (await import('better-sqlite3')).default;
    const raw = new Database(file);
    raw.exec(SQLITE_MIGRATIONS.slice(0, 3).join(';\n'));
    raw.pragma('user_version = 3');
    const insert = raw.prepare(
      `INSERT INTO messages (room, ts, session_id, client_id, username, avatar, message, mentions)
       VALUES (?, 1, ?, ?, 'Ada', '/a.svg', ?, ?)`,
    );
    // Mentions held the ids people had in every room: the lurker's, and one nobody has.
    const mentions = JSON.stringify([legacyUserId('lurker'), 'unknown-person']);
    for (const [room, text] of [
      ['a', 'a1'],
      ['b', 'b1'],
      ['a', 'a2'],
      ['b', 'b2'],
      ['a', 'a3'],
    ]) {
      insert.run(room, 'writer', `c-${text}`, text, text === 'b2' ? mentions : '[]');
    }
    const session = raw.prepare(
      `INSERT INTO sessions (id, token_hash, username, avatar, created_at, last_seen_at)
       VALUES (?, ?, 'U', '/a.svg', 10, 10)`,
    );
    session.run('writer', 'h-writer');
    session.run('lurker', 'h-lurker');
    raw.close();

    const store = new SqliteChatStore(file);
    const texts = async (room: string) =>
      (await store.latestMessages(room, 10)).messages.map((m) => [m.id, m.message]);
    expect(await texts('a')).toEqual([
      [1, 'a1'],
      [2, 'a2'],
      [3, 'a3'],
    ]);
    expect(await texts('b')).toEqual([
      [1, 'b1'],
      [2, 'b2'],
    ]);
    // Now the lurker's id in room b, as it is everywhere else there.
    expect((await store.getMessage('b', 2))?.mentions).toEqual([publicUserId('lurker', 'b')]);
    expect((await store.appendMessage({ ...message('b'), clientId: null })).message.id).toBe(3);
    // A client_id already used in room a is new in room b.
    expect((await store.appendMessage({ ...message('b'), clientId: 'c-a1' })).duplicate).toBe(
      false,
    );
    // The session that wrote is kept, the one that never did is collected as silent.
    expect(await store.deleteExpiredSessions({ seenBefore: 0, silentSeenBefore: 100 }, 10)).toBe(1);
    expect(await store.findSession('h-writer', 0)).toBeDefined();
    await store.close();
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
