import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import pg from 'pg';

import { createTestDatabase, sql } from '../testing/test-postgres.js';
import { PostgresChatStore } from './postgres-chat-store.js';
import { migratePostgres, POSTGRES_MIGRATIONS } from './postgres-migrations.js';
import { compileMigrations, type SharedMigration } from './schema-migrations.js';
import { SqliteChatStore } from './sqlite-chat-store.js';
import { migrateSqlite, SQLITE_MIGRATIONS } from './sqlite-migrations.js';

/** How far the servers from before shared migrations (and Kysely) took each kind of database. */
const OLD_SQLITE_VERSION = 5;
const OLD_POSTGRES_VERSION = 4;

/** A step written once for both dialects, as a future one would be. */
const replyTo: SharedMigration = (db) => [
  db.schema.alterTable('messages').addColumn('reply_to', 'bigint'),
  db.schema.createIndex('messages_reply_to').on('messages').columns(['room', 'reply_to']),
];

const OLD_ROWS = {
  session: `INSERT INTO sessions (id, token_hash, username, avatar, created_at, last_seen_at, used)
            VALUES ('writer', 'h-writer', 'Ada', '/a.svg', 10, 10, $used)`,
  messages: `INSERT INTO messages
               (room, seq, ts, session_id, client_id, username, avatar, message, mentions)
             VALUES ('lobby', 1, 1, 'writer', 'c1', 'Ada', '/a.svg', 'first', '[]'),
                    ('lobby', 2, 2, 'writer', NULL, 'Ada', '/a.svg', 'second', '[]')`,
};

const newMessage = {
  room: 'lobby',
  ts: 3,
  sessionId: 'writer',
  clientId: 'c2',
  username: 'Ada',
  avatar: '/a.svg',
  message: 'third',
  mentions: [],
};

describe('SQLite schema migrations', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-migrations-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A file as the server before this one left it, with a session and two messages. */
  function oldFile(name: string): string {
    const file = join(dir, name);
    const raw = new Database(file);
    migrateSqlite(raw, SQLITE_MIGRATIONS.slice(0, OLD_SQLITE_VERSION));
    raw.exec(OLD_ROWS.session.replace('$used', '1'));
    raw.exec(OLD_ROWS.messages);
    raw.close();
    return file;
  }

  it('opens a file written by the previous server with its messages and sessions', async () => {
    const store = new SqliteChatStore(oldFile('old.db'));
    expect((await store.latestMessages('lobby', 10)).messages.map((m) => m.message)).toEqual([
      'first',
      'second',
    ]);
    expect(await store.findSession('h-writer', 0)).toMatchObject({ username: 'Ada' });
    expect(await store.appendMessage({ ...newMessage, clientId: 'c1' })).toMatchObject({
      duplicate: true,
      message: { id: 1 },
    });
    expect(await store.appendMessage(newMessage)).toMatchObject({ message: { id: 3 } });
    await store.close();
  });

  it('applies a shared step after its own history, once, keeping the data', () => {
    const raw = new Database(oldFile('shared.db'));
    const steps = [...SQLITE_MIGRATIONS, ...compileMigrations('sqlite', [replyTo])];
    migrateSqlite(raw, steps);
    migrateSqlite(raw, steps);
    expect(raw.pragma('user_version', { simple: true })).toBe(SQLITE_MIGRATIONS.length + 1);
    expect(
      raw
        .prepare<[], { message: string; reply_to: null }>('SELECT message, reply_to FROM messages')
        .all(),
    ).toEqual([
      { message: 'first', reply_to: null },
      { message: 'second', reply_to: null },
    ]);
    expect(() => migrateSqlite(raw)).toThrow(/newer than this server/);
    raw.close();
  });
});

describe('PostgreSQL schema migrations', () => {
  /** A database as the server before this one left it, with a session and two messages. */
  async function oldDatabase() {
    const old = await createTestDatabase();
    const pool = new pg.Pool({ connectionString: old.url, max: 1 });
    await migratePostgres(pool, POSTGRES_MIGRATIONS.slice(0, OLD_POSTGRES_VERSION));
    await pool.end();
    await sql(old.url, OLD_ROWS.session.replace('$used', 'TRUE'));
    await sql(old.url, OLD_ROWS.messages);
    return old;
  }

  it('opens a database written by the previous server with its messages and sessions', async () => {
    const old = await oldDatabase();
    try {
      const store = await PostgresChatStore.connect(old.url);
      expect((await store.latestMessages('lobby', 10)).messages.map((m) => m.message)).toEqual([
        'first',
        'second',
      ]);
      expect(await store.findSession('h-writer', 0)).toMatchObject({ username: 'Ada' });
      expect(await store.appendMessage({ ...newMessage, clientId: 'c1' })).toMatchObject({
        duplicate: true,
        message: { id: 1 },
      });
      expect(await store.appendMessage(newMessage)).toMatchObject({ message: { id: 3 } });
      await store.close();
    } finally {
      await old.drop();
    }
  });

  it('applies a shared step after its own history, once, keeping the data', async () => {
    const old = await oldDatabase();
    const pool = new pg.Pool({ connectionString: old.url, max: 1 });
    try {
      const steps = [...POSTGRES_MIGRATIONS, ...compileMigrations('postgres', [replyTo])];
      await migratePostgres(pool, steps);
      await migratePostgres(pool, steps);
      expect(await sql(old.url, 'SELECT version FROM parley_schema')).toEqual([
        { version: POSTGRES_MIGRATIONS.length + 1 },
      ]);
      expect(await sql(old.url, 'SELECT message, reply_to FROM messages ORDER BY seq')).toEqual([
        { message: 'first', reply_to: null },
        { message: 'second', reply_to: null },
      ]);
      await expect(migratePostgres(pool)).rejects.toThrow(/newer than this server/);
    } finally {
      await pool.end();
      await old.drop();
    }
  });
});
