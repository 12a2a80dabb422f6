import type Database from 'better-sqlite3';

import type { Statement } from './chat-statements.js';

/**
 * A compiled statement prepared on `db`, run synchronously with named parameters. `Row` is the
 * caller's word for what a row holds, as with better-sqlite3 itself.
 */
export function prepare<Params extends object>(
  db: Database.Database,
  statement: Statement<Params>,
) {
  const prepared = db.prepare<unknown[]>(statement.sql);
  return {
    get: <Row>(params: Params) => prepared.get(...statement.bind(params)) as Row | undefined,
    all: <Row>(params: Params) => prepared.all(...statement.bind(params)) as Row[],
    run: (params: Params): Database.RunResult => prepared.run(...statement.bind(params)),
  };
}
