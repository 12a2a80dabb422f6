/**
 * The timeline's items and the pure rules that order them: stored messages by server id, notices
 * right after the message that was the latest when they happened, my unsent messages last.
 */

import type { OutboxFailure } from './outbox-storage';

/** Where one of my messages stands. Messages by others are always `sent`. */
export type DeliveryStatus = 'pending' | 'sent' | 'failed';

/** A chat message as the timeline shows it. Items never change; a change makes a new object. */
export interface MessageItem {
  kind: 'message';
  /**
   * Unique among the timeline's items and stable: `m<id>` for a stored message; `c<client_id>`
   * for one I wrote on this page, kept once it is stored so its row does not jump or flash.
   */
  key: string;
  /** Server id; `null` while the server has not confirmed it. */
  id: number | null;
  /** Server time it was stored (ms since the epoch); for an unsent message, when it was written. */
  ts: number;
  username: string;
  avatar: string;
  text: string;
  /** Public id of the author's session; empty when the server did not say. */
  userId: string;
  /** My id for it, when it has one. */
  clientId: string | null;
  /** Written by me (same `user_id`, whatever my name was then). */
  mine: boolean;
  status: DeliveryStatus;
  /** Why it was not sent (status `failed`). */
  failure: OutboxFailure | null;
  /** Arrival order on this page: grows with every item added. */
  seq: number;
  /** Arrived while the page was open (live, or replayed after a drop), not from a history page. */
  fresh: boolean;
  /** When its author last edited it (ms since the epoch), or null. */
  editedTs: number | null;
  /** Deleted by its author: a tombstone with no text. */
  deleted: boolean;
  /** With `deleted`: an owner or moderator removed it, not its author. */
  removed?: boolean;
  /** User ids of the people it mentions (server-derived). */
  mentions: readonly string[];
  /** It mentions me (and is not mine). */
  mentionsMe: boolean;
}

/** `reconnected`: someone's left and join again, shown as one line (or mine, after a long drop). */
/** `moderation`: an announcement (someone muted, the topic changed…): a sentence of its own. */
export type NoticeKind = 'joined' | 'left' | 'renamed' | 'reconnected' | 'moderation';

/** Someone joined, left, reconnected or changed their name. */
export interface NoticeItem {
  kind: NoticeKind;
  key: string;
  /** Whom it is about (`user_id`), when the server said; empty otherwise. */
  userId: string;
  /** Id of the latest message known when it happened: the notice shows right after it. */
  afterId: number;
  /** When it happened here (ms since the epoch). */
  at: number;
  /** Whom it is about (the new name, for a rename). */
  username: string;
  /** The sentence shown, e.g. "User_1234 is now Ada". */
  text: string;
  /** The notice is about me. */
  mine: boolean;
  seq: number;
  fresh: true;
}

/**
 * Consecutive notices with no message between them, shown as one row ("Ada, Bo and 5 others
 * joined · Cy left"). Keyed by its first notice, so the row stays put while the run grows.
 */
export interface NoticeRun {
  kind: 'notices';
  key: string;
  /** Oldest first; never empty. */
  notices: readonly NoticeItem[];
  /** When its first notice happened. */
  at: number;
  /** A notice about me stands alone, in a run of its own. */
  mine: boolean;
  /** The newest notice's arrival number: the run counts as new when it grows. */
  seq: number;
  fresh: true;
}

/**
 * Consecutive messages from people I ignore, shown as one quiet row ("2 messages from someone you
 * ignore · Show") in their place. Keyed by its first message, so it stays put while it grows.
 */
export interface IgnoredRun {
  kind: 'ignored';
  key: string;
  /** The keys of the messages it hides. */
  keys: readonly string[];
  at: number;
  seq: number;
  fresh: boolean;
  mine: false;
}

/** The timeline's items: messages and runs of notices. */
export type TimelineItem = MessageItem | NoticeRun;

/** What the list shows: the timeline's items, with runs of messages I ignore folded. */
export type ListItem = TimelineItem | IgnoredRun;

/** Messages and single notices in display order, before runs are collapsed. */
export type TimelineEntry = MessageItem | NoticeItem;

/** A `history` frame, as far as the timeline reads it. */
export interface HistoryFrame {
  messages?: unknown;
  has_more?: unknown;
  truncated?: unknown;
  more_follows?: unknown;
}

/** A stored message as read from the wire (`new_message`, `history`, `load_history`). */
export interface WireMessage {
  id: number;
  ts: number;
  username: string;
  avatar: string;
  message: string;
  clientId: string | null;
  userId: string;
  editedTs: number | null;
  deleted: boolean;
  removed: boolean;
  mentions: string[];
}

/**
 * Reads one message from the server, or `null` if it is not usable. Checked by hand rather than
 * with the protocol's zod schema: importing `newMessagePayloadSchema` took the page from 52 to
 * 142 KB gzipped. `timeline-items.test.ts` holds this reader to that schema.
 */
