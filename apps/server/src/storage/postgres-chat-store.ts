import pg from 'pg';

import { chatStatements } from './chat-statements.js';
import {
  type ChatStore,
  type MessagePage,
  pageOf,
  type NewStoredMessage,
  type SessionCutoffs,
  type SessionRecord,
  type StoredMessage,
} from './chat-store.js';

/**
 * Schema migrations, applied in order at boot under an advisory lock (several nodes may start at
 * once); `parley_schema` remembers how far a database got. Append new steps, never edit old ones.
 */
export const POSTGRES_MIGRATIONS: readonly string[] = [
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

interface MessageRow {
  seq: string;
  room: string;
  ts: string;
  session_id: string;
  client_id: string | null;
  username: string;
  avatar: string;
  message: string;
  mentions: string[];
  edited_ts: string | null;
  deleted: boolean;
}

interface SessionRow {
  id: string;
  username: string;
  avatar: string;
  created_at: string;
  last_seen_at: string;
}

// BIGINT comes back as a string; our ids and times stay far below 2^53.
const toMessage = (row: MessageRow): StoredMessage => ({
  id: Number(row.seq),
  room: row.room,
  ts: Number(row.ts),
  sessionId: row.session_id,
  clientId: row.client_id,
  username: row.username,
  avatar: row.avatar,
  message: row.message,
  mentions: row.mentions,
  editedTs: row.edited_ts === null ? null : Number(row.edited_ts),
  deleted: row.deleted,
});

const toSession = (row: SessionRow): SessionRecord => ({
  id: row.id,
  username: row.username,
  avatar: row.avatar,
  createdAt: Number(row.created_at),
  lastSeenAt: Number(row.last_seen_at),
});

/**
 * The shared store for several nodes: PostgreSQL through a `pg` pool. Each insert holds a per-room
 * transaction lock and numbers its message one past the room's highest, so within a room ids are
 * handed out in commit order, without gaps: a reader that has seen id N never later finds a smaller
 * id appearing before it. The unique (room, seq) index backs this up.
 */
export class PostgresChatStore implements ChatStore {
  /** Other nodes write to the same database. */
  readonly onlyWriter = false;
  private readonly statements = chatStatements('postgres');
  private constructor(private readonly pool: pg.Pool) {}

  /** Connects, checks the server answers, and migrates the schema. */
  static async connect(connectionString: string): Promise<PostgresChatStore> {
    const pool = new pg.Pool({ connectionString, max: 10, connectionTimeoutMillis: 5000 });
    // An idle client losing its connection must not crash the process; the pool replaces it.
    pool.on('error', () => undefined);
    try {
      await migrate(pool);
    } catch (error) {
      await pool.end();
      throw error;
    }
    return new PostgresChatStore(pool);
  }

  async appendMessage(
    input: NewStoredMessage,
  ): Promise<{ message: StoredMessage; duplicate: boolean }> {
    return this.transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`room:${input.room}`]);
      if (input.clientId !== null) {
        const existing = await client.query<MessageRow>(
          this.statements.messageByClientId.toQuery({
            sessionId: input.sessionId,
            room: input.room,
            clientId: input.clientId,
          }),
        );
        if (existing.rows[0]) {
          return { message: toMessage(existing.rows[0]), duplicate: true };
        }
      }
      // One round trip: the session is marked as used (a no-op once it is) and the message gets
      // the room's next number, read under the room's lock from the end of the (room, seq) index.
      const inserted = await client.query<MessageRow>(
        this.statements.insertMessageMarkingUsed.toQuery({
          ...input,
          mentions: JSON.stringify(input.mentions),
        }),
      );
      return { message: toMessage(inserted.rows[0]!), duplicate: false };
    });
  }

  async getMessage(room: string, id: number): Promise<StoredMessage | undefined> {
    const { rows } = await this.pool.query<MessageRow>(
      this.statements.messageById.toQuery({
        room,
        seq: id,
      }),
    );
    return rows[0] ? toMessage(rows[0]) : undefined;
  }

  async editMessage(
    room: string,
    id: number,
    message: string,
    mentions: string[],
    editedTs: number,
  ): Promise<void> {
    await this.pool.query(
      this.statements.edit.toQuery({
        room,
        seq: id,
        message,
        mentions: JSON.stringify(mentions),
        editedTs,
      }),
    );
  }

  async deleteMessage(room: string, id: number, deletedTs: number): Promise<void> {
    await this.pool.query(this.statements.delete.toQuery({ room, seq: id, deletedTs }));
  }

  async changedMessages(
    room: string,
    sinceTs: number,
    uptoId: number,
    limit: number,
  ): Promise<StoredMessage[]> {
    const { rows } = await this.pool.query<MessageRow>(
      this.statements.changed.toQuery({
        room,
        sinceTs,
        uptoId,
        limit,
      }),
    );
    return rows.reverse().map(toMessage);
  }

  async latestMessages(room: string, limit: number): Promise<MessagePage> {
    const { rows } = await this.pool.query<MessageRow>(
      this.statements.latest.toQuery({
        room,
        limit: limit + 1,
      }),
    );
    return pageOf(rows.reverse(), limit, 'older', toMessage);
  }

  async messagesBefore(room: string, beforeId: number, limit: number): Promise<MessagePage> {
    const { rows } = await this.pool.query<MessageRow>(
      this.statements.before.toQuery({
        room,
        seq: beforeId,
        limit: limit + 1,
      }),
    );
    return pageOf(rows.reverse(), limit, 'older', toMessage);
  }

  async messagesAfter(room: string, afterId: number, limit: number): Promise<MessagePage> {
    const { rows } = await this.pool.query<MessageRow>(
      this.statements.after.toQuery({
        room,
        seq: afterId,
        limit: limit + 1,
      }),
    );
    return pageOf(rows, limit, 'newer', toMessage);
  }

  async createSession(session: SessionRecord, tokenHash: string): Promise<void> {
    await this.pool.query(this.statements.insertSession.toQuery({ ...session, tokenHash }));
  }

  async findSession(tokenHash: string, seenAfter: number): Promise<SessionRecord | undefined> {
    const { rows } = await this.pool.query<SessionRow>(
      this.statements.sessionByToken.toQuery({
        tokenHash,
        seenAfter,
      }),
    );
    return rows[0] ? toSession(rows[0]) : undefined;
  }

  async updateSessionIdentity(id: string, username: string, avatar: string): Promise<void> {
    await this.pool.query(this.statements.updateIdentity.toQuery({ id, username, avatar }));
  }

  async touchSession(id: string, lastSeenAt: number): Promise<void> {
    await this.pool.query(this.statements.touch.toQuery({ id, lastSeenAt }));
  }

  async touchSessions(ids: readonly string[], lastSeenAt: number): Promise<void> {
    if (ids.length > 0) {
      await this.pool.query(this.statements.touchMany.toQuery({ ids, lastSeenAt }));
    }
  }

  async deleteExpiredSessions(cutoffs: SessionCutoffs, limit: number): Promise<number> {
    // Concurrent runs on several nodes only wait for each other's row locks; a row deleted
    // meanwhile is skipped.
    const unseen = await this.pool.query(
      this.statements.deleteUnseen.toQuery({
        seenBefore: cutoffs.seenBefore,
        limit,
      }),
    );
    const deleted = unseen.rowCount ?? 0;
    if (deleted >= limit) {
      return deleted;
    }
    const silent = await this.pool.query(
      this.statements.deleteSilent.toQuery({
        seenBefore: cutoffs.silentSeenBefore,
        limit: limit - deleted,
      }),
    );
    return deleted + (silent.rowCount ?? 0);
  }

  /** True when the database answers (for readiness checks). */
  async ping(): Promise<boolean> {
    try {
      await this.pool.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private async transaction<T>(run: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await run(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}

async function migrate(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS parley_schema (version INTEGER NOT NULL)');
    const { rows } = await client.query<{ version: number }>('SELECT version FROM parley_schema');
    const current = rows[0]?.version ?? 0;
    if (current > POSTGRES_MIGRATIONS.length) {
      throw new Error(
        `The database schema (version ${current}) is newer than this server (${POSTGRES_MIGRATIONS.length}).`,
      );
    }
    for (let version = current; version < POSTGRES_MIGRATIONS.length; version++) {
      await client.query('BEGIN');
      await client.query(POSTGRES_MIGRATIONS[version] ?? '');
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
