import {
  ackError,
  characterCount,
  checkMessage,
  checkUsername,
  ClientEvent,
  ClientFeature,
  ErrorCode,
  HISTORY_PAGE_SIZE,
  MESSAGE_MAX_LENGTH,
  normalizeMessage,
  normalizeUsername,
  roomFromPath,
  ServerEvent,
  type AckError,
  type ClientFeatureName,
  type ClientToServerEvents,
  type MessageProblem,
  type ServerToClientEvents,
  type UpdateUsernameAck,
} from '@parley/protocol';
import { io, type Socket } from 'socket.io-client';

import {
  loadOutbox,
  newClientId,
  removeOutboxEntry,
  saveOutboxEntry,
  type OutboxEntry,
  type OutboxFailure,
} from './outbox';
import { Presence } from './presence.svelte';
import { readItem, writeItem } from './storage';
import {
  buildTimeline,
  mergeById,
  readWireMessage,
  readWireMessages,
  sortNotices,
  type MessageItem,
  type NoticeItem,
  type NoticeKind,
  type TimelineItem,
  type WireMessage,
} from './timeline';

export type { DeliveryStatus, MessageItem, NoticeItem, NoticeKind, TimelineItem } from './timeline';

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'offline';

/** Failures the browser decides on its own, before or instead of a server answer. */
export type LocalErrorCode = 'not_connected' | 'timeout';

export interface LocalError {
  ok: false;
  error: LocalErrorCode;
  message: string;
}

/** A message was queued (it shows in the timeline at once), or refused here with a reason. */
export type SendResult = { ok: true } | AckError;
export type RenameResult = UpdateUsernameAck | LocalError;
/** The answer to an edit or a delete of one of my messages. */
export type ChangeResult = { ok: true } | AckError | LocalError;

/** How long a request may wait for the server's answer. */
export const ACK_TIMEOUT_MS = 8000;
/**
 * How many messages and notices are kept while the reader follows the conversation; older ones
 * are dropped (and can be paged back in) so a long session stays light. Never applied while the
 * reader is scrolled up, so it cannot undo paging back.
 */
export const TIMELINE_LIMIT = 500;
/** Where the session token lives: it brings back the same name after a reload. */
export const SESSION_KEY = 'parley.session';

type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
type StoredMessage = MessageItem & { id: number };

interface HandshakeAuth {
  session?: string;
  server_offset?: number;
  room?: string;
  /** What this app understands beyond the seed's events (e.g. presence in batches). */
  features?: ClientFeatureName[];
}

/** Announced on every connect: this app keeps presence from `presence_changed` batches. */
const FEATURES: readonly ClientFeatureName[] = [ClientFeature.PresenceBatch];

const NOT_CONNECTED: LocalError = {
  ok: false,
  error: 'not_connected',
  message: 'You are not connected right now. Try again once Parley reconnects.',
};

const TIMED_OUT: LocalError = {
  ok: false,
  error: 'timeout',
  message: 'The server did not answer in time.',
};

/**
 * Reads an ack that may not have the shape we expect (an older or newer server): anything that
 * is not a clear success or a refusal with a readable message becomes a generic refusal.
 */
function readAck<T extends { ok: true }>(value: unknown): T | AckError {
  if (typeof value === 'object' && value !== null && 'ok' in value) {
    if (value.ok === true) {
      return value as T;
    }
    if ('message' in value && typeof value.message === 'string' && value.message.length > 0) {
      return value as AckError;
    }
  }
  return ackError(ErrorCode.Internal);
}

/**
 * Avatars come from the server as same-origin paths (or absolute http(s) URLs). Anything else
 * is not shown, so a bad value can never point an image at another scheme.
 */
