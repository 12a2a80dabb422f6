import { DEFAULT_ROOM } from '@parley/protocol';
import type Database from 'better-sqlite3';

import { publicUserId } from '../users/public-user-id.js';

import { legacyUserId } from './legacy-user-id.js';
import { compileMigrations, pendingVersions } from './schema-migrations.js';

type SqliteStep = string | ((db: Database.Database) => void);

/**
 * The SQLite schema's history before migrations were shared, frozen: files in use record how far
 * they got through it. New steps go in SHARED_MIGRATIONS (schema-migrations.ts).
 */
const SQLITE_HISTORY: readonly SqliteStep[] = [
  `CREATE TABLE sessions (
     id            TEXT PRIMARY KEY,
     token_hash    TEXT NOT NULL UNIQUE,
     username      TEXT NOT NULL,
     avatar        TEXT NOT NULL,
     created_at    INTEGER NOT NULL,
     last_seen_at  INTEGER NOT NULL
   );
   CREATE TABLE messages (
     id          INTEGER PRIMARY KEY AUTOINCREMENT,
     ts          INTEGER NOT NULL,
     session_id  TEXT NOT NULL,
     client_id   TEXT,
     username    TEXT NOT NULL,
     avatar      TEXT NOT NULL,
     message     TEXT NOT NULL
   );
   CREATE UNIQUE INDEX messages_session_client ON messages (session_id, client_id)
     WHERE client_id IS NOT NULL;`,
  // Rooms, mentions, edits and deletes. Messages from before rooms were in the default room.
  `ALTER TABLE messages ADD COLUMN room TEXT NOT NULL DEFAULT '${DEFAULT_ROOM}';
   ALTER TABLE messages ADD COLUMN mentions TEXT NOT NULL DEFAULT '[]';
   ALTER TABLE messages ADD COLUMN edited_ts INTEGER;
   ALTER TABLE messages ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
   CREATE INDEX messages_room_id ON messages (room, id);`,
  // When a message was last edited or deleted, for the changes a resuming client missed.
  `ALTER TABLE messages ADD COLUMN changed_ts INTEGER;
   CREATE INDEX messages_room_changed ON messages (room, changed_ts) WHERE changed_ts IS NOT NULL;`,
  // Message ids count per room (`seq`, the wire id), so they say nothing of other rooms; the rows
  // there were numbered in id order. A `client_id` is unique per session and room. Sessions that
  // never wrote a message nor chose a name (`used` = 0) are collected sooner than the others.
  `ALTER TABLE messages ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
   UPDATE messages SET seq = numbered.seq
     FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY room ORDER BY id) AS seq FROM messages)
       AS numbered
     WHERE messages.id = numbered.id;
   CREATE UNIQUE INDEX messages_room_seq ON messages (room, seq);
   DROP INDEX messages_room_id;
   DROP INDEX messages_session_client;
   CREATE UNIQUE INDEX messages_session_room_client ON messages (session_id, room, client_id)
     WHERE client_id IS NOT NULL;
   ALTER TABLE sessions ADD COLUMN used INTEGER NOT NULL DEFAULT 0;
   UPDATE sessions SET used = 1 WHERE id IN (SELECT DISTINCT session_id FROM messages);
   CREATE INDEX sessions_last_seen ON sessions (last_seen_at);
   CREATE INDEX sessions_silent ON sessions (last_seen_at) WHERE used = 0;`,
  // Mentions stored before that held the id a person had in every room, which would still link
  // people across rooms: rewritten to the id each has in the message's room.
  (db) => remapLegacyMentions(db),
];

/**
 * Rewrites every stored mention from a session's former everywhere-id to its id in the message's
 * room. Ids that match no known session (none can be resolved any more) are dropped.
 */
function remapLegacyMentions(db: Database.Database): void {
  const sessionByLegacyId = new Map<string, string>();
  const people = db
    .prepare<[], { id: string }>('SELECT id FROM sessions UNION SELECT session_id FROM messages')
    .all();
  for (const { id } of people) {
    sessionByLegacyId.set(legacyUserId(id), id);
  }
  const mentioning = db
    .prepare<[], { id: number; room: string; mentions: string }>(
      "SELECT id, room, mentions FROM messages WHERE mentions <> '[]'",
    )
    .all();
  const update = db.prepare<[string, number]>('UPDATE messages SET mentions = ? WHERE id = ?');
  for (const { id, room, mentions } of mentioning) {
    const remapped = (JSON.parse(mentions) as string[]).flatMap((legacy) => {
      const sessionId = sessionByLegacyId.get(legacy);
      return sessionId === undefined ? [] : [publicUserId(sessionId, room)];
    });
    update.run(JSON.stringify(remapped), id);
  }
}

/**
 * Every step of the SQLite schema in order: its own history, then the shared steps.
 * `PRAGMA user_version` remembers how far a file got.
 */
export const SQLITE_MIGRATIONS: readonly SqliteStep[] = [
  ...SQLITE_HISTORY,
  ...compileMigrations('sqlite'),
];

/** Brings `db` up to the last of `steps`, each step in its own transaction. */
export function migrateSqlite(db: Database.Database, steps = SQLITE_MIGRATIONS): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (const version of pendingVersions(current, steps.length)) {
    db.transaction(() => {
      const step = steps[version] ?? '';
      if (typeof step === 'string') {
        db.exec(step);
      } else {
        step(db);
      }
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}
