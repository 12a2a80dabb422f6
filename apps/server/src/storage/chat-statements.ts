import {
  type Compilable,
  DummyDriver,
  type Generated,
  Kysely,
  type RawBuilder,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  sql,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';

import type { NewStoredMessage } from './chat-store.js';

/**
 * Both stores' statements, written once with Kysely and compiled once per dialect at boot. Kysely
 * only builds the SQL here (a driver that never connects); each store runs the compiled text
 * itself: better-sqlite3's prepared statements synchronously (the send path stays tens of
 * microseconds), `pg` for PostgreSQL. Dialect differences are the few `dialect ===` branches.
 */
export type SqlDialect = 'sqlite' | 'postgres';

/** The tables as the latest migration leaves them (booleans are 0/1 in SQLite). */
export interface Tables {
  messages: {
    id: Generated<number>;
    room: string;
    seq: number;
    ts: number;
    session_id: string;
    client_id: string | null;
    username: string;
    avatar: string;
    message: string;
    /** JSON array of user ids (JSONB in PostgreSQL, which takes it as text). */
    mentions: string;
    edited_ts: number | null;
    deleted: Generated<boolean>;
    changed_ts: number | null;
    /** With `deleted`: an owner or moderator removed it. */
    removed: Generated<boolean>;
  };
  sessions: {
    id: string;
    token_hash: string;
    username: string;
    avatar: string;
    created_at: number;
    last_seen_at: number;
    used: Generated<boolean>;
  };
  rooms: {
    room: string;
    owner_user_id: string | null;
    topic: Generated<string>;
    slow_mode_s: Generated<number>;
    locked: Generated<boolean>;
    invite: string | null;
    recovery_hash: string | null;
  };
  room_moderators: { room: string; user_id: string };
  restrictions: {
    id: Generated<number>;
    room: string;
    /** 'mute' | 'ban' | 'kick'; one of each kind per person and room. */
    kind: string;
    user_id: string;
    address_hash: string | null;
    username: string | null;
    until: number | null;
    reason: string | null;
    by_user_id: string;
    by_username: string;
    ts: number;
  };
  room_passes: { room: string; user_id: string };
  audit_log: {
    id: Generated<number>;
    room: string;
    ts: number;
    action: string;
    by_user_id: string;
    by_username: string;
    user_id: string | null;
    username: string | null;
    until: number | null;
    reason: string | null;
    detail: string | null;
  };
  reports: {
    id: Generated<number>;
    room: string;
    message_id: number;
    message: string;
    author_user_id: string;
    author_username: string;
    reporter_user_id: string;
    reporter_username: string;
    reason: string | null;
    ts: number;
    resolved_by: string | null;
    resolved_ts: number | null;
  };
  server_secrets: { name: string; value: string };
}

/** A compiled statement and the order its named parameters bind in. */
export class Statement<Params extends object> {
  constructor(
    readonly sql: string,
    private readonly names: ReadonlyArray<keyof Params>,
  ) {}

  /** The values to bind, in the statement's order. */
  bind(values: Params): unknown[] {
    return this.names.map((name) => values[name]);
  }

  /** The statement with `values` bound, as `pg` takes a query. */
  toQuery(values: Params): { text: string; values: unknown[] } {
    return { text: this.sql, values: this.bind(values) };
  }
}

/** Marks a parameter's place while building: compiled, it becomes `?` or `$n`, bound by name. */
const MARK = '\u0000parley-param:';
export function param<T = string>(name: string): T {
  return `${MARK}${name}` as T;
}

export function compile<Params extends object>(query: Compilable): Statement<Params> {
  const { sql: text, parameters } = query.compile();
  const names = parameters.map((value) => {
    if (typeof value !== 'string' || !value.startsWith(MARK)) {
      throw new Error(`A statement has a value that is not a named parameter: ${String(value)}`);
    }
    return value.slice(MARK.length) as keyof Params;
  });
  return new Statement<Params>(text, names);
}

/** Builds SQL for `dialect` and never connects. */
export function builderFor(dialect: SqlDialect): Kysely<Tables> {
  return new Kysely<Tables>({
    dialect:
      dialect === 'sqlite'
        ? {
            createAdapter: () => new SqliteAdapter(),
            createDriver: () => new DummyDriver(),
            createIntrospector: (db) => new SqliteIntrospector(db),
            createQueryCompiler: () => new SqliteQueryCompiler(),
          }
        : {
            createAdapter: () => new PostgresAdapter(),
            createDriver: () => new DummyDriver(),
            createIntrospector: (db) => new PostgresIntrospector(db),
            createQueryCompiler: () => new PostgresQueryCompiler(),
          },
  });
}

/** A new message as the insert binds it: mentions as their JSON text. */
export type NewMessageParams = Omit<NewStoredMessage, 'mentions'> & { mentions: string };

/** A boolean literal as `dialect` stores it (SQLite: 0/1, which its partial indexes say too). */
export function boolLiteral(dialect: SqlDialect, value: boolean): RawBuilder<boolean> {
  return (dialect === 'sqlite' ? sql.lit(value ? 1 : 0) : sql.lit(value)) as RawBuilder<boolean>;
}

/** Every statement of both stores, compiled for `dialect`. */
export function chatStatements(dialect: SqlDialect) {
  const db = builderFor(dialect);
  // SQLite stores booleans as 0/1 and its partial index says `used = 0`: the same words here.
  const bool = (value: boolean) => boolLiteral(dialect, value);
  const room = param('room');
  const seq = param<number>('seq');
  const limit = param<number>('limit');

  const newMessage = {
    room,
    // The room's next number in the same statement as the insert, read from the end of the
    // (room, seq) index: constant time however long the room. SQLite has one writer; PostgreSQL
    // holds the room's lock around it.
    seq: sql<number>`COALESCE((SELECT MAX(seq) FROM messages WHERE room = ${room}), 0) + 1`,
    ts: param<number>('ts'),
    session_id: param('sessionId'),
    client_id: param<string | null>('clientId'),
    username: param('username'),
    avatar: param('avatar'),
    message: param('message'),
    mentions: param('mentions'),
  };

  /** Deletes up to `limit` sessions that `where` picks (SQLite by rowid, its cheapest key). */
  const deleteSessions = (used: 'any' | 'unused') => {
    const key = dialect === 'sqlite' ? sql.ref('rowid') : sql.ref('id');
    let picked = db
      .selectFrom('sessions')
      .select(key.as('key'))
      .where('last_seen_at', '<', param<number>('seenBefore'))
      .limit(limit);
    if (used === 'unused') {
      picked = picked.where('used', '=', bool(false));
    }
    return compile<{ seenBefore: number; limit: number }>(
      db.deleteFrom('sessions').where(key, 'in', picked),
    );
  };

  const tombstoneSet = (removed: boolean) => ({
    message: sql.lit(''),
    mentions: sql.lit('[]'),
    deleted: bool(true),
    removed: bool(removed),
    changed_ts: param<number>('deletedTs'),
  });
  const tombstone = (removed: boolean) =>
    compile<{ room: string; seq: number; deletedTs: number }>(
      db
        .updateTable('messages')
        .set(tombstoneSet(removed))
        .where('room', '=', room)
        .where('seq', '=', seq),
    );

  return {
    messageByClientId: compile<{ sessionId: string; room: string; clientId: string }>(
      db
        .selectFrom('messages')
        .selectAll()
        .where('session_id', '=', param('sessionId'))
        .where('room', '=', room)
        .where('client_id', '=', param('clientId')),
    ),
    /** SQLite: the message alone, returning its number (the session is marked apart, once). */
    insertMessage: compile<NewMessageParams>(
      db.insertInto('messages').values(newMessage).returning('seq'),
    ),
    /**
     * PostgreSQL: one round trip that also marks the session as used (a no-op once it is);
     * SQLite can't put a write in a WITH.
     */
    insertMessageMarkingUsed: compile<NewMessageParams>(
      db
        .with('used', (cte) =>
          cte
            .updateTable('sessions')
            .set({ used: bool(true) })
            .where('id', '=', param('sessionId'))
            .where('used', '=', bool(false)),
        )
        .insertInto('messages')
        .values(newMessage)
        .returningAll(),
    ),
    markUsed: compile<{ sessionId: string }>(
      db
        .updateTable('sessions')
        .set({ used: bool(true) })
        .where('id', '=', param('sessionId'))
        .where('used', '=', bool(false)),
    ),
    messageById: compile<{ room: string; seq: number }>(
      db.selectFrom('messages').selectAll().where('room', '=', room).where('seq', '=', seq),
    ),
    edit: compile<{
      room: string;
      seq: number;
      message: string;
      mentions: string;
      editedTs: number;
    }>(
      db
        .updateTable('messages')
        .set({
          message: param('message'),
          mentions: param('mentions'),
          edited_ts: param<number>('editedTs'),
          changed_ts: param<number>('editedTs'),
        })
        .where('room', '=', room)
        .where('seq', '=', seq),
    ),
    delete: tombstone(false),
    /** Deleted by an owner or moderator: the tombstone says so. */
    remove: tombstone(true),
    /**
     * The newest `limit` messages of a session in a room not yet deleted become removed
     * tombstones, in one statement; returns their numbers. Walks the room's (room, seq) index from
     * the end: moderators clean up what someone wrote lately.
     */
    removeLatestBy: compile<{
      room: string;
      sessionId: string;
      limit: number;
      deletedTs: number;
    }>(
      db
        .updateTable('messages')
        .set(tombstoneSet(true))
        .where('deleted', '=', bool(false))
        .where(
          'id',
          'in',
          db
            .selectFrom('messages')
            .select('id')
            .where('room', '=', room)
            .where('session_id', '=', param('sessionId'))
            .where('deleted', '=', bool(false))
            .orderBy('seq', 'desc')
            .limit(limit),
        )
        .returning('seq'),
    ),
    /** Who wrote the newest `limit` messages (deduplicated by the caller). */
    recentAuthors: compile<{ room: string; limit: number }>(
      db
        .selectFrom('messages')
        .select(['session_id', 'username'])
        .where('room', '=', room)
        .orderBy('seq', 'desc')
        .limit(limit),
    ),
    changed: compile<{ room: string; sinceTs: number; uptoId: number; limit: number }>(
      db
        .selectFrom('messages')
        .selectAll()
        .where('room', '=', room)
        .where('changed_ts', '>=', param<number>('sinceTs'))
        .where('seq', '<=', param<number>('uptoId'))
        .orderBy('changed_ts', 'desc')
        .orderBy('seq', 'desc')
        .limit(limit),
    ),
    latest: compile<{ room: string; limit: number }>(
      db
        .selectFrom('messages')
        .selectAll()
        .where('room', '=', room)
        .orderBy('seq', 'desc')
        .limit(limit),
    ),
    before: compile<{ room: string; seq: number; limit: number }>(
      db
        .selectFrom('messages')
        .selectAll()
        .where('room', '=', room)
        .where('seq', '<', seq)
        .orderBy('seq', 'desc')
        .limit(limit),
    ),
    after: compile<{ room: string; seq: number; limit: number }>(
      db
        .selectFrom('messages')
        .selectAll()
        .where('room', '=', room)
        .where('seq', '>', seq)
        .orderBy('seq', 'asc')
        .limit(limit),
    ),
    insertSession: compile<{
      id: string;
      tokenHash: string;
      username: string;
      avatar: string;
      createdAt: number;
      lastSeenAt: number;
    }>(
      db.insertInto('sessions').values({
        id: param('id'),
        token_hash: param('tokenHash'),
        username: param('username'),
        avatar: param('avatar'),
        created_at: param<number>('createdAt'),
        last_seen_at: param<number>('lastSeenAt'),
      }),
    ),
    sessionByToken: compile<{ tokenHash: string; seenAfter: number }>(
      db
        .selectFrom('sessions')
        .selectAll()
        .where('token_hash', '=', param('tokenHash'))
        .where('last_seen_at', '>', param<number>('seenAfter')),
    ),
    updateIdentity: compile<{ id: string; username: string; avatar: string }>(
      db
        .updateTable('sessions')
        .set({ username: param('username'), avatar: param('avatar'), used: bool(true) })
        .where('id', '=', param('id')),
    ),
    touch: compile<{ id: string; lastSeenAt: number }>(
      db
        .updateTable('sessions')
        .set({ last_seen_at: param<number>('lastSeenAt') })
        .where('id', '=', param('id')),
    ),
    /** PostgreSQL: many sessions in one statement (an array parameter). */
    touchMany: compile<{ ids: readonly string[]; lastSeenAt: number }>(
      db
        .updateTable('sessions')
        .set({ last_seen_at: param<number>('lastSeenAt') })
        .where(sql<boolean>`id = ANY(${param('ids')})`),
    ),
    deleteUnseen: deleteSessions('any'),
    deleteSilent: deleteSessions('unused'),
  };
}
