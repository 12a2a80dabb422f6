import { Inject, Injectable } from '@nestjs/common';
import {
  ackError,
  type AckError,
  ErrorCode,
  findMentions,
  HISTORY_PAGE_SIZE,
  type Mentionable,
  type MentionIndex,
  type NewMessagePayload,
} from '@parley/protocol';

import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { CHAT_STORE } from '../storage/storage.module.js';
import type { ChatStore, StoredMessage } from '../storage/chat-store.js';
import { publicUserId } from '../users/public-user-id.js';
import type { RoomMember } from '../users/users.service.js';
import { ByteBoundedLru, estimatePageBytes } from './newest-pages.js';

export interface PostResult {
  message: NewMessagePayload;
  /** A retry of a message already stored: it must not be broadcast again. */
  duplicate: boolean;
}

export interface HistoryPage {
  messages: NewMessagePayload[];
  hasMore: boolean;
  truncated?: boolean;
  /**
   * On a resume: messages the client had that were edited or deleted since it saw its last one
   * (the replayed `messages` already show their own edits and deletes).
   */
  changes?: MessageChange[];
}

/** A message's latest state after an edit or a delete, as `message_edited` / `message_deleted` say. */
export type MessageChange =
  | { id: number; deleted: true; removed: boolean }
  | { id: number; deleted: false; message: string; editedTs: number; mentions: string[] };

/**
 * Changes are looked up from a little before the last message the client saw was written: the
 * nodes of a cluster stamp with their own clocks. Sending a change the client has is harmless.
 */
const CLOCK_SKEW_MARGIN_MS = 5000;

export type EditResult =
  { ok: true; id: number; message: string; editedTs: number; mentions: string[] } | AckError;
export type DeleteResult =
  | {
      ok: true;
      id: number;
      /** An owner or moderator removed someone else's message. */
      removed: boolean;
      author: { userId: string; username: string };
    }
  | AckError;

function toChange(message: StoredMessage): MessageChange {
  return message.deleted
    ? { id: message.id, deleted: true, removed: message.removed }
    : {
        id: message.id,
        deleted: false,
        message: message.message,
        editedTs: message.editedTs ?? message.ts,
        mentions: message.mentions,
      };
}

export function toWireMessage(message: StoredMessage): NewMessagePayload {
  const wire: NewMessagePayload = {
    username: message.username,
    avatar: message.avatar,
    message: message.message,
    id: message.id,
    ts: message.ts,
    user_id: publicUserId(message.sessionId, message.room),
  };
  if (message.clientId !== null) {
    wire.client_id = message.clientId;
  }
  if (message.mentions.length > 0) {
    wire.mentions = message.mentions;
  }
  if (message.editedTs !== null) {
    wire.edited_ts = message.editedTs;
  }
  if (message.deleted) {
    wire.deleted = true;
  }
  if (message.removed) {
    wire.removed = true;
  }
  return wire;
}

const DONE = Promise.resolve();

/**
 * A room's messages: stored before they are broadcast, ids in the order the room sees them,
 * retries recognised by the sender's `client_id`, mentions derived from who is in the room,
 * edits and deletes by their author only.
 */
@Injectable()
export class MessagesService {
  /**
   * A room's writes run one after another, so its ids are handed out, and callers resume, in
   * arrival order (with an asynchronous store two posts could otherwise finish out of order);
   * rooms don't wait for each other. A room's entry goes once its last write is done.
   */
  private readonly tails = new Map<string, Promise<void>>();
  /**
   * The newest page of recently active rooms, so a join storm reads no rows: every newcomer gets
   * this page. Dropped on any change in the room. Only when the store says this process is its
   * only writer (with a shared database other nodes write too). Bounded by bytes (`HISTORY_CACHE_BYTES`), not rooms: a page
   * of 50 messages of 2,000 characters retains 116–213 KB (Latin-1 to emoji), so the former cap
   * of 1,000 rooms let it reach ≈210 MB.
   */
  private readonly newest: ByteBoundedLru<HistoryPage>;
  private readonly keepNewest: boolean;
  /** Counts changes, so a page read while a change was being made is not kept. */
  private changes = 0;

  constructor(
    @Inject(CHAT_STORE) private readonly store: ChatStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.keepNewest = store.onlyWriter;
    this.newest = new ByteBoundedLru(config.historyCacheBytes, (page) =>
      estimatePageBytes(page.messages),
    );
  }

  /** Estimated bytes of the newest pages kept in memory (at most `HISTORY_CACHE_BYTES`). */
  get cachedPageBytes(): number {
    return this.newest.bytes;
  }

  /** Stores a message by `author` in its room; `present` are the people who can be mentioned. */
  post(
    author: RoomMember,
    text: string,
    clientId: string | undefined,
    present: readonly Mentionable[] | MentionIndex,
    now = Date.now(),
  ): Promise<PostResult> {
    return this.serially(author.room, async () => {
      const { message, duplicate } = await this.store.appendMessage({
        room: author.room,
        ts: now,
        sessionId: author.sessionId,
        clientId: clientId ?? null,
        username: author.username,
        avatar: author.avatar,
        message: text,
        mentions: findMentions(text, present),
      });
      if (!duplicate) {
        this.changed(author.room);
      }
      return { message: toWireMessage(message), duplicate };
    });
  }

