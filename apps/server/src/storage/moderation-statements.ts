import { sql } from 'kysely';

import { boolLiteral, builderFor, compile, param, type SqlDialect } from './chat-statements.js';
import type {
  AuditRecord,
  ReportRecord,
  Restriction,
  RestrictionKind,
  RoomRecord,
} from './moderation-store.js';

/**
 * The moderation store's statements, written once with Kysely for both dialects and compiled at
 * boot like chat-statements.ts. Rows come back the same way from both drivers except for numbers
 * (PostgreSQL gives BIGINT as a string) and booleans (SQLite gives 0/1): the `to…` functions below
 * read either.
 */
export function moderationStatements(dialect: SqlDialect) {
  const db = builderFor(dialect);
  const room = param('room');
  const userId = param('userId');
  const limit = param<number>('limit');
  const now = param<number>('now');
  const inForce = sql<boolean>`(until IS NULL OR until > ${now})`;

  return {
    getRoom: compile<{ room: string }>(db.selectFrom('rooms').selectAll().where('room', '=', room)),
    /** Inserts nothing when the room has a record: of two racing claims, one changes a row. */
    claimRoom: compile<{ room: string; userId: string }>(
      db
        .insertInto('rooms')
        .values({ room, owner_user_id: userId })
        .onConflict((oc) => oc.column('room').doNothing()),
    ),
    /**
     * Changes the settings given (null: leave as is) in one upsert, creating an ownerless record.
     * `setInvite` (1 or 0) tells a null invite that clears it from one that leaves it.
     */
    updateRoom: compile<{
      room: string;
      topic: string | null;
      slowModeS: number | null;
      locked: boolean | number | null;
      setInvite: number;
      invite: string | null;
    }>(
      db
        .insertInto('rooms')
        .values({
          room,
          topic: sql<string>`COALESCE(${param('topic')}, '')`,
          slow_mode_s: sql<number>`COALESCE(${param('slowModeS')}, 0)`,
          locked: sql<boolean>`COALESCE(${param('locked')}, ${boolLiteral(dialect, false)})`,
          invite: param<string | null>('invite'),
        })
        .onConflict((oc) =>
          oc.column('room').doUpdateSet({
            topic: sql<string>`COALESCE(${param('topic')}, rooms.topic)`,
            slow_mode_s: sql<number>`COALESCE(${param('slowModeS')}, rooms.slow_mode_s)`,
            locked: sql<boolean>`COALESCE(${param('locked')}, rooms.locked)`,
            invite: sql<
              string | null
            >`CASE WHEN ${param('setInvite')} = 1 THEN ${param('invite')} ELSE rooms.invite END`,
          }),
        )
        .returningAll(),
    ),
    setOwner: compile<{ room: string; userId: string | null }>(
      db
        .insertInto('rooms')
        .values({ room, owner_user_id: userId })
        .onConflict((oc) =>
          oc.column('room').doUpdateSet({ owner_user_id: sql.ref('excluded.owner_user_id') }),
        ),
    ),
    setRecoveryHash: compile<{ room: string; hash: string | null }>(
      db
        .insertInto('rooms')
        .values({ room, recovery_hash: param<string | null>('hash') })
        .onConflict((oc) =>
          oc.column('room').doUpdateSet({ recovery_hash: sql.ref('excluded.recovery_hash') }),
        ),
    ),

    moderators: compile<{ room: string }>(
      db
        .selectFrom('room_moderators')
        .select('user_id')
        .where('room', '=', room)
        .orderBy('user_id'),
    ),
    addModerator: compile<{ room: string; userId: string }>(
      db
        .insertInto('room_moderators')
        .values({ room, user_id: userId })
        .onConflict((oc) => oc.columns(['room', 'user_id']).doNothing()),
    ),
    removeModerator: compile<{ room: string; userId: string }>(
      db.deleteFrom('room_moderators').where('room', '=', room).where('user_id', '=', userId),
    ),

    /** One restriction of a kind per person and room: a new one replaces the old. */
    restrict: compile<Restriction>(
      db
        .insertInto('restrictions')
        .values({
          room,
          kind: param('kind'),
          user_id: userId,
          address_hash: param<string | null>('addressHash'),
          username: param<string | null>('username'),
          until: param<number | null>('until'),
          reason: param<string | null>('reason'),
          by_user_id: param('byUserId'),
          by_username: param('byUsername'),
          ts: param<number>('ts'),
        })
        .onConflict((oc) =>
          oc.columns(['room', 'user_id', 'kind']).doUpdateSet({
            address_hash: sql.ref('excluded.address_hash'),
            username: sql.ref('excluded.username'),
            until: sql.ref('excluded.until'),
            reason: sql.ref('excluded.reason'),
            by_user_id: sql.ref('excluded.by_user_id'),
            by_username: sql.ref('excluded.by_username'),
            ts: sql.ref('excluded.ts'),
          }),
        ),
    ),
    lift: compile<{ room: string; kind: RestrictionKind; userId: string }>(
      db
        .deleteFrom('restrictions')
        .where('room', '=', room)
        .where('kind', '=', param('kind'))
        .where('user_id', '=', userId),
    ),
    /** A kick matches the user id only; a ban also the address. The one ending last first. */
    findBan: compile<{ room: string; userId: string; addressHash: string | null; now: number }>(
      db
        .selectFrom('restrictions')
        .selectAll()
        .where('room', '=', room)
        .where(sql<boolean>`kind IN ('ban', 'kick')`)
        .where(inForce)
        .where(
          sql<boolean>`(user_id = ${userId} OR (kind = 'ban' AND address_hash = ${param(
            'addressHash',
          )}))`,
        )
        .orderBy(sql`CASE WHEN until IS NULL THEN 0 ELSE 1 END`)
        .orderBy('until', 'desc')
        .limit(sql.lit(1)),
    ),
    restrictions: compile<{ room: string; kind: RestrictionKind; now: number; limit: number }>(
      db
        .selectFrom('restrictions')
        .selectAll()
        .where('room', '=', room)
        .where('kind', '=', param('kind'))
        .where(inForce)
        .orderBy('ts', 'desc')
        .orderBy('id', 'desc')
        .limit(limit),
    ),

    hasPass: compile<{ room: string; userId: string }>(
      db
        .selectFrom('room_passes')
        .select('user_id')
        .where('room', '=', room)
        .where('user_id', '=', userId),
    ),
    grantPass: compile<{ room: string; userId: string }>(
      db
        .insertInto('room_passes')
        .values({ room, user_id: userId })
        .onConflict((oc) => oc.columns(['room', 'user_id']).doNothing()),
    ),
    revokePass: compile<{ room: string; userId: string }>(
      db.deleteFrom('room_passes').where('room', '=', room).where('user_id', '=', userId),
    ),

    audit: compile<Omit<AuditRecord, 'id'>>(
      db
        .insertInto('audit_log')
        .values({
          room,
          ts: param<number>('ts'),
          action: param('action'),
          by_user_id: param('byUserId'),
          by_username: param('byUsername'),
          user_id: param<string | null>('userId'),
          username: param<string | null>('username'),
          until: param<number | null>('until'),
          reason: param<string | null>('reason'),
          detail: param<string | null>('detail'),
        })
        .returning('id'),
    ),
    auditPage: compile<{ room: string; beforeId: number; limit: number }>(
      db
        .selectFrom('audit_log')
        .selectAll()
        .where('room', '=', room)
        .where('id', '<', param<number>('beforeId'))
        .orderBy('id', 'desc')
        .limit(limit),
    ),
    auditSince: compile<{ afterId: number; limit: number }>(
      db
        .selectFrom('audit_log')
        .select(['id', 'room'])
        .where('id', '>', param<number>('afterId'))
        .orderBy('id', 'asc')
        .limit(limit),
    ),
    lastAuditId: compile<Record<string, never>>(
      db.selectFrom('audit_log').select(sql<number>`COALESCE(MAX(id), 0)`.as('id')),
    ),

    report: compile<Omit<ReportRecord, 'id'>>(
      db
        .insertInto('reports')
        .values({
          room,
          message_id: param<number>('messageId'),
          message: param('message'),
          author_user_id: param('authorUserId'),
          author_username: param('authorUsername'),
          reporter_user_id: param('reporterUserId'),
          reporter_username: param('reporterUsername'),
          reason: param<string | null>('reason'),
          ts: param<number>('ts'),
        })
        .onConflict((oc) => oc.columns(['room', 'message_id', 'reporter_user_id']).doNothing())
        .returning('id'),
    ),
    reportId: compile<{ room: string; messageId: number; reporterUserId: string }>(
      db
        .selectFrom('reports')
        .select('id')
        .where('room', '=', room)
        .where('message_id', '=', param<number>('messageId'))
        .where('reporter_user_id', '=', param('reporterUserId')),
    ),
    openReports: compile<{ room: string; beforeId: number; limit: number }>(
      db
        .selectFrom('reports')
        .selectAll()
        .where('room', '=', room)
        .where(sql<boolean>`resolved_ts IS NULL`)
        .where('id', '<', param<number>('beforeId'))
        .orderBy('id', 'desc')
        .limit(limit),
    ),
    resolveReport: compile<{ room: string; id: number; byUserId: string; ts: number }>(
      db
        .updateTable('reports')
        .set({ resolved_by: param('byUserId'), resolved_ts: param<number>('ts') })
        .where('room', '=', room)
        .where('id', '=', param<number>('id'))
        .where(sql<boolean>`resolved_ts IS NULL`),
    ),

    secret: compile<{ name: string }>(
      db.selectFrom('server_secrets').select('value').where('name', '=', param('name')),
    ),
    insertSecret: compile<{ name: string; value: string }>(
      db
        .insertInto('server_secrets')
        .values({ name: param('name'), value: param('value') })
        .onConflict((oc) => oc.column('name').doNothing()),
    ),
  };
}

