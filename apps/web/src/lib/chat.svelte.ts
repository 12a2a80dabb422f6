import {
  ackError,
  checkUsername,
  ClientEvent,
  ClientFeature,
  ErrorCode,
  MESSAGE_MAX_LENGTH,
  normalizeMessage,
  normalizeUsername,
  ServerEvent,
  type AckError,
  type ClientFeatureName,
  type UpdateUsernameAck,
} from '@parley/protocol';

import { Connection, type Network, type SocketFactory } from './connection.svelte';
import type { IgnoreStore } from './ignore-list.svelte';
import { Moderation } from './moderation.svelte';
import { Outbox, type OutboxStore } from './outbox.svelte';
import { Presence } from './presence.svelte';
import { RoomDirectory } from './room-directory.svelte';
import { Timeline } from './timeline.svelte';
import { readWireMessage } from './timeline-items';
import {
  ACK_TIMEOUT_MS,
  localProblem,
  NOT_CONNECTED,
  readAck,
  text,
  TIMED_OUT_RETRY,
  type AckResult,
  type ChatSocket,
  type LocalError,
} from './wire';

export type { ConnectionState } from './connection.svelte';
export type {
  DeliveryStatus,
  MessageItem,
  NoticeItem,
  NoticeKind,
  TimelineItem,
} from './timeline-items';
export type { LocalError, LocalErrorCode } from './wire';
export { ACK_TIMEOUT_MS } from './wire';
export { TIMELINE_LIMIT } from './timeline.svelte';

/** A message was queued (it shows in the timeline at once), or refused here with a reason. */
export type SendResult = AckResult;
export type RenameResult = UpdateUsernameAck | LocalError;
/** The answer to an edit or a delete of one of my messages. */
export type ChangeResult = { ok: true } | AckError | LocalError;

/** `emitWithAck` for an event named at run time (the moderation store's requests). */
type AnyEmit = (event: string, payload: object) => Promise<unknown>;

/** Where the session token lives: it brings back the same name after a reload. */
export const SESSION_KEY = 'parley.session';

/** Announced on every connect: this app keeps presence from `presence_changed` batches. */
const FEATURES: readonly ClientFeatureName[] = [ClientFeature.PresenceBatch];

interface HandshakeAuth {
  session?: string;
  server_offset?: number;
  room?: string;
  /** What this app understands beyond the tutorial's events (e.g. presence in batches). */
  features?: ClientFeatureName[];
  /** A locked room's invite (from the invite link). */
  invite?: string;
}

/** Where this room's invite is kept (localStorage per room): reloads of a locked room work. */
export interface InviteStore {
  read(): string | null;
  write(invite: string): void;
  clear(): void;
}

/** What the page's chat is made with; tests pass fakes. */
export interface ChatDeps {
  /** The room this page is in (from its URL); null when the URL names no valid room. */
  room: string | null;
  createSocket: SocketFactory;
  network: Network;
  /** The session token's storage (localStorage in the page). */
  session: { read(): string | null; write(token: string): void };
  /** This room's outbox storage. */
  outbox: OutboxStore;
  newClientId: () => string;
  safeAvatar: (url: unknown) => string;
  /** This room's invite, if I came by an invite link (none in tests that do not say). */
  invite?: InviteStore;
  /** This room's ignore list (never sent anywhere). */
  ignoreStore?: IgnoreStore;
  now?: () => number;
  random?: () => number;
}

/**
 * The page's chat, composed of small stores: the {@link Connection} (socket, reconnects), the
 * {@link Outbox} (my unsent messages), the {@link Timeline} (the conversation, resume offset,
 * paging) and {@link Presence} (who is here and typing). This root holds who I am, routes the
 * server's events to the store that owns them, and makes the requests that change the room.
 */
