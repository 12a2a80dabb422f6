import { type Compilable, type Kysely, sql } from 'kysely';

import { builderFor, type SqlDialect, type Tables } from './chat-statements.js';

/**
 * A schema change written once for both dialects: the statements it runs, in order. `dialect` is
 * for the few words the two spell differently (an auto-numbered key).
 */
export type SharedMigration = (db: Kysely<Tables>, dialect: SqlDialect) => Compilable[];

/**
 * Rooms a community runs (#13): who owns and moderates a room, its settings, mutes, kicks and bans,
 * invite passes, the audit log nodes follow, reports, and the server's shared secrets. Messages
 * gain `removed`: deleted by an owner or moderator rather than their author. Times are ms since the
 * epoch (BIGINT); user ids are the public ids people have in the room.
 */
const moderation: SharedMigration = (db, dialect) => {
  const sqlite = dialect === 'sqlite';
  const no = sqlite ? sql.lit(0) : sql.lit(false);
  /** An auto-numbered primary key: SQLite's AUTOINCREMENT never reuses an id, like a sequence. */
  const serial = sqlite ? 'integer' : 'bigserial';
  return [
    db.schema
      .alterTable('messages')
      .addColumn('removed', 'boolean', (col) => col.notNull().defaultTo(no)),
    db.schema
      .createTable('rooms')
      .addColumn('room', 'text', (col) => col.primaryKey())
      .addColumn('owner_user_id', 'text')
      .addColumn('topic', 'text', (col) => col.notNull().defaultTo(sql.lit('')))
      .addColumn('slow_mode_s', 'integer', (col) => col.notNull().defaultTo(sql.lit(0)))
      .addColumn('locked', 'boolean', (col) => col.notNull().defaultTo(no))
      .addColumn('invite', 'text')
      .addColumn('recovery_hash', 'text'),
    db.schema
      .createTable('room_moderators')
      .addColumn('room', 'text', (col) => col.notNull())
      .addColumn('user_id', 'text', (col) => col.notNull())
      .addPrimaryKeyConstraint('room_moderators_pk', ['room', 'user_id']),
    db.schema
      .createTable('restrictions')
      .addColumn('id', serial, (col) =>
        sqlite ? col.primaryKey().autoIncrement() : col.primaryKey(),
      )
      .addColumn('room', 'text', (col) => col.notNull())
      .addColumn('kind', 'text', (col) => col.notNull())
      .addColumn('user_id', 'text', (col) => col.notNull())
      .addColumn('address_hash', 'text')
      .addColumn('username', 'text')
      .addColumn('until', 'bigint')
      .addColumn('reason', 'text')
      .addColumn('by_user_id', 'text', (col) => col.notNull())
      .addColumn('by_username', 'text', (col) => col.notNull())
      .addColumn('ts', 'bigint', (col) => col.notNull()),
    // One restriction of a kind per person (restrict replaces it); also findBan's lookup by id.
    db.schema
      .createIndex('restrictions_room_user_kind')
      .on('restrictions')
      .columns(['room', 'user_id', 'kind'])
      .unique(),
    db.schema
      .createIndex('restrictions_room_address')
      .on('restrictions')
      .columns(['room', 'address_hash'])
      .where(sql.ref('address_hash'), 'is not', null),
    db.schema
      .createTable('room_passes')
      .addColumn('room', 'text', (col) => col.notNull())
      .addColumn('user_id', 'text', (col) => col.notNull())
      .addPrimaryKeyConstraint('room_passes_pk', ['room', 'user_id']),
    db.schema
      .createTable('audit_log')
      .addColumn('id', serial, (col) =>
        sqlite ? col.primaryKey().autoIncrement() : col.primaryKey(),
      )
      .addColumn('room', 'text', (col) => col.notNull())
      .addColumn('ts', 'bigint', (col) => col.notNull())
      .addColumn('action', 'text', (col) => col.notNull())
      .addColumn('by_user_id', 'text', (col) => col.notNull())
      .addColumn('by_username', 'text', (col) => col.notNull())
      .addColumn('user_id', 'text')
      .addColumn('username', 'text')
      .addColumn('until', 'bigint')
      .addColumn('reason', 'text')
      .addColumn('detail', 'text'),
    db.schema.createIndex('audit_log_room_id').on('audit_log').columns(['room', 'id']),
    db.schema
      .createTable('reports')
      .addColumn('id', serial, (col) =>
        sqlite ? col.primaryKey().autoIncrement() : col.primaryKey(),
      )
      .addColumn('room', 'text', (col) => col.notNull())
      .addColumn('message_id', 'bigint', (col) => col.notNull())
      .addColumn('message', 'text', (col) => col.notNull())
      .addColumn('author_user_id', 'text', (col) => col.notNull())
      .addColumn('author_username', 'text', (col) => col.notNull())
      .addColumn('reporter_user_id', 'text', (col) => col.notNull())
      .addColumn('reporter_username', 'text', (col) => col.notNull())
      .addColumn('reason', 'text')
      .addColumn('ts', 'bigint', (col) => col.notNull())
      .addColumn('resolved_by', 'text')
      .addColumn('resolved_ts', 'bigint'),
    db.schema
      .createIndex('reports_room_message_reporter')
      .on('reports')
      .columns(['room', 'message_id', 'reporter_user_id'])
      .unique(),
    db.schema
      .createIndex('reports_room_open')
      .on('reports')
      .columns(['room', 'id'])
      .where(sql.ref('resolved_ts'), 'is', null),
    db.schema
      .createTable('server_secrets')
      .addColumn('name', 'text', (col) => col.primaryKey())
      .addColumn('value', 'text', (col) => col.notNull()),
  ];
};

/**
 * Schema changes for both stores, applied after each dialect's own frozen history
 * (sqlite-migrations.ts, postgres-migrations.ts). Append a step here, written with Kysely's schema
 * builder (`db.schema.alterTable(…)`) or `sql` for what it can't say; never edit or reorder one:
 * a database records how many steps it has run (SQLite in `PRAGMA user_version`, PostgreSQL in
 * `parley_schema`).
 */
export const SHARED_MIGRATIONS: readonly SharedMigration[] = [moderation];

/** One SQL text per step of `migrations`, for `dialect`. Values must be literals (`sql.lit`). */
export function compileMigrations(
  dialect: SqlDialect,
  migrations: readonly SharedMigration[] = SHARED_MIGRATIONS,
): string[] {
  const db = builderFor(dialect);
  return migrations.map((step) =>
    step(db, dialect)
      .map((statement) => {
        const { sql, parameters } = statement.compile();
        if (parameters.length > 0) {
          throw new Error(`A migration statement has parameters (use sql.lit): ${sql}`);
        }
        return sql;
      })
      .join(';\n'),
  );
}

/** The steps a database at `current` still needs out of `total`; refuses one from a newer server. */
export function pendingVersions(current: number, total: number): number[] {
  if (current > total) {
    throw new Error(
      `The database schema (version ${current}) is newer than this server (${total}).`,
    );
  }
  return Array.from({ length: total - current }, (_, index) => current + index);
}
