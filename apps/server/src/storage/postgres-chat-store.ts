import pg from 'pg';

import { chatStatements } from './chat-statements.js';
import { migratePostgres } from './postgres-migrations.js';
import { PostgresModerationStore } from './postgres-moderation-store.js';
import {
  type ChatStore,
  distinctAuthors,
  type MessagePage,
  pageOf,
  type NewStoredMessage,
  type RecentAuthor,
  type SessionCutoffs,
  type SessionRecord,
  type StoredMessage,
} from './chat-store.js';

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
  removed: boolean;
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
  removed: row.removed,
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
  readonly moderation: PostgresModerationStore;
  private readonly statements = chatStatements('postgres');
  private constructor(private readonly pool: pg.Pool) {
    this.moderation = new PostgresModerationStore(pool);
  }

  /** Connects, checks the server answers, and migrates the schema. */
  static async connect(connectionString: string): Promise<PostgresChatStore> {
    const pool = new pg.Pool({ connectionString, max: 10, connectionTimeoutMillis: 5000 });
    // An idle client losing its connection must not crash the process; the pool replaces it.
    pool.on('error', () => undefined);
    try {
      await migratePostgres(pool);
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

  async deleteMessage(room: string, id: number, deletedTs: number, removed = false): Promise<void> {
    const statement = removed ? this.statements.remove : this.statements.delete;
    await this.pool.query(statement.toQuery({ room, seq: id, deletedTs }));
  }

  async removeLatestBy(
    room: string,
    sessionId: string,
    count: number,
    deletedTs: number,
  ): Promise<number[]> {
    // One statement, so one transaction; the outer `NOT deleted` skips a row another node
    // deleted meanwhile.
    const { rows } = await this.pool.query<{ seq: string }>(
      this.statements.removeLatestBy.toQuery({ room, sessionId, limit: count, deletedTs }),
    );
    return rows.map((row) => Number(row.seq)).sort((a, b) => a - b);
  }

  async recentAuthors(room: string, scan: number): Promise<RecentAuthor[]> {
    const { rows } = await this.pool.query<{ session_id: string; username: string }>(
      this.statements.recentAuthors.toQuery({ room, limit: scan }),
    );
    return distinctAuthors(rows);
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