/** Pages ask for one row past `limit` (this) to tell whether older ones exist. */
export function pageOfRows<Row, T>(
  rows: Row[],
  limit: number,
  read: (row: Row) => T,
): { items: T[]; more: boolean } {
  return { items: rows.slice(0, limit).map(read), more: rows.length > limit };
}

/** "Before nothing": larger than any id. */
export const NO_ID_ABOVE = Number.MAX_SAFE_INTEGER;

type Num = number | string;
type Bool = boolean | number;
const numOrNull = (value: Num | null): number | null => (value === null ? null : Number(value));

export interface RoomRow {
  room: string;
  owner_user_id: string | null;
  topic: string;
  slow_mode_s: Num;
  locked: Bool;
  invite: string | null;
  recovery_hash: string | null;
}

export const toRoom = (row: RoomRow): RoomRecord => ({
  room: row.room,
  ownerUserId: row.owner_user_id,
  topic: row.topic,
  slowModeS: Number(row.slow_mode_s),
  locked: Boolean(row.locked),
  invite: row.invite,
  recoveryHash: row.recovery_hash,
});

export interface RestrictionRow {
  room: string;
  kind: string;
  user_id: string;
  address_hash: string | null;
  username: string | null;
  until: Num | null;
  reason: string | null;
  by_user_id: string;
  by_username: string;
  ts: Num;
}

