import type pg from 'pg';

import { compileMigrations, pendingVersions } from './schema-migrations.js';

/**
 * The PostgreSQL schema's history before migrations were shared, frozen: databases in use record
 * how far they got through it. New steps go in SHARED_MIGRATIONS (schema-migrations.ts).
 */
const POSTGRES_HISTORY: readonly string[] = [
  `CREATE TABLE sessions (
     id            TEXT PRIMARY KEY,
     token_hash    TEXT NOT NULL UNIQUE,
     username      TEXT NOT NULL,
     avatar        TEXT NOT NULL,
     created_at    BIGINT NOT NULL,
     last_seen_at  BIGINT NOT NULL
   );
   CREATE TABLE messages (
     id          BIGSERIAL PRIMARY KEY,
     room        TEXT NOT NULL,
     ts          BIGINT NOT NULL,
     session_id  TEXT NOT NULL,
     client_id   TEXT,
     username    TEXT NOT NULL,
     avatar      TEXT NOT NULL,
     message     TEXT NOT NULL,
     mentions    JSONB NOT NULL DEFAULT '[]',
     edited_ts   BIGINT,
     deleted     BOOLEAN NOT NULL DEFAULT FALSE
   );
   CREATE UNIQUE INDEX messages_session_client ON messages (session_id, client_id)
     WHERE client_id IS NOT NULL;
   CREATE INDEX messages_room_id ON messages (room, id);`,
  // When a message was last edited or deleted, for the changes a resuming client missed.
  `ALTER TABLE messages ADD COLUMN changed_ts BIGINT;
   CREATE INDEX messages_room_changed ON messages (room, changed_ts) WHERE changed_ts IS NOT NULL;`,
  // Message ids count per room (`seq`, the wire id), so they say nothing of other rooms; the rows
  // there were numbered in id order. A `client_id` is unique per session and room. Sessions that
  // never wrote a message nor chose a name (`used` false) are collected sooner than the others.
  `ALTER TABLE messages ADD COLUMN seq BIGINT;
   UPDATE messages SET seq = numbered.seq
     FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY room ORDER BY id) AS seq FROM messages)
       AS numbered
     WHERE messages.id = numbered.id;
   ALTER TABLE messages ALTER COLUMN seq SET NOT NULL;
   CREATE UNIQUE INDEX messages_room_seq ON messages (room, seq);
   DROP INDEX messages_room_id;
   DROP INDEX messages_session_client;
   CREATE UNIQUE INDEX messages_session_room_client ON messages (session_id, room, client_id)
     WHERE client_id IS NOT NULL;
   ALTER TABLE sessions ADD COLUMN used BOOLEAN NOT NULL DEFAULT FALSE;
   UPDATE sessions SET used = TRUE WHERE id IN (SELECT DISTINCT session_id FROM messages);
   CREATE INDEX sessions_last_seen ON sessions (last_seen_at);
   CREATE INDEX sessions_silent ON sessions (last_seen_at) WHERE NOT used;`,
  // Mentions stored before that held the id a person had in every room, which would still link
  // people across rooms: rewritten to the id each has in the message's room (the hashes of
  // legacy-user-id.ts and public-user-id.ts, in SQL). Ids of no known session are dropped.
  `WITH people AS (
     SELECT id AS session_id FROM sessions UNION SELECT session_id FROM messages
   ), legacy AS (
     SELECT session_id,
       left(translate(encode(sha256(convert_to('parley-user:' || session_id, 'UTF8')), 'base64'),
         '+/', '-_'), 16) AS legacy_id
     FROM people
   )
   UPDATE messages SET mentions = COALESCE((
     SELECT jsonb_agg(
       left(translate(encode(sha256(convert_to(
         'parley-user:' || messages.room || ':' || legacy.session_id, 'UTF8')), 'base64'),
         '+/', '-_'), 16)
       ORDER BY mention.position)
     FROM jsonb_array_elements_text(messages.mentions) WITH ORDINALITY AS mention(id, position)
     JOIN legacy ON legacy.legacy_id = mention.id
   ), '[]'::jsonb)
   WHERE mentions <> '[]'::jsonb;`,
];

/** Arbitrary constant key for the migration lock. */
const MIGRATION_LOCK = 7_215_031;

/**
 * Every step of the PostgreSQL schema in order: its own history, then the shared steps.
 * `parley_schema` remembers how far a database got.
 */
export const POSTGRES_MIGRATIONS: readonly string[] = [
  ...POSTGRES_HISTORY,
  ...compileMigrations('postgres'),
];

/**
 * Brings the database up to the last of `steps`, each step in its own transaction, under an
 * advisory lock (several nodes may start at once).
 */
export async function migratePostgres(pool: pg.Pool, steps = POSTGRES_MIGRATIONS): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS parley_schema (version INTEGER NOT NULL)');
    const { rows } = await client.query<{ version: number }>('SELECT version FROM parley_schema');
    for (const version of pendingVersions(rows[0]?.version ?? 0, steps.length)) {
      await client.query('BEGIN');
      await client.query(steps[version] ?? '');
      await client.query('DELETE FROM parley_schema');
      await client.query('INSERT INTO parley_schema (version) VALUES ($1)', [version + 1]);
      await client.query('COMMIT');
    }
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    client.release();
  }
}
