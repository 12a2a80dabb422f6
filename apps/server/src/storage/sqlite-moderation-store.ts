import type Database from 'better-sqlite3';

import type { Statement } from './chat-statements.js';
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
import { prepare } from './sqlite-statement.js';

type Prepared<S> = {
  [K in keyof S]: S[K] extends Statement<infer P> ? ReturnType<typeof prepare<P>> : never;
};

const bit = (value: boolean | undefined): number | null =>
  value === undefined ? null : value ? 1 : 0;

/**
 * Moderation in the SQLite file, on the chat store's connection. Every call is one synchronous
 * prepared statement (SQLite has one writer, so "exactly once" needs no more than a conflict
 * clause); `wrote` tells the chat store a page changed, for its checkpoints.
 */
export class SqliteModerationStore implements ModerationStore {
  private readonly statements: Prepared<ReturnType<typeof moderationStatements>>;

  constructor(
    db: Database.Database,
    private readonly wrote: () => void,
  ) {
    const compiled = moderationStatements('sqlite');
    this.statements = Object.fromEntries(
      Object.entries(compiled).map(([name, statement]) => [
        name,
        prepare(db, statement as Statement<object>),
      ]),
    ) as unknown as Prepared<typeof compiled>;
  }

  getRoom(room: string): Promise<RoomRecord | undefined> {
    const row = this.statements.getRoom.get<RoomRow>({ room });
    return Promise.resolve(row ? toRoom(row) : undefined);
  }

  claimRoom(room: string, userId: string): Promise<boolean> {
    return Promise.resolve(this.write(this.statements.claimRoom.run({ room, userId })));
  }

  updateRoom(room: string, update: RoomSettingsUpdate): Promise<RoomRecord> {
    const row = this.statements.updateRoom.get<RoomRow>({
      room,
      topic: update.topic ?? null,
      slowModeS: update.slowModeS ?? null,
      locked: bit(update.locked),
      setInvite: update.invite === undefined ? 0 : 1,
      invite: update.invite ?? null,
    });
    this.wrote();
    return Promise.resolve(toRoom(row!));
  }

  setOwner(room: string, userId: string | null): Promise<void> {
    this.write(this.statements.setOwner.run({ room, userId }));
    return Promise.resolve();
  }

  setRecoveryHash(room: string, hash: string | null): Promise<void> {
    this.write(this.statements.setRecoveryHash.run({ room, hash }));
    return Promise.resolve();
  }

  moderators(room: string): Promise<string[]> {
    const rows = this.statements.moderators.all<{ user_id: string }>({ room });
    return Promise.resolve(rows.map((row) => row.user_id));
  }

  setModerator(room: string, userId: string, moderator: boolean): Promise<boolean> {
    const statement = moderator ? this.statements.addModerator : this.statements.removeModerator;
    return Promise.resolve(this.write(statement.run({ room, userId })));
  }

  restrict(restriction: Restriction): Promise<void> {
    this.write(this.statements.restrict.run(restriction));
    return Promise.resolve();
  }

  lift(room: string, kind: RestrictionKind, userId: string): Promise<boolean> {
    return Promise.resolve(this.write(this.statements.lift.run({ room, kind, userId })));
  }

  findBan(
    room: string,
    userId: string,
    addressHash: string | null,
    now: number,
  ): Promise<Restriction | undefined> {
    const row = this.statements.findBan.get<RestrictionRow>({ room, userId, addressHash, now });
    return Promise.resolve(row ? toRestriction(row) : undefined);
  }

  restrictions(
    room: string,
    kind: RestrictionKind,
    now: number,
    limit: number,
  ): Promise<Restriction[]> {
    const rows = this.statements.restrictions.all<RestrictionRow>({ room, kind, now, limit });
    return Promise.resolve(rows.map(toRestriction));
  }

  hasPass(room: string, userId: string): Promise<boolean> {
    return Promise.resolve(this.statements.hasPass.get({ room, userId }) !== undefined);
  }

  grantPass(room: string, userId: string): Promise<void> {
    this.write(this.statements.grantPass.run({ room, userId }));
    return Promise.resolve();
  }

  revokePass(room: string, userId: string): Promise<void> {
    this.write(this.statements.revokePass.run({ room, userId }));
    return Promise.resolve();
  }

  audit(entry: NewAuditRecord): Promise<number> {
    const row = this.statements.audit.get<{ id: number }>(entry);
    this.wrote();
    return Promise.resolve(row!.id);
  }

  auditPage(room: string, beforeId: number | undefined, limit: number): Promise<Page<AuditRecord>> {
    const rows = this.statements.auditPage.all<AuditRow>({
      room,
      beforeId: beforeId ?? NO_ID_ABOVE,
      limit: limit + 1,
    });
    return Promise.resolve(pageOfRows(rows, limit, toAudit));
  }

  auditSince(afterId: number, limit: number): Promise<Array<{ id: number; room: string }>> {
    return Promise.resolve(
      this.statements.auditSince.all<{ id: number; room: string }>({ afterId, limit }),
    );
  }

  lastAuditId(): Promise<number> {
    return Promise.resolve(this.statements.lastAuditId.get<{ id: number }>({})!.id);
  }

  report(entry: NewReportRecord): Promise<{ id: number; duplicate: boolean }> {
    const inserted = this.statements.report.get<{ id: number }>(entry);
    if (inserted) {
      this.wrote();
      return Promise.resolve({ id: inserted.id, duplicate: false });
    }
    const existing = this.statements.reportId.get<{ id: number }>(entry);
    return Promise.resolve({ id: existing!.id, duplicate: true });
  }

  openReports(
    room: string,
    beforeId: number | undefined,
    limit: number,
  ): Promise<Page<ReportRecord>> {
    const rows = this.statements.openReports.all<ReportRow>({
      room,
      beforeId: beforeId ?? NO_ID_ABOVE,
      limit: limit + 1,
    });
    return Promise.resolve(pageOfRows(rows, limit, toReport));
  }

  resolveReport(room: string, id: number, byUserId: string, ts: number): Promise<boolean> {
    return Promise.resolve(
      this.write(this.statements.resolveReport.run({ room, id, byUserId, ts })),
    );
  }

  secret(name: string, create: () => string): Promise<string> {
    let row = this.statements.secret.get<{ value: string }>({ name });
    if (!row) {
      this.write(this.statements.insertSecret.run({ name, value: create() }));
      row = this.statements.secret.get<{ value: string }>({ name });
    }
    return Promise.resolve(row!.value);
  }

  /** Whether the write changed a row. */
  private write(result: Database.RunResult): boolean {
    if (result.changes > 0) {
      this.wrote();
    }
    return result.changes > 0;
  }
}