export class ChatClient {
  /** My current name; empty until the server gives me one. */
  username = $state('');
  /** My avatar URL; empty until the server gives me one. */
  avatar = $state('');
  /** My public id: messages carrying it are mine, whatever my name was. */
  userId = $state('');
  /** Longest message this server takes, in characters (it may set its own). */
  messageMaxLength = $state(MESSAGE_MAX_LENGTH);
  readonly room: string | null;
  readonly presence = new Presence();
  readonly connection: Connection;
  readonly outbox: Outbox;
  readonly timeline: Timeline;
  /** The rooms people are in now, for the room switcher (asked for when it opens). */
  readonly rooms: RoomDirectory;
  /** Roles, the room's settings, my restrictions, the report queue, my ignore list. */
  readonly moderation: Moderation;
  readonly #deps: ChatDeps;
  #session: string | null;
  #seq = 1;

  constructor(deps: ChatDeps) {
    this.#deps = deps;
    this.room = deps.room;
    this.#session = deps.session.read();
    const nextSeq = () => this.#seq++;
    this.connection = new Connection(
      deps.createSocket,
      () => this.#handshakeAuth(),
      deps.network,
      deps.random,
    );
    this.outbox = new Outbox({
      connection: this.connection,
      store: deps.outbox,
      author: this,
      nextSeq,
      onStored: (item, id, ts) => this.timeline.stored(item, id, ts),
      onSent: () => this.moderation.sent(),
      onRefused: (refusal) => this.moderation.refused(refusal),
      newClientId: deps.newClientId,
      now: deps.now,
    });
    this.timeline = new Timeline({
      connection: this.connection,
      reader: this,
      takeConfirmed: (clientId, userId) => this.outbox.takeConfirmed(clientId, userId),
      unsent: () => this.outbox.unsent,
      nextSeq,
      safeAvatar: deps.safeAvatar,
      ignores: (userId) => this.moderation.ignored.has(userId),
      now: deps.now,
    });
    this.rooms = new RoomDirectory(this.connection, deps.now);
    this.moderation = new Moderation({
      request: (event, payload) =>
        this.#request((socket) => (socket.emitWithAck as AnyEmit)(event, payload)),
      ignoreStore: deps.ignoreStore ?? { read: () => null, write: () => undefined },
      me: this,
      notice: (sentence, aboutMe, userId) =>
        this.timeline.notice('moderation', '', sentence, aboutMe, userId),
      now: deps.now,
    });
    this.moderation.attach(this.connection.socket);
    this.#wire();
    this.presence.attach(this.connection.socket, deps.safeAvatar);
  }

  get connected(): boolean {
    return this.connection.connected;
  }

  /** Opens the connection (once; later calls while connected or trying do nothing). */
  connect(): void {
    if (this.room) {
      this.connection.connect();
    }
  }

  /** Tries the room again after a kick's wait or a ban's end, or with a new invite. */
  rejoin(invite?: string): void {
    if (invite) {
      this.#deps.invite?.write(invite);
    }
    this.moderation.rejoin();
    this.connection.connect();
  }

