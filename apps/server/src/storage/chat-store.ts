import type { ModerationStore } from './moderation-store.js';

/** A message as stored: the wire's `new_message` fields plus who sent it. */
export interface StoredMessage {
  /** Its number in its room (1, 2, …): the wire's `id`. Says nothing about other rooms. */
  id: number;
  /** The room it was said in (normalised name). */
  room: string;
  ts: number;
  sessionId: string;
  clientId: string | null;
  username: string;
  avatar: string;
  message: string;
  /** User ids of the people it mentions. */
  mentions: string[];
  /** When the author last changed it, if ever. */
  editedTs: number | null;
  /** Removed by its author: `message` is empty and `mentions` too. */
  deleted: boolean;
  /** With `deleted`: removed by an owner or moderator, not its author. */
  removed: boolean;
}

export type NewStoredMessage = Omit<StoredMessage, 'id' | 'editedTs' | 'deleted' | 'removed'>;

/** Someone who wrote in a room lately, as {@link ChatStore.recentAuthors} finds them. */
export interface RecentAuthor {
  sessionId: string;
  /** The name on their newest message there. */
  username: string;
}

export interface SessionRecord {
  id: string;
  username: string;
  avatar: string;
  createdAt: number;
  lastSeenAt: number;
}

/** Which sessions {@link ChatStore.deleteExpiredSessions} removes: last seen before these times. */
export interface SessionCutoffs {
  /** Any session. */
  seenBefore: number;
  /** A session that never wrote a message nor chose a name. */
  silentSeenBefore: number;
}

export interface MessagePage {
  /** Oldest first. */
  messages: StoredMessage[];
  /** More messages exist beyond this page in the direction asked. */
  more: boolean;
}

/**
 * Where messages and sessions live: SQLite (embedded, the default) or PostgreSQL (shared by the
 * nodes of a cluster); both pass the same contract tests (`chat-store.contract.ts`). Methods are
 * async so that a networked store fits the same shape.
 */
export interface ChatStore {
  /** Roles, restrictions, settings, reports and the audit log, in the same database. */
  readonly moderation: ModerationStore;
  /**
   * Whether this process sees every write to the store, so a page it read stays true until it
   * changes the room itself (then a room's newest page may be kept in memory).
   */
  readonly onlyWriter: boolean;
  /**
   * Stores a message and gives it its room's next id, in the order the room's messages are
   * committed (also across the nodes of a cluster). When the same session already stored a
   * message with the same `clientId` in the same room, nothing is written and that earlier
   * message comes back with `duplicate`.
   */
  appendMessage(message: NewStoredMessage): Promise<{ message: StoredMessage; duplicate: boolean }>;
  /** Message `id` of `room`. */
  getMessage(room: string, id: number): Promise<StoredMessage | undefined>;
  /** Replaces a message's text (and mentions) and stamps the edit time. */
  editMessage(
    room: string,
    id: number,
    message: string,
    mentions: string[],
    editedTs: number,
  ): Promise<void>;
  /**
   * Empties a message and marks it deleted; its id and place stay (a tombstone). `removed`: an
   * owner or moderator did it.
   */
  deleteMessage(room: string, id: number, deletedTs: number, removed?: boolean): Promise<void>;
  /**
   * Removes (as a moderator) the newest `count` messages of `sessionId` in `room` that are not
   * deleted yet, in one transaction: tombstones with `removed`, stamped like `deleteMessage` so
   * `changedMessages` tells resuming clients. Their ids, oldest first.
   */
  removeLatestBy(
    room: string,
    sessionId: string,
    count: number,
    deletedTs: number,
  ): Promise<number[]>;
  /** The distinct authors of the newest `scan` messages of `room`, most recent first. */
  recentAuthors(room: string, scan: number): Promise<RecentAuthor[]>;
  /**
   * Messages of `room` up to `uptoId` edited or deleted at `sinceTs` or later, at most `limit`
   * (the latest changes), oldest change first: what a client that resumes may have missed.
   */
  changedMessages(
    room: string,
    sinceTs: number,
    uptoId: number,
    limit: number,
  ): Promise<StoredMessage[]>;
  /** The newest `limit` messages of `room`, oldest first; `more` when older ones exist. */
  latestMessages(room: string, limit: number): Promise<MessagePage>;
  /** Up to `limit` messages of `room` just older than `beforeId`, oldest first. */
  messagesBefore(room: string, beforeId: number, limit: number): Promise<MessagePage>;
  /** Up to `limit` messages of `room` just newer than `afterId`, oldest first. */
  messagesAfter(room: string, afterId: number, limit: number): Promise<MessagePage>;

  /** Creates a session reachable by the hash of its token. */
  createSession(session: SessionRecord, tokenHash: string): Promise<void>;
  /** The session whose token hashes to `tokenHash`, if it exists and was seen after `seenAfter`. */
  findSession(tokenHash: string, seenAfter: number): Promise<SessionRecord | undefined>;
  /** A new name counts as using the session (it is then kept like a session that wrote). */
  updateSessionIdentity(id: string, username: string, avatar: string): Promise<void>;
  touchSession(id: string, lastSeenAt: number): Promise<void>;
  /** Marks many sessions as seen at once (the ones online, so they never look unused). */
  touchSessions(ids: readonly string[], lastSeenAt: number): Promise<void>;
  /**
   * Deletes up to `limit` sessions past `cutoffs` and says how many; call again until it deletes
   * fewer. Safe to run on several nodes at once. Their messages stay as they are.
   */
  deleteExpiredSessions(cutoffs: SessionCutoffs, limit: number): Promise<number>;

  /** True when the store answers (readiness checks). */
  ping(): Promise<boolean>;

  close(): Promise<void>;
}

/**
 * Builds a page from rows fetched one past `limit`, which tells whether more exist. `rows` is
 * oldest first; the extra row is the oldest for an 'older' page and the newest for a 'newer' one.
 */
export function pageOf<Row>(
  rows: Row[],
  limit: number,
  direction: 'older' | 'newer',
  toMessage: (row: Row) => StoredMessage,
): MessagePage {
  const more = rows.length > limit;
  const kept = more ? (direction === 'older' ? rows.slice(1) : rows.slice(0, limit)) : rows;
  return { messages: kept.map(toMessage), more };
}

/** Rows of `recentAuthors`, newest first, down to one per session (its newest name). */
export function distinctAuthors(
  rows: ReadonlyArray<{ session_id: string; username: string }>,
): RecentAuthor[] {
  const seen = new Map<string, RecentAuthor>();
  for (const row of rows) {
    if (!seen.has(row.session_id)) {
      seen.set(row.session_id, { sessionId: row.session_id, username: row.username });
    }
  }
  return [...seen.values()];
}
