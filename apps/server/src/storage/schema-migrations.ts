import type { Compilable, Kysely } from 'kysely';

import { builderFor, type SqlDialect, type Tables } from './chat-statements.js';

/** A schema change written once for both dialects: the statements it runs, in order. */
export type SharedMigration = (db: Kysely<Tables>) => Compilable[];

/**
 * Schema changes for both stores, applied after each dialect's own frozen history
 * (sqlite-migrations.ts, postgres-migrations.ts). Append a step here, written with Kysely's schema
 * builder (`db.schema.alterTable(…)`) or `sql` for what it can't say; never edit or reorder one:
 * a database records how many steps it has run (SQLite in `PRAGMA user_version`, PostgreSQL in
 * `parley_schema`).
 */
export const SHARED_MIGRATIONS: readonly SharedMigration[] = [];

/** One SQL text per step of `migrations`, for `dialect`. Values must be literals (`sql.lit`). */
export function compileMigrations(
  dialect: SqlDialect,
  migrations: readonly SharedMigration[] = SHARED_MIGRATIONS,
): string[] {
  const db = builderFor(dialect);
  return migrations.map((step) =>
    step(db)
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