  /** Closes the connection for good (until {@link connect} is called again). */
  disconnect(): void {
    this.moderation.dispose();
    this.outbox.stop();
    this.connection.disconnect();
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
    const result = await this.#request<{ ok: true; username: string }>((socket) =>
      socket.emitWithAck(ClientEvent.UpdateUsername, { username }),
    );
    if (result.ok) {
      if (typeof result.username !== 'string' || result.username.length === 0) {
        return { ok: true, username: this.username };
      }
      this.#setMyName(result.username, this.avatar);
    }
    return result;
  }

  /** Changes the text of one of my sent messages. Resolves with the outcome; never rejects. */
  async editMessage(id: number, raw: string): Promise<ChangeResult> {
    const message = normalizeMessage(raw);
    const problem = localProblem(message, this.messageMaxLength);
    if (problem) {
      return ackError(problem.error, problem.message);
    }
    const result = await this.#request<{ ok: true; id: number; edited_ts: number }>((socket) =>
      socket.emitWithAck(ClientEvent.EditMessage, { id, message }),
    );
    if (!result.ok) {
      return result;
    }
    this.timeline.edited(id, message, result.edited_ts);
    return { ok: true };
  }

  /** Deletes one of my sent messages (a tombstone stays). Resolves with the outcome. */
  async deleteMessage(id: number): Promise<ChangeResult> {
    const result = await this.#request<{ ok: true; id: number }>((socket) =>
      socket.emitWithAck(ClientEvent.DeleteMessage, { id }),
    );
    if (!result.ok) {
      return result;
    }
    this.timeline.deleted(id);
    return { ok: true };
  }

  /** A request with an ack; refused here when not connected or when no answer comes. */
  async #request<T extends { ok: true }>(
    send: (socket: ReturnType<ChatSocket['timeout']>) => Promise<unknown>,
  ): Promise<T | AckError | LocalError> {
    const socket = this.connection.socket;
    if (!socket.connected) {
      return NOT_CONNECTED;
    }
    try {
      return readAck<T>(await send(socket.timeout(ACK_TIMEOUT_MS)));
    } catch {
      return TIMED_OUT_RETRY;
    }
  }

  #handshakeAuth(): HandshakeAuth {
    const auth: HandshakeAuth = { features: [...FEATURES] };
    if (this.room) {
      auth.room = this.room;
    }
    const session = this.#session ?? this.#deps.session.read();
    if (session) {
      auth.session = session;
    }
    const invite = this.#deps.invite?.read();
    if (invite) {
      auth.invite = invite;
    }
    const offset = this.timeline.resumeOffset();
    if (offset !== undefined) {
      auth.server_offset = offset;
    }
    return auth;
  }

  #setMyName(username: string, avatar: string): void {
    this.username = username;
    this.avatar = avatar;
    this.outbox.renamed();
  }

  /** Routes each server event to the store that owns what it changes. */
  #wire(): void {
    const socket = this.connection.socket;
    const { safeAvatar } = this.#deps;
    const timeline = this.timeline;

    socket.on('connect', () => {
      timeline.connected(socket.recovered);
      this.outbox.flush();
    });

    socket.on(ServerEvent.SetUsername, (payload) => {
      const username = text(payload?.username);
      if (!username) {
        return;
      }
      const session = text(payload.session);
      if (session) {
        this.#session = session;
        this.#deps.session.write(session);
      }
      const maxLength = payload.limits?.message_max_length;
      if (typeof maxLength === 'number' && Number.isSafeInteger(maxLength) && maxLength > 0) {
        this.messageMaxLength = maxLength;
      }
      const userId = text(payload.user_id);
      if (userId !== this.userId) {
        this.userId = userId;
        timeline.readerChanged();
      }
      this.#setMyName(username, safeAvatar(payload.avatar));
      if (userId) {
        this.presence.setSelf({ userId, username, avatar: safeAvatar(payload.avatar) });
      }
      timeline.claimJoin(username);
    });

    socket.on(ServerEvent.History, (payload) => timeline.history(payload));

    socket.on(ServerEvent.UserJoined, (payload) => {
      const username = text(payload?.username);
      if (username) {
        const mine = username === this.username;
        timeline.notice('joined', username, `${username} joined`, mine, text(payload?.user_id));
      }
    });

    socket.on(ServerEvent.UserLeft, (payload) => {
      const username = text(payload?.username);
      if (username) {
        const mine = username === this.username;
        timeline.notice('left', username, `${username} left`, mine, text(payload?.user_id));
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
      timeline.notice('renamed', newName, `${oldName} is now ${newName}`, mine);
    });

    socket.on(ServerEvent.NewMessage, (payload) => {
      const message = readWireMessage(payload, safeAvatar);
      if (message) {
        timeline.live(message);
      }
    });

    socket.on(ServerEvent.MessageEdited, (payload) => {
      // An absent `mentions` means the new text mentions nobody.
      timeline.edited(payload?.id, payload?.message, payload?.edited_ts, payload?.mentions ?? []);
    });

    socket.on(ServerEvent.MessageDeleted, (payload) =>
      timeline.deleted(payload?.id, payload?.removed === true),
    );

    socket.on('connect_error', (error) => {
      if (error.message === ErrorCode.RoomLocked) {
        // An invite kept from an earlier link no longer opens the room (rotated): forget it.
        const hadInvite = Boolean(this.#deps.invite?.read());
        this.#deps.invite?.clear();
        this.moderation.exclusion = { kind: 'locked', hadInvite };
      }
    });

    socket.on(ServerEvent.RequestRefused, (payload) => {
      // This app always passes acks, so this is about the connection (e.g. cut for flooding).
      console.warn('Parley: request refused', payload);
    });
  }
}
