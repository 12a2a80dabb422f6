import type { RoomRole } from '@parley/protocol';

/**
 * Who runs each room and what they did: owners and moderators, mutes, kicks and bans, the room's
 * settings, reports and the audit log. People are known by their public user id in the room
 * (`publicUserId(sessionId, room)`), which the operator's command line can name too. SQLite and
 * PostgreSQL pass the same contract tests (`moderation-store.contract.ts`).
 */

/** A room's settings as stored; a room nobody ever claimed has no record. */
export interface RoomRecord {
  room: string;
  /** User id of the owner; null once nobody owns it (e.g. the default room). */
  ownerUserId: string | null;
  topic: string;
  slowModeS: number;
  locked: boolean;
  /** The secret of the invite link (kept so owners and moderators can copy it again). */
  invite: string | null;
  /** SHA-256 (base64url) of the owner's recovery code, if one was made. */
  recoveryHash: string | null;
}

export type RoomSettingsUpdate = Partial<
  Pick<RoomRecord, 'topic' | 'slowModeS' | 'locked' | 'invite'>
>;

export interface RoleRecord {
  userId: string;
  role: RoomRole;
}

/** Kinds of restriction: a kick is a ban for a short cool-down, by user id only, never listed. */
export type RestrictionKind = 'mute' | 'ban' | 'kick';

export interface Restriction {
  room: string;
  kind: RestrictionKind;
  userId: string;
  /** Keyed hash of the address (bans only); the address itself is never stored. */
  addressHash: string | null;
  /** Their name when it was issued, for lists. */
  username: string | null;
  /** Until when (ms since the epoch); null for good. */
  until: number | null;
  reason: string | null;
  byUserId: string;
  byUsername: string;
  ts: number;
}

export interface AuditRecord {
  id: number;
  room: string;
  ts: number;
  action: string;
  byUserId: string;
  byUsername: string;
  userId: string | null;
  username: string | null;
  until: number | null;
  reason: string | null;
  detail: string | null;
}

export type NewAuditRecord = Omit<AuditRecord, 'id'>;

export interface ReportRecord {
  id: number;
  room: string;
  /** The reported message's id in its room. */
  messageId: number;
  /** Its text when reported (first characters). */
  message: string;
  authorUserId: string;
  authorUsername: string;
  reporterUserId: string;
  reporterUsername: string;
  reason: string | null;
  ts: number;
}

export type NewReportRecord = Omit<ReportRecord, 'id'>;

export interface Page<T> {
  /** Newest first. */
  items: T[];
  /** Older entries exist beyond this page. */
  more: boolean;
}

export interface ModerationStore {
  /** The room's record, if it has one. */
  getRoom(room: string): Promise<RoomRecord | undefined>;
  /**
   * Makes `userId` the owner of `room` if the room has no record yet (atomically: of two sessions
   * entering a new room at once, exactly one gets it). True when this call claimed it.
   */
  claimRoom(room: string, userId: string): Promise<boolean>;
  /** Changes settings (creating the record, ownerless, when there is none). */
  updateRoom(room: string, update: RoomSettingsUpdate): Promise<RoomRecord>;
  /** Sets the owner (creating the record when there is none); null: nobody. */
  setOwner(room: string, userId: string | null): Promise<void>;
  setRecoveryHash(room: string, hash: string | null): Promise<void>;

  /** The room's moderators (the owner is in the room record, not here). */
  moderators(room: string): Promise<string[]>;
  /** Adds (true) or removes (false) a moderator; says whether anything changed. */
  setModerator(room: string, userId: string, moderator: boolean): Promise<boolean>;

  /** Adds a restriction, replacing one of the same kind on the same person. */
  restrict(restriction: Restriction): Promise<void>;
  /** Lifts the restriction of `kind` on `userId`; says whether there was one (even one run out). */
  lift(room: string, kind: RestrictionKind, userId: string): Promise<boolean>;
  /**
   * The ban or kick in force at `now` on this user id or (bans only) this address hash, if any:
   * the one that ends last (for good first).
   */
  findBan(
    room: string,
    userId: string,
    addressHash: string | null,
    now: number,
  ): Promise<Restriction | undefined>;
  /** Restrictions of `kind` in force at `now`, newest first (at most `limit`). */
  restrictions(
    room: string,
    kind: RestrictionKind,
    now: number,
    limit: number,
  ): Promise<Restriction[]>;

  /** Whether `userId` entered the locked room with its invite before (and was let in). */
  hasPass(room: string, userId: string): Promise<boolean>;
  grantPass(room: string, userId: string): Promise<void>;
  revokePass(room: string, userId: string): Promise<void>;

  /** Appends to the audit log; its id (increasing across all rooms). */
  audit(entry: NewAuditRecord): Promise<number>;
  /** The room's log, newest first, older than `beforeId` when given. */
  auditPage(room: string, beforeId: number | undefined, limit: number): Promise<Page<AuditRecord>>;
  /** Log entries of every room after `afterId`, oldest first: the change feed nodes follow. */
  auditSince(afterId: number, limit: number): Promise<Array<{ id: number; room: string }>>;
  /** The id of the newest entry (0 when none). */
  lastAuditId(): Promise<number>;

  /** Files a report; a second one by the same person on the same message returns the first. */
  report(entry: NewReportRecord): Promise<{ id: number; duplicate: boolean }>;
  /** Open reports of the room, newest first, older than `beforeId` when given. */
  openReports(
    room: string,
    beforeId: number | undefined,
    limit: number,
  ): Promise<Page<ReportRecord>>;
  /** Marks a report dealt with; false when no such open report exists in the room. */
  resolveReport(room: string, id: number, byUserId: string, ts: number): Promise<boolean>;

  /**
   * A secret of this server's (shared by every node of a cluster): the stored value, or
   * `create()`'s, stored first if none was (of two nodes racing, both get the one stored).
   */
  secret(name: string, create: () => string): Promise<string>;
}
