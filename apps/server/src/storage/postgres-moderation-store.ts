import type pg from 'pg';

import {
  type AuditRow,
  moderationStatements,
  NO_ID_ABOVE,
  pageOfRows,
  type ReportRow,
  type RestrictionRow,
  type RoomRow,
  toAudit,
  toReport,
  toRestriction,
  toRoom,
} from './moderation-statements.js';
import type {
  AuditRecord,
  ModerationStore,
  NewAuditRecord,
  NewReportRecord,
  Page,
  ReportRecord,
  Restriction,
  RestrictionKind,
  RoomRecord,
  RoomSettingsUpdate,
} from './moderation-store.js';

/** Arbitrary constant key: audit entries are appended one at a time across the cluster. */
const AUDIT_LOCK = 7_215_032;

/**
 * Moderation in PostgreSQL, on the chat store's pool. Each call is one statement (an upsert or a
 * conflict clause makes the racing ones exact), except the audit append (see {@link audit}).
 */
export class PostgresModerationStore implements ModerationStore {
  private readonly statements = moderationStatements('postgres');

  constructor(private readonly pool: pg.Pool) {}

  async getRoom(room: string): Promise<RoomRecord | undefined> {
    const { rows } = await this.pool.query<RoomRow>(this.statements.getRoom.toQuery({ room }));
    return rows[0] ? toRoom(rows[0]) : undefined;
  }

  async claimRoom(room: string, userId: string): Promise<boolean> {
    const result = await this.pool.query(this.statements.claimRoom.toQuery({ room, userId }));
    return result.rowCount === 1;
  }

  async updateRoom(room: string, update: RoomSettingsUpdate): Promise<RoomRecord> {
    const { rows } = await this.pool.query<RoomRow>(
      this.statements.updateRoom.toQuery({
        room,
        topic: update.topic ?? null,
        slowModeS: update.slowModeS ?? null,
        locked: update.locked ?? null,
        setInvite: update.invite === undefined ? 0 : 1,
        invite: update.invite ?? null,
      }),
    );
    return toRoom(rows[0]!);
  }

  async setOwner(room: string, userId: string | null): Promise<void> {
    await this.pool.query(this.statements.setOwner.toQuery({ room, userId }));
  }

  async setRecoveryHash(room: string, hash: string | null): Promise<void> {
    await this.pool.query(this.statements.setRecoveryHash.toQuery({ room, hash }));
  }

  async moderators(room: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ user_id: string }>(
      this.statements.moderators.toQuery({ room }),
    );
    return rows.map((row) => row.user_id);
  }

  async setModerator(room: string, userId: string, moderator: boolean): Promise<boolean> {
    const statement = moderator ? this.statements.addModerator : this.statements.removeModerator;
    const result = await this.pool.query(statement.toQuery({ room, userId }));
    return (result.rowCount ?? 0) > 0;
  }

  async restrict(restriction: Restriction): Promise<void> {
    await this.pool.query(this.statements.restrict.toQuery(restriction));
  }

  async lift(room: string, kind: RestrictionKind, userId: string): Promise<boolean> {
    const result = await this.pool.query(this.statements.lift.toQuery({ room, kind, userId }));
    return (result.rowCount ?? 0) > 0;
  }

  async findBan(
    room: string,
    userId: string,
    addressHash: string | null,
    now: number,
  ): Promise<Restriction | undefined> {
    const { rows } = await this.pool.query<RestrictionRow>(
      this.statements.findBan.toQuery({ room, userId, addressHash, now }),
    );
    return rows[0] ? toRestriction(rows[0]) : undefined;
  }

  async restrictions(
    room: string,
    kind: RestrictionKind,
    now: number,
    limit: number,
  ): Promise<Restriction[]> {
    const { rows } = await this.pool.query<RestrictionRow>(
      this.statements.restrictions.toQuery({ room, kind, now, limit }),
    );
    return rows.map(toRestriction);
  }

  async hasPass(room: string, userId: string): Promise<boolean> {
    const { rows } = await this.pool.query(this.statements.hasPass.toQuery({ room, userId }));
    return rows.length > 0;
  }

  async grantPass(room: string, userId: string): Promise<void> {
    await this.pool.query(this.statements.grantPass.toQuery({ room, userId }));
  }

  async revokePass(room: string, userId: string): Promise<void> {
    await this.pool.query(this.statements.revokePass.toQuery({ room, userId }));
  }

  /**
   * Under a cluster-wide lock held to the commit: ids of a sequence can otherwise commit out of
   * order, and a node following the log past id N would never see an N-1 committed after it.
   */
  async audit(entry: NewAuditRecord): Promise<number> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK]);
      const { rows } = await client.query<{ id: string }>(this.statements.audit.toQuery(entry));
      await client.query('COMMIT');
      return Number(rows[0]!.id);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async auditPage(
    room: string,
    beforeId: number | undefined,
    limit: number,
  ): Promise<Page<AuditRecord>> {
    const { rows } = await this.pool.query<AuditRow>(
      this.statements.auditPage.toQuery({
        room,
        beforeId: beforeId ?? NO_ID_ABOVE,
        limit: limit + 1,
      }),
    );
    return pageOfRows(rows, limit, toAudit);
  }

  async auditSince(afterId: number, limit: number): Promise<Array<{ id: number; room: string }>> {
    const { rows } = await this.pool.query<{ id: string; room: string }>(
      this.statements.auditSince.toQuery({ afterId, limit }),
    );
    return rows.map((row) => ({ id: Number(row.id), room: row.room }));
  }

  async lastAuditId(): Promise<number> {
    const { rows } = await this.pool.query<{ id: string }>(this.statements.lastAuditId.toQuery({}));
    return Number(rows[0]!.id);
  }

  async report(entry: NewReportRecord): Promise<{ id: number; duplicate: boolean }> {
    const inserted = await this.pool.query<{ id: string }>(this.statements.report.toQuery(entry));
    if (inserted.rows[0]) {
      return { id: Number(inserted.rows[0].id), duplicate: false };
    }
    const existing = await this.pool.query<{ id: string }>(this.statements.reportId.toQuery(entry));
    return { id: Number(existing.rows[0]!.id), duplicate: true };
  }

  async openReports(
    room: string,
    beforeId: number | undefined,
    limit: number,
  ): Promise<Page<ReportRecord>> {
    const { rows } = await this.pool.query<ReportRow>(
      this.statements.openReports.toQuery({
        room,
        beforeId: beforeId ?? NO_ID_ABOVE,
        limit: limit + 1,
      }),
    );
    return pageOfRows(rows, limit, toReport);
  }

  async resolveReport(room: string, id: number, byUserId: string, ts: number): Promise<boolean> {
    const result = await this.pool.query(
      this.statements.resolveReport.toQuery({ room, id, byUserId, ts }),
    );
    return (result.rowCount ?? 0) > 0;
  }

  async secret(name: string, create: () => string): Promise<string> {
    const read = () => this.pool.query<{ value: string }>(this.statements.secret.toQuery({ name }));
    let { rows } = await read();
    if (!rows[0]) {
      // Of two nodes racing here, the second insert does nothing and both read the first.
      await this.pool.query(this.statements.insertSecret.toQuery({ name, value: create() }));
      ({ rows } = await read());
    }
    return rows[0]!.value;
  }
}