function safeAvatar(url: unknown): string {
  if (typeof url !== 'string' || url.length === 0) {
    return '';
  }
  try {
    const parsed = new URL(url, window.location.href);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? url : '';
  } catch {
    return '';
  }
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** The check a message passes here before it is sent: why it would be refused, or null. */
function localProblem(
  message: string,
  maxLength: number,
): { error: MessageProblem; message: string } | null {
  const problem = checkMessage(message, maxLength);
  if (problem === ErrorCode.MessageTooLong) {
    const count = characterCount(message).toLocaleString();
    return {
      error: problem,
      message: `That message is too long: ${count} characters, the limit is ${maxLength.toLocaleString()}.`,
    };
  }
  return problem ? { error: problem, message: ackError(problem).message } : null;
}

/** What became of one attempt to send a message. */
type Attempt = { outcome: 'settled' } | { outcome: 'dropped' } | { outcome: 'wait'; ms: number };

/** A refusal with `retry_after` (too many messages): wait that long, then send it again. */
const RATE_LIMITED = 'rate_limited';
/** How long a `rate_limited` refusal asks to wait (a second if it does not say). */
function retryAfterMs(refusal: AckError): number {
  const wait = Number(refusal.retry_after);
  return Number.isFinite(wait) && wait > 0 ? Math.min(wait, 60_000) : 1000;
}

/** A handshake refused by the server (not a network failure) is tried again after this long. */
const REFUSED_RECONNECT_MS = 10_000;
/** After the server itself closed the socket, reconnect after 1 to 2 times this long. */
const SERVER_DISCONNECT_DELAY_MS = 1000;

/**
 * The one chat connection of the page, and everything the interface shows about it.
 *
 * Delivery: every message I write gets a `client_id` and goes to the outbox (kept in
 * localStorage) before anything is sent; it shows at once as pending. It is sent whenever the
 * socket is connected, at most once at a time per id, and leaves the outbox when the server
 * confirms it (ack, or its `new_message` coming back). A retry reuses the id, so the server never
 * stores it twice.
 *
 * History: stored messages are kept by server id; the last id seen is sent back on reconnect
 * (`auth.server_offset`) so the server replays exactly what was missed.
 */
class ChatClient {
  /** Where the connection stands, for the header's badge. */
  connection = $state<ConnectionState>('connecting');
  /** My current name; empty until the server gives me one. */
  username = $state('');
  /** My avatar URL; empty until the server gives me one. */
  avatar = $state('');
  /** My public id: messages carrying it are mine, whatever my name was. */
  userId = $state('');
  /** Stored messages I know of, by id. */
  messages = $state.raw<StoredMessage[]>([]);
  /** My messages the server has not confirmed (pending or failed), in the order written. */
  unsent = $state.raw<MessageItem[]>([]);
  /** A history has arrived: the timeline knows where it stands. */
  synced = $state(false);
  /** Older messages exist on the server before the oldest one shown. */
  hasMore = $state(false);
  /** A page of older messages is on its way. */
  loadingOlder = $state(false);
  /** Why the last page of older messages did not load (empty when it did). */
  olderError = $state('');
  /** The server could not replay everything missed: the timeline started over from the newest. */
  gap = $state(false);
  /** How many messages by others arrived live on this page (for an unread count). */
  received = $state(0);
  /** Longest message this server takes, in characters (it may set its own). */
  messageMaxLength = $state(MESSAGE_MAX_LENGTH);
  /** Who is online in the room and who is typing. */
  readonly presence = new Presence();
  /** The room this page is in (from its URL); null when the URL names no valid room. */
  readonly room: string | null;
  /** Why the server refused the room (empty unless it did): the page shows an error instead. */
  roomError = $state('');
  /** How many messages mentioning me arrived live on this page. */
  mentionsReceived = $state(0);
  /** The latest message that mentioned me and arrived live (for a notification). */
  lastMention = $state.raw<MessageItem | null>(null);

  #notices = $state.raw<NoticeItem[]>([]);

  /** Messages, notices and my unsent messages, in display order. */
  timeline: TimelineItem[] = $derived(buildTimeline(this.messages, this.#notices, this.unsent));

  readonly #socket: ChatSocket;
  #seq = 1;
  #everConnected = false;
  /** Counts connections, so an answer lost with an old one is told from a timeout. */
  #connections = 0;
  #session: string | null;
  /** Client ids with a `send_message` awaiting its answer: never two at once for one id. */
  readonly #inFlight = new Set<string>();
  /** Pending messages are being sent, one at a time, oldest first. */
  #pumping = false;
  /** Set while waiting out a rate limit before sending again. */
  #resendTimer: ReturnType<typeof setTimeout> | undefined;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  /** The current connection will get a `history` (it was not recovered by Socket.IO). */
  #awaitingHistory = false;
  /** The `server_offset` the current connection asked to resume from, if any. */
  #resumeFrom: number | undefined;
  /** Every message up to this id has been received: the offset to resume from. */
  #confirmedId = 0;
  /** Notices that came before this connection's `history`; they belong after its messages. */
  readonly #floating = new Set<string>();
  /** Bumped when the timeline starts over or is trimmed: a page loaded meanwhile is stale. */
  #epoch = 0;
  /** The reader is at the newest message (the list tells us): only then is the timeline capped. */
  #following = true;

  constructor(room: string | null) {
    this.room = room;
    this.#session = readItem(SESSION_KEY);
    this.unsent = (room ? loadOutbox(room) : []).map((entry) => {
      // A stored entry that would be refused anyway waits for the person instead of being sent.
      const problem = entry.failure ? null : localProblem(entry.text, MESSAGE_MAX_LENGTH);
      return this.#unsentItem(problem ? { ...entry, failure: problem } : entry);
    });
    this.#socket = io({
      autoConnect: false,
      // Read at every (re)connect attempt, so a reconnect resumes from the last message seen.
      auth: (callback) => callback(this.#handshakeAuth()),
    });
    this.#wire();
    this.presence.attach(this.#socket, safeAvatar);
  }

  get connected(): boolean {
    return this.connection === 'connected';
  }

  /** Opens the connection (once; later calls while connected or trying do nothing). */
  connect(): void {
    if (!this.room || this.roomError || this.#socket.connected || this.#socket.active) {
      return;
    }
    this.connection = this.#everConnected ? 'reconnecting' : 'connecting';
    this.#socket.connect();
  }

  /** Closes the connection for good (until {@link connect} is called again). */
  disconnect(): void {
    clearTimeout(this.#reconnectTimer);
    clearTimeout(this.#resendTimer);
    this.#resendTimer = undefined;
    this.#socket.disconnect();
    this.connection = 'offline';
  }

  /**
   * Queues a message: it shows at once as pending and goes out as soon as the connection allows.
   * Refused here only when the server would refuse it too (empty, too long).
   */
  send(raw: string): SendResult {
    const message = normalizeMessage(raw);
    const problem = localProblem(message, this.messageMaxLength);
    if (problem) {
      return ackError(problem.error, problem.message);
    }
    const item = this.#unsentItem({
      clientId: newClientId(),
      text: message,
      createdAt: Date.now(),
    });
    this.unsent = [...this.unsent, item];
    this.#save(item);
    this.#flush();
    return { ok: true };
  }

  /** Sends a failed message again, with the same id (the server will not store it twice). */
  retry(clientId: string): void {
    const item = this.unsent.find((unsent) => unsent.clientId === clientId);
    if (!item || item.status !== 'failed') {
      return;
    }
    this.#replaceUnsent({ ...item, status: 'pending', failure: null });
    this.#flush();
  }

  /** Forgets an unsent message (one on its way cannot be called back). */
  discard(clientId: string): void {
    if (this.#inFlight.has(clientId)) {
      return;
    }
    this.#removeUnsent(clientId);
  }

  /** Forgets an unsent message and hands back its text, e.g. to edit it in the composer. */
  takeBack(clientId: string): string | null {
    const item = this.unsent.find((unsent) => unsent.clientId === clientId);
    if (!item || this.#inFlight.has(clientId)) {
      return null;
    }
    this.#removeUnsent(clientId);
    return item.text;
  }

  /**
   * Asks for a new name. Resolves with the server's answer (its `username` is the name as the
   * server stored it), or a refusal decided here. Never rejects.
   */
  async rename(raw: string): Promise<RenameResult> {
    const username = normalizeUsername(raw);
    const problem = checkUsername(username);
    if (problem) {
      return ackError(problem.error, problem.message);
    }
    if (username === this.username) {
      return { ok: true, username };
    }
    if (!this.#socket.connected) {
      return NOT_CONNECTED;
    }
    try {
      const answer: unknown = await this.#socket
        .timeout(ACK_TIMEOUT_MS)
        .emitWithAck(ClientEvent.UpdateUsername, { username });
      const result = readAck<{ ok: true; username: string }>(answer);
      if (result.ok) {
        if (typeof result.username !== 'string' || result.username.length === 0) {
          return { ok: true, username: this.username };
        }
        this.#setMyName(result.username, this.avatar);
      }
      return result;
    } catch {
      return { ...TIMED_OUT, message: `${TIMED_OUT.message} Please try again.` };
    }
  }

  /** Loads the page of messages just older than the oldest shown. Never rejects. */
  async loadOlder(): Promise<void> {
    const oldest = this.messages[0];
    if (this.loadingOlder || !this.hasMore || !oldest || !this.#socket.connected) {
      return;
    }
    const epoch = this.#epoch;
    this.loadingOlder = true;
    this.olderError = '';
    try {
      let result: { ok: true; messages: unknown; has_more: unknown } | AckError;
      for (;;) {
        const answer: unknown = await this.#socket
          .timeout(ACK_TIMEOUT_MS)
          .emitWithAck(ClientEvent.LoadHistory, { before: oldest.id, limit: HISTORY_PAGE_SIZE });
        if (epoch !== this.#epoch) {
          return;
        }
        result = readAck<{ ok: true; messages: unknown; has_more: unknown }>(answer);
        if (result.ok || result.error !== RATE_LIMITED) {
          break;
        }
        // Scrolling back faster than the server allows: the page comes a moment later.
        const wait = retryAfterMs(result);
        await new Promise((resolve) => setTimeout(resolve, wait));
        if (epoch !== this.#epoch || !this.#socket.connected) {
          return;
        }
      }
      if (!result.ok) {
        this.olderError = result.message;
        return;
      }
      const page = readWireMessages(result.messages, safeAvatar).filter(
        (message) => message.id < oldest.id,
      );
      this.#addMessages(page, false);
      this.hasMore = result.has_more === true;
      if (page.length > 0) {
        // What was skipped is being filled in from the top.
        this.gap = false;
      }
    } catch {
      if (epoch === this.#epoch) {
        this.olderError = 'Earlier messages could not be loaded.';
      }
    } finally {
      this.loadingOlder = false;
    }
  }

  /** The list reports whether the reader is at the newest message; the cap applies only then. */
  setFollowing(following: boolean): void {
    this.#following = following;
    if (following) {
      this.#trim();
    }
  }

  #handshakeAuth(): HandshakeAuth {
    const auth: HandshakeAuth = { features: [...FEATURES] };
    if (this.room) {
      auth.room = this.room;
    }
    const session = this.#session ?? readItem(SESSION_KEY);
    if (session) {
      auth.session = session;
    }
    // Only once a history has told us where we stand; before that, the newest page is wanted.
    this.#resumeFrom = this.synced ? this.#confirmedId : undefined;
    if (this.#resumeFrom !== undefined) {
      auth.server_offset = this.#resumeFrom;
    }
    return auth;
  }

  #scheduleReconnect(delayMs: number): void {
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      this.connect();
    }, delayMs);
  }

  #wire(): void {
    const socket = this.#socket;

    socket.on('connect', () => {
      this.#everConnected = true;
      this.#connections += 1;
      this.connection = 'connected';
      // A recovered socket keeps its state: Socket.IO replays what it missed, no history comes.
      this.#awaitingHistory = !socket.recovered;
      if (socket.recovered) {
        this.#floating.clear();
      }
      this.#flush();
    });

    socket.on('disconnect', (reason) => {
      if (reason === 'io client disconnect') {
        this.connection = 'offline';
        return;
      }
      this.connection = navigator.onLine ? 'reconnecting' : 'offline';
      if (reason === 'io server disconnect') {
        // The server closed this socket itself (e.g. cut for flooding); Socket.IO leaves
        // reconnecting to us. Not at once: a moment later, at a random point so a whole room
        // does not knock at the same instant.
        this.#scheduleReconnect(SERVER_DISCONNECT_DELAY_MS * (1 + Math.random()));
      }
    });

    socket.on('connect_error', (error) => {
      if (error.message === ErrorCode.RoomInvalid) {
        // Not worth trying again: this room name will never be taken.
        const data: unknown = 'data' in error ? error.data : undefined;
        this.roomError =
          typeof data === 'object' && data !== null && 'message' in data
            ? text(data.message) || 'That room name is not valid.'
            : 'That room name is not valid.';
        this.connection = 'offline';
        socket.disconnect();
        return;
      }
      if (!socket.active) {
        // Refused by the server itself (too many connections, or it failed): Socket.IO will not
        // try again on its own, so we do, after the wait the server asked for.
        this.connection = 'offline';
        const data: unknown = 'data' in error ? error.data : undefined;
        const retryAfter =
          typeof data === 'object' && data !== null && 'retry_after' in data
            ? Number(data.retry_after)
            : NaN;
        this.#scheduleReconnect(
          Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : REFUSED_RECONNECT_MS,
        );
      } else if (!navigator.onLine) {
        this.connection = 'offline';
      } else {
        this.connection = this.#everConnected ? 'reconnecting' : 'connecting';
      }
    });

    window.addEventListener('offline', () => {
      if (!socket.connected) {
        this.connection = 'offline';
      }
    });
    window.addEventListener('online', () => {
      if (!socket.connected && socket.active) {
        this.connection = this.#everConnected ? 'reconnecting' : 'connecting';
      }
    });

    socket.on(ServerEvent.SetUsername, (payload) => {
      const username = text(payload?.username);
      if (!username) {
        return;
      }
      const session = text(payload.session);
      if (session) {
        this.#session = session;
        writeItem(SESSION_KEY, session);
      }
      const maxLength = payload.limits?.message_max_length;
      if (typeof maxLength === 'number' && Number.isSafeInteger(maxLength) && maxLength > 0) {
        this.messageMaxLength = maxLength;
      }
      const userId = text(payload.user_id);
      if (userId !== this.userId) {
        this.userId = userId;
        this.#refreshMine();
      }
      this.#setMyName(username, safeAvatar(payload.avatar));
      if (userId) {
        this.presence.setSelf({ userId, username, avatar: safeAvatar(payload.avatar) });
      }
      // The room hears of my arrival just before I learn my name: mark that notice as mine.
      const index = this.#notices.findLastIndex(
        (item) => item.kind === 'joined' && item.username === username,
      );
      const joined = this.#notices[index];
      if (joined && !joined.mine) {
        const notices = this.#notices.slice();
        notices[index] = { ...joined, mine: true };
        this.#notices = notices;
      }
    });

    socket.on(ServerEvent.History, (payload) => {
      const page = readWireMessages(payload?.messages, safeAvatar);
      const truncated = payload?.truncated === true;
      const resumed = this.#resumeFrom !== undefined && !truncated;
      // A long replay comes a page per `history`, oldest first: until its last page, live
      // messages neither confirm an offset nor place the notices heard meanwhile.
      const moreFollows = payload?.more_follows === true;
      this.#awaitingHistory = moreFollows;
      if (truncated) {
        const seenUpTo = this.#confirmedId;
        this.#startOver();
        // Skipped: messages between the last one seen and this page, which does not reach back.
        const first = page[0]?.id;
        this.gap = payload.has_more === true && first !== undefined && first > seenUpTo + 1;
      }
      // Replayed messages were missed while away: they count as new. A first page does not.
      this.#addMessages(page, resumed);
      if (!resumed) {
        this.hasMore = payload?.has_more === true;
      }
      if (moreFollows) {
        this.#trim();
        return;
      }
      // Notices heard on this connection before its history happened after all of it.
      const lastId = page.reduce((max, message) => Math.max(max, message.id), 0);
      if (this.#floating.size > 0) {
        this.#notices = sortNotices(
          this.#notices.map((notice) =>
            this.#floating.has(notice.key) && notice.afterId < lastId
              ? { ...notice, afterId: lastId }
              : notice,
          ),
        );
        this.#floating.clear();
      }
      this.#confirmedId = Math.max(
        truncated ? 0 : this.#confirmedId,
        this.messages.at(-1)?.id ?? 0,
      );
      this.synced = true;
      this.#trim();
    });

    socket.on(ServerEvent.UserJoined, (payload) => {
      const username = text(payload?.username);
      if (username) {
        this.#notice('joined', username, `${username} joined`, username === this.username);
      }
    });

    socket.on(ServerEvent.UserLeft, (payload) => {
      const username = text(payload?.username);
      if (username) {
        this.#notice('left', username, `${username} left`, username === this.username);
      }
    });

    // `presence_changed` (a big room's joins and leaves, in batches) adds no notices: one line per
    // person is the flood batching is there to spare. The online list and its count follow it.

    socket.on(ServerEvent.UsernameUpdated, (payload) => {
      const oldName = text(payload?.old_username);
      const newName = text(payload?.new_username);
      if (!oldName || !newName) {
        return;
      }
      const mine = oldName === this.username;
      if (mine) {
        // The broadcast may come before the ack.
        this.#setMyName(newName, payload.avatar ? safeAvatar(payload.avatar) : this.avatar);
      }
      this.#notice('renamed', newName, `${oldName} is now ${newName}`, mine);
    });

    socket.on(ServerEvent.NewMessage, (payload) => {
      const message = readWireMessage(payload, safeAvatar);
      if (!message) {
        return;
      }
      this.#addMessages([message], true);
      if (!this.#awaitingHistory) {
        // Messages come in id order on one connection, so all up to this one have been seen.
        // Not while a history is due: it may still hold older ones this connection missed.
        this.#confirmedId = Math.max(this.#confirmedId, message.id);
      }
      this.#trim();
    });

    socket.on(ServerEvent.MessageEdited, (payload) => {
      // An absent `mentions` means the new text mentions nobody.
      this.#applyEdit(payload?.id, payload?.message, payload?.edited_ts, payload?.mentions ?? []);
    });

    socket.on(ServerEvent.MessageDeleted, (payload) => {
      this.#applyDelete(payload?.id);
    });

    socket.on(ServerEvent.RequestRefused, (payload) => {
      // This app always passes acks, so this is about the connection (e.g. cut for flooding).
      console.warn('Parley: request refused', payload);
    });
  }

  // ------------------------------------------------------------------------------------------
  // Stored messages
  // ------------------------------------------------------------------------------------------

  #isMine(userId: string, username: string): boolean {
    if (this.userId && userId) {
      return userId === this.userId;
    }
    // A server that does not say who wrote what: fall back to the name.
    return username.length > 0 && username === this.username;
  }

  /**
   * Adds messages from the server (duplicates are merged by id). One of mine that is still in
   * the outbox leaves it and takes over its row.
   */
  #addMessages(wires: readonly WireMessage[], fresh: boolean): void {
    if (wires.length === 0) {
      return;
    }
    const items = wires.map((wire): StoredMessage => {
      const unsent = this.#takeConfirmed(wire);
      return {
        kind: 'message',
        key: unsent?.key ?? `m${wire.id}`,
        id: wire.id,
        ts: wire.ts,
        username: wire.username,
        avatar: wire.avatar,
        text: wire.message,
        userId: wire.userId,
        clientId: wire.clientId,
        mine: this.#isMine(wire.userId, wire.username),
        status: 'sent',
        failure: null,
        seq: unsent?.seq ?? this.#seq++,
        fresh: unsent ? true : fresh,
        editedTs: wire.editedTs,
        deleted: wire.deleted,
        mentions: wire.mentions,
        mentionsMe: false,
      };
    });
    const { merged, added } = mergeById(
      this.messages,
      items.map((item) => this.#withMention(item)),
    );
    this.messages = merged;
    if (fresh) {
      this.received += added.filter((message) => !message.mine).length;
      const mentioning = added.filter((message) => message.mentionsMe);
      if (mentioning.length > 0) {
        this.mentionsReceived += mentioning.length;
        this.lastMention = mentioning.at(-1) ?? null;
      }
    }
  }

  /** Marks a message that mentions me (never one of mine). */
  #withMention<T extends MessageItem>(item: T): T {
    const mentionsMe =
      !item.mine && !item.deleted && this.userId !== '' && item.mentions.includes(this.userId);
    return mentionsMe === item.mentionsMe ? item : { ...item, mentionsMe };
  }

  /** Applies a change to the stored message with this id (if it is here). */
  #updateMessage(id: number, change: (message: StoredMessage) => StoredMessage): void {
    const index = this.messages.findIndex((message) => message.id === id);
    const message = this.messages[index];
    if (!message) {
      return;
    }
    const messages = this.messages.slice();
    messages[index] = this.#withMention(change(message));
    this.messages = messages;
  }

  /** `mentions` undefined: keep the ones known (our own ack carries none). */
  #applyEdit(id: unknown, message: unknown, editedTs: unknown, mentions?: unknown): void {
    if (typeof id !== 'number' || typeof message !== 'string' || message.length === 0) {
      return;
    }
    const ts = typeof editedTs === 'number' && Number.isFinite(editedTs) ? editedTs : Date.now();
    this.#updateMessage(id, (item) =>
      item.deleted || (item.editedTs !== null && item.editedTs > ts)
        ? item
        : {
            ...item,
            text: message,
            editedTs: ts,
            // The server re-derives mentions from the new text.
            mentions: Array.isArray(mentions)
              ? mentions.filter((entry): entry is string => typeof entry === 'string')
              : item.mentions,
          },
    );
  }

  #applyDelete(id: unknown): void {
    if (typeof id !== 'number') {
      return;
    }
    this.#updateMessage(id, (item) => ({ ...item, text: '', deleted: true, mentionsMe: false }));
  }

  /** Changes the text of one of my sent messages. Resolves with the outcome; never rejects. */
  async editMessage(id: number, raw: string): Promise<ChangeResult> {
    const message = normalizeMessage(raw);
    const problem = localProblem(message, this.messageMaxLength);
    if (problem) {
      return ackError(problem.error, problem.message);
    }
    if (!this.#socket.connected) {
      return NOT_CONNECTED;
    }
    try {
      const answer: unknown = await this.#socket
        .timeout(ACK_TIMEOUT_MS)
        .emitWithAck(ClientEvent.EditMessage, { id, message });
      const result = readAck<{ ok: true; id: number; edited_ts: number }>(answer);
      if (result.ok) {
        this.#applyEdit(id, message, result.edited_ts);
        return { ok: true };
      }
      return result;
    } catch {
      return { ...TIMED_OUT, message: `${TIMED_OUT.message} Please try again.` };
    }
  }

  /** Deletes one of my sent messages (a tombstone stays). Resolves with the outcome. */
  async deleteMessage(id: number): Promise<ChangeResult> {
    if (!this.#socket.connected) {
      return NOT_CONNECTED;
    }
    try {
      const answer: unknown = await this.#socket
        .timeout(ACK_TIMEOUT_MS)
        .emitWithAck(ClientEvent.DeleteMessage, { id });
      const result = readAck<{ ok: true; id: number }>(answer);
      if (result.ok) {
        this.#applyDelete(id);
        return { ok: true };
      }
      return result;
    } catch {
      return { ...TIMED_OUT, message: `${TIMED_OUT.message} Please try again.` };
    }
  }

  /** The unsent message this stored one confirms, taken out of the outbox; or null. */
  #takeConfirmed(wire: WireMessage): MessageItem | null {
    if (!wire.clientId || (wire.userId && this.userId && wire.userId !== this.userId)) {
      return null;
    }
    const item = this.unsent.find((unsent) => unsent.clientId === wire.clientId);
    if (!item) {
      return null;
    }
    this.#removeUnsent(wire.clientId);
    return item;
  }

  #refreshMine(): void {
    let changed = false;
    const messages = this.messages.map((message) => {
      const mine = this.#isMine(message.userId, message.username);
      const updated = this.#withMention(mine === message.mine ? message : { ...message, mine });
      if (updated === message) {
        return message;
      }
      changed = true;
      return updated;
    });
    if (changed) {
      this.messages = messages;
    }
  }

  /** Drops the timeline (but not my unsent messages) to start over from a fresh page. */
  #startOver(): void {
    this.#epoch += 1;
    this.messages = [];
    this.#notices = this.#notices.filter((notice) => this.#floating.has(notice.key));
    this.hasMore = false;
    this.gap = false;
    this.olderError = '';
  }

  /** Keeps the newest {@link TIMELINE_LIMIT} messages and notices, while the reader follows. */
  #trim(): void {
    if (!this.#following || this.messages.length + this.#notices.length <= TIMELINE_LIMIT) {
      return;
    }
    const ordered = buildTimeline(this.messages, this.#notices, []);
    const kept = new Set(ordered.slice(-TIMELINE_LIMIT).map((item) => item.key));
    const messages = this.messages.filter((message) => kept.has(message.key));
    if (messages.length < this.messages.length) {
      // They are still on the server: paging back brings them again.
      this.hasMore = true;
    }
    this.messages = messages;
    this.#notices = this.#notices.filter((notice) => kept.has(notice.key));
    this.gap = false;
    this.#epoch += 1;
  }

  #notice(kind: NoticeKind, username: string, sentence: string, mine: boolean): void {
    const notice: NoticeItem = {
      kind,
      key: `n${this.#seq}`,
      afterId: this.messages.at(-1)?.id ?? 0,
      at: Date.now(),
      username,
      text: sentence,
      mine,
      seq: this.#seq++,
      fresh: true,
    };
    if (this.#awaitingHistory) {
      this.#floating.add(notice.key);
    }
    this.#notices = [...this.#notices, notice];
    this.#trim();
  }

  #setMyName(username: string, avatar: string): void {
    this.username = username;
    this.avatar = avatar;
    if (this.unsent.some((item) => item.username !== username || item.avatar !== avatar)) {
      this.unsent = this.unsent.map((item) => ({ ...item, username, avatar }));
    }
  }

  // ------------------------------------------------------------------------------------------
  // The outbox
  // ------------------------------------------------------------------------------------------

  #unsentItem(entry: OutboxEntry): MessageItem {
    return {
      kind: 'message',
      key: `c${entry.clientId}`,
      id: null,
      ts: entry.createdAt,
      username: this.username,
      avatar: this.avatar,
      text: entry.text,
      userId: this.userId,
      clientId: entry.clientId,
      mine: true,
      status: entry.failure ? 'failed' : 'pending',
      failure: entry.failure ?? null,
      seq: this.#seq++,
      fresh: true,
      editedTs: null,
      deleted: false,
      mentions: [],
      mentionsMe: false,
    };
  }

  #save(item: MessageItem): void {
    if (!item.clientId) {
      return;
    }
    const entry: OutboxEntry = { clientId: item.clientId, text: item.text, createdAt: item.ts };
    if (item.status === 'failed' && item.failure) {
      // Only a real failure is kept; a pending message's note (slowed down) is not.
      entry.failure = item.failure;
    }
    if (this.room) {
      saveOutboxEntry(this.room, entry);
    }
  }

  #replaceUnsent(item: MessageItem): void {
    this.unsent = this.unsent.map((unsent) => (unsent.clientId === item.clientId ? item : unsent));
    this.#save(item);
  }

  #removeUnsent(clientId: string): void {
    this.unsent = this.unsent.filter((item) => item.clientId !== clientId);
    if (this.room) {
      removeOutboxEntry(this.room, clientId);
    }
  }

  /**
   * Starts sending pending messages if it can: connected, not already at it, not waiting out a
   * rate limit.
   */
  #flush(): void {
    if (this.#pumping || this.#resendTimer !== undefined || !this.#socket.connected) {
      return;
    }
    void this.#pump();
  }

  /**
   * Sends pending messages one at a time, oldest first, each after the previous one's answer:
   * the room sees them in the order they were written, even when the server slows us down.
   */
  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      const tried: string[] = [];
      while (this.#socket.connected) {
        const next = this.unsent.find(
          (item) => item.status === 'pending' && item.clientId && !tried.includes(item.clientId),
        );
        if (!next?.clientId) {
          break;
        }
        const attempt = await this.#deliver(next.clientId, next.text);
        if (attempt.outcome === 'dropped') {
          // The connection went: the next one picks up from here.
          break;
        }
        if (attempt.outcome === 'wait') {
          this.#resendTimer = setTimeout(() => {
            this.#resendTimer = undefined;
            this.#flush();
          }, attempt.ms);
          break;
        }
        tried.push(next.clientId);
      }
    } finally {
      this.#pumping = false;
    }
  }

  async #deliver(clientId: string, message: string): Promise<Attempt> {
    const connection = this.#connections;
    this.#inFlight.add(clientId);
    let answer: unknown;
    try {
      answer = await this.#socket
        .timeout(ACK_TIMEOUT_MS)
        .emitWithAck(ClientEvent.SendMessage, { message, client_id: clientId });
    } catch {
      if (connection !== this.#connections || !this.#socket.connected) {
        // Lost with the connection: still pending, it goes again (same id) once back.
        return { outcome: 'dropped' };
      }
      this.#fail(clientId, { error: TIMED_OUT.error, message: TIMED_OUT.message });
      return { outcome: 'settled' };
    } finally {
      this.#inFlight.delete(clientId);
    }
    const result = readAck<{ ok: true; id: number; ts: number }>(answer);
    if (result.ok) {
      this.#confirm(clientId, result.id, result.ts);
      return { outcome: 'settled' };
    }
    if (result.error === RATE_LIMITED) {
      // Not a failure: it stays pending, with the reason, and goes again when allowed.
      const item = this.unsent.find((unsent) => unsent.clientId === clientId);
      if (item) {
        this.#replaceUnsent({ ...item, failure: { error: result.error, message: result.message } });
      }
      return { outcome: 'wait', ms: retryAfterMs(result) };
    }
    this.#fail(clientId, { error: result.error, message: result.message });
    return { outcome: 'settled' };
  }

  /** The server stored it: it leaves the outbox and takes its place by id. */
  #confirm(clientId: string, id: unknown, ts: unknown): void {
    const item = this.unsent.find((unsent) => unsent.clientId === clientId);
    if (!item) {
      // Already confirmed by its `new_message` (the usual order), or discarded meanwhile.
      return;
    }
    this.#removeUnsent(clientId);
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0) {
      return;
    }
    const oldest = this.messages[0];
    if (
      !this.synced ||
      this.messages.some((message) => message.id === id) ||
      (this.hasMore && oldest && id < oldest.id)
    ) {
      // The history on its way, or a page further back, holds it: adding it here would leave a
      // hole in the ids that paging back relies on.
      return;
    }
    const sent: StoredMessage = {
      ...item,
      id,
      ts: typeof ts === 'number' && Number.isFinite(ts) ? ts : item.ts,
      userId: this.userId,
      status: 'sent',
      failure: null,
    };
    this.messages = mergeById(this.messages, [sent]).merged;
    this.#trim();
  }

  #fail(clientId: string, failure: OutboxFailure): void {
    const item = this.unsent.find((unsent) => unsent.clientId === clientId);
    if (item) {
      this.#replaceUnsent({ ...item, status: 'failed', failure });
    }
  }
}

/** The page's chat: one connection shared by every component. */
export const chat = new ChatClient(roomFromPath(window.location.pathname) ?? null);