  /** Changes the text of a message, if `author` wrote it in its room. */
  edit(
    author: RoomMember,
    id: number,
    text: string,
    present: readonly Mentionable[] | MentionIndex,
    now = Date.now(),
  ): Promise<EditResult> {
    return this.serially(author.room, async () => {
      const refused = this.refusal(author, await this.store.getMessage(author.room, id));
      if (refused) {
        return refused;
      }
      const mentions = findMentions(text, present);
      await this.store.editMessage(author.room, id, text, mentions, now);
      this.changed(author.room);
      return { ok: true, id, message: text, editedTs: now, mentions };
    });
  }

  /**
   * Removes a message, if `member` wrote it in its room, or if `mayRemove` says `member` may
   * remove its author's (an owner or moderator); a tombstone keeps its place.
   */
  delete(
    member: RoomMember,
    id: number,
    now = Date.now(),
    mayRemove?: (authorUserId: string) => boolean,
  ): Promise<DeleteResult> {
    return this.serially(member.room, async () => {
      const found = await this.store.getMessage(member.room, id);
      const authorUserId = found && publicUserId(found.sessionId, found.room);
      const removed =
        found !== undefined &&
        found.sessionId !== member.sessionId &&
        authorUserId !== undefined &&
        mayRemove?.(authorUserId) === true;
      const refused = removed ? this.refusal(member, found, true) : this.refusal(member, found);
      if (refused || !found || authorUserId === undefined) {
        return refused ?? ackError(ErrorCode.MessageNotFound);
      }
      await this.store.deleteMessage(member.room, id, now, removed);
      this.changed(member.room);
      return { ok: true, id, removed, author: { userId: authorUserId, username: found.username } };
    });
  }

  /** Removes (as a moderator) the newest `count` messages of a session in `room`; their ids. */
  removeLatestBy(
    room: string,
    sessionId: string,
    count: number,
    now = Date.now(),
  ): Promise<number[]> {
    return this.serially(room, async () => {
      const ids = await this.store.removeLatestBy(room, sessionId, count, now);
      if (ids.length > 0) {
        this.changed(room);
      }
      return ids;
    });
  }

  /** The newest page of `room`, oldest first. */
  async latest(room: string, limit = HISTORY_PAGE_SIZE): Promise<HistoryPage> {
    const usual = this.keepNewest && limit === HISTORY_PAGE_SIZE;
    const kept = usual ? this.newest.get(room) : undefined;
    if (kept) {
      return kept;
    }
    const changesBefore = this.changes;
    const stored = await this.store.latestMessages(room, limit);
    const page = { messages: stored.messages.map(toWireMessage), hasMore: stored.more };
    if (usual && this.changes === changesBefore) {
      this.newest.set(room, page);
    }
    return page;
  }

  /** The page of `room` just older than `beforeId`. */
  async before(room: string, beforeId: number, limit = HISTORY_PAGE_SIZE): Promise<HistoryPage> {
    const page = await this.store.messagesBefore(room, beforeId, limit);
    return { messages: page.messages.map(toWireMessage), hasMore: page.more };
  }

  /**
   * What a client that last saw `afterId` in `room` missed: exactly those messages, or, past the
   * replay cap (or for an offset the room never reached), the newest page marked `truncated` so
   * the client starts over from it.
   */
  async since(room: string, afterId: number): Promise<HistoryPage> {
    const page = await this.store.messagesAfter(room, afterId, this.config.resumeMaxMessages);
    if (page.more) {
      return { ...(await this.latest(room)), truncated: true };
    }
    if (page.messages.length === 0 && afterId > 0) {
      const newest = await this.store.latestMessages(room, 1);
      if (afterId > (newest.messages[0]?.id ?? 0)) {
        return { ...(await this.latest(room)), truncated: true };
      }
    }
    const seen = afterId > 0 ? await this.store.getMessage(room, afterId) : undefined;
    const changed =
      seen !== undefined
        ? await this.store.changedMessages(
            room,
            seen.ts - CLOCK_SKEW_MARGIN_MS,
            afterId,
            this.config.resumeMaxMessages,
          )
        : [];
    return {
      messages: page.messages.map(toWireMessage),
      hasMore: afterId > 0,
      ...(changed.length > 0 ? { changes: changed.map(toChange) } : {}),
    };
  }

  private changed(room: string): void {
    this.changes += 1;
    this.newest.delete(room);
  }

  /** Why `author` may not change `message`, if it may not. */
  private refusal(
    author: RoomMember,
    message: StoredMessage | undefined,
    anyAuthor = false,
  ): AckError | undefined {
    if (!message || message.deleted) {
      return ackError(ErrorCode.MessageNotFound);
    }
    if (!anyAuthor && message.sessionId !== author.sessionId) {
      return ackError(ErrorCode.NotAllowed, 'You can only change your own messages.');
    }
    return undefined;
  }

  private serially<T>(room: string, run: () => Promise<T>): Promise<T> {
    const result = (this.tails.get(room) ?? DONE).then(run, run);
    const settled: Promise<void> = result.then(
      () => this.release(room, settled),
      () => this.release(room, settled),
    );
    this.tails.set(room, settled);
    return result;
  }

  private release(room: string, settled: Promise<void>): void {
    if (this.tails.get(room) === settled) {
      this.tails.delete(room);
    }
  }

  /** Rooms with a write under way or waiting (for tests: idle rooms keep nothing). */
  get roomsWriting(): number {
    return this.tails.size;
  }
}