export const toRestriction = (row: RestrictionRow): Restriction => ({
  room: row.room,
  kind: row.kind as RestrictionKind,
  userId: row.user_id,
  addressHash: row.address_hash,
  username: row.username,
  until: numOrNull(row.until),
  reason: row.reason,
  byUserId: row.by_user_id,
  byUsername: row.by_username,
  ts: Number(row.ts),
});

export interface AuditRow {
  id: Num;
  room: string;
  ts: Num;
  action: string;
  by_user_id: string;
  by_username: string;
  user_id: string | null;
  username: string | null;
  until: Num | null;
  reason: string | null;
  detail: string | null;
}

export const toAudit = (row: AuditRow): AuditRecord => ({
  id: Number(row.id),
  room: row.room,
  ts: Number(row.ts),
  action: row.action,
  byUserId: row.by_user_id,
  byUsername: row.by_username,
  userId: row.user_id,
  username: row.username,
  until: numOrNull(row.until),
  reason: row.reason,
  detail: row.detail,
});

export interface ReportRow {
  id: Num;
  room: string;
  message_id: Num;
  message: string;
  author_user_id: string;
  author_username: string;
  reporter_user_id: string;
  reporter_username: string;
  reason: string | null;
  ts: Num;
}

export const toReport = (row: ReportRow): ReportRecord => ({
  id: Number(row.id),
  room: row.room,
  messageId: Number(row.message_id),
  message: row.message,
  authorUserId: row.author_user_id,
  authorUsername: row.author_username,
  reporterUserId: row.reporter_user_id,
  reporterUsername: row.reporter_username,
  reason: row.reason,
  ts: Number(row.ts),
});