export function readWireMessage(
  value: unknown,
  safeAvatar: (url: unknown) => string,
): WireMessage | null {
  if (typeof value !== 'object' || value === null) {
    return null;
  }
  const {
    id,
    ts,
    username,
    avatar,
    message,
    client_id,
    user_id,
    edited_ts,
    deleted,
    removed,
    mentions,
  } = value as Record<string, unknown>;
  const isDeleted = deleted === true;
  if (
    typeof id !== 'number' ||
    !Number.isSafeInteger(id) ||
    id <= 0 ||
    typeof username !== 'string' ||
    username.length === 0 ||
    (!isDeleted && (typeof message !== 'string' || message.length === 0))
  ) {
    return null;
  }
  return {
    id,
    // A missing or broken time still shows the message, stamped with when it arrived.
    ts: typeof ts === 'number' && Number.isFinite(ts) ? ts : Date.now(),
    username,
    avatar: safeAvatar(avatar),
    clientId: typeof client_id === 'string' && client_id.length > 0 ? client_id : null,
    userId: typeof user_id === 'string' ? user_id : '',
    editedTs: typeof edited_ts === 'number' && Number.isFinite(edited_ts) ? edited_ts : null,
    deleted: isDeleted,
    removed: isDeleted && removed === true,
    message: isDeleted || typeof message !== 'string' ? '' : message,
    mentions: Array.isArray(mentions)
      ? mentions.filter((entry): entry is string => typeof entry === 'string')
      : [],
  };
}

export function readWireMessages(
  value: unknown,
  safeAvatar: (url: unknown) => string,
): WireMessage[] {
  if (!Array.isArray(value)) {
    return [];
  }
  const messages: WireMessage[] = [];
  for (const entry of value) {
    const message = readWireMessage(entry, safeAvatar);
    if (message) {
      messages.push(message);
    }
  }
  return messages;
}

/** A message the server stored (it has an id), as the timeline keeps it. */
export type ConfirmedMessage = MessageItem & { id: number };

export function isStored(item: MessageItem): item is ConfirmedMessage {
  return item.id !== null;
}

/**
 * Merges messages into a list sorted by id. A message already there is replaced by the newer copy
 * (the server's word wins) but keeps its key, arrival order and freshness, so its row stays put.
 * Returns the merged list and how many messages were new.
 */
export function mergeById(
  existing: readonly ConfirmedMessage[],
  incoming: readonly ConfirmedMessage[],
): { merged: ConfirmedMessage[]; added: ConfirmedMessage[] } {
  if (incoming.length === 0) {
    return { merged: existing.slice(), added: [] };
  }
  const byId = new Map<number, ConfirmedMessage>();
  for (const message of existing) {
    byId.set(message.id, message);
  }
  const added: ConfirmedMessage[] = [];
  for (const message of incoming) {
    const previous = byId.get(message.id);
    if (previous) {
      byId.set(message.id, {
        ...message,
        key: previous.key,
        seq: previous.seq,
        fresh: previous.fresh,
      });
    } else {
      byId.set(message.id, message);
      added.push(message);
    }
  }
  const merged = Array.from(byId.values()).sort((a, b) => a.id - b.id);
  return { merged, added };
}

/**
 * A stored message with an edit applied: none to a deleted message or over a newer edit.
 * `mentions` undefined keeps the ones known (the server re-derives them from the new text).
 */
export function withEdit(
  item: ConfirmedMessage,
  message: string,
  editedTs: number,
  mentions: unknown,
): ConfirmedMessage {
  if (item.deleted || (item.editedTs !== null && item.editedTs > editedTs)) {
    return item;
  }
  return {
    ...item,
    text: message,
    editedTs,
    mentions: Array.isArray(mentions)
      ? mentions.filter((entry): entry is string => typeof entry === 'string')
      : item.mentions,
  };
}

/** The newest `limit` messages and notices, in display order's terms. */
export function keepNewest(
  messages: readonly ConfirmedMessage[],
  notices: readonly NoticeItem[],
  limit: number,
): { messages: ConfirmedMessage[]; notices: NoticeItem[] } {
  const ordered = buildTimeline(messages, notices, []);
  const kept = new Set(ordered.slice(-limit).map((item) => item.key));
  return {
    messages: messages.filter((message) => kept.has(message.key)),
    notices: notices.filter((notice) => kept.has(notice.key)),
  };
}

/** Notices heard before a history (`floating`) moved after its last message, `lastId`. */
export function placeAfter(
  notices: readonly NoticeItem[],
  floating: ReadonlySet<string>,
  lastId: number,
): NoticeItem[] {
  return sortNotices(
    notices.map((notice) =>
      floating.has(notice.key) && notice.afterId < lastId ? { ...notice, afterId: lastId } : notice,
    ),
  );
}

/** Notices in display order: by the message they follow, then as they happened. */
export function sortNotices(notices: readonly NoticeItem[]): NoticeItem[] {
  return notices.slice().sort((a, b) => a.afterId - b.afterId || a.seq - b.seq);
}

/**
 * The timeline in display order: stored messages by id with each notice right after the message
 * it follows, then my unsent messages in the order I wrote them.
 */
export function buildTimeline(
  messages: readonly ConfirmedMessage[],
  notices: readonly NoticeItem[],
  unsent: readonly MessageItem[],
): TimelineEntry[] {
  const items: TimelineEntry[] = [];
  let next = 0;
  for (const message of messages) {
    let notice = notices[next];
    while (notice && notice.afterId < message.id) {
      items.push(notice);
      notice = notices[++next];
    }
    items.push(message);
  }
  items.push(...notices.slice(next), ...unsent);
  return items;
}
