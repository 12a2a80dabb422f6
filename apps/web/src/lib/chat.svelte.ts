import {
  ackError,
  checkMessage,
  checkUsername,
  ClientEvent,
  ErrorCode,
  MESSAGE_MAX_LENGTH,
  characterCount,
  normalizeMessage,
  normalizeUsername,
  ServerEvent,
  type AckError,
  type ClientToServerEvents,
  type NewMessagePayload,
  type SendMessageAck,
  type ServerToClientEvents,
  type UpdateUsernameAck,
  type UsernameUpdatedPayload,
  type UserJoinedPayload,
  type UserLeftPayload,
} from '@parley/protocol';
import { io, type Socket } from 'socket.io-client';

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'offline';

/** A chat message as the timeline shows it. */
export interface MessageItem {
  kind: 'message';
  /** Local id, unique for this page; the key of the item in lists. */
  id: number;
  /** When it arrived here (ms since the epoch). */
  at: number;
  username: string;
  avatar: string;
  text: string;
  /** Sent by me: its author was my name at the moment it arrived. */
  mine: boolean;
}

export type NoticeKind = 'joined' | 'left' | 'renamed';

/** Someone joined, left or changed their name. */
export interface NoticeItem {
  kind: NoticeKind;
  id: number;
  at: number;
  /** Whom it is about (the new name, for a rename). */
  username: string;
  /** The sentence shown, e.g. "User_1234 is now Ada". */
  text: string;
  /** The notice is about me. */
  mine: boolean;
}

export type TimelineItem = MessageItem | NoticeItem;

/** Failures the browser decides on its own, before or instead of a server answer. */
export type LocalErrorCode = 'not_connected' | 'timeout';

export interface LocalError {
  ok: false;
  error: LocalErrorCode;
  message: string;
}

export type SendResult = SendMessageAck | LocalError;
export type RenameResult = UpdateUsernameAck | LocalError;

/** How long a request may wait for the server's answer. */
export const ACK_TIMEOUT_MS = 8000;
/** How many timeline items are kept; older ones are dropped so a long session stays light. */
export const TIMELINE_LIMIT = 500;

type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

const NOT_CONNECTED: LocalError = {
  ok: false,
  error: 'not_connected',
  message: 'You are not connected right now. Try again once Parley reconnects.',
};

const TIMED_OUT: LocalError = {
  ok: false,
  error: 'timeout',
  message: 'The server did not answer in time. Please try again.',
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

/** The one chat connection of the page, and everything the interface shows about it. */
class ChatClient {
  /** Where the connection stands, for the header's badge and for enabling inputs. */
  connection = $state<ConnectionState>('connecting');
  /** My current name; empty until the server gives me one. */
  username = $state('');
  /** My avatar URL; empty until the server gives me one. */
  avatar = $state('');
  /** Messages and notices, oldest first, at most {@link TIMELINE_LIMIT}. Items never change. */
  timeline = $state.raw<TimelineItem[]>([]);

  readonly #socket: ChatSocket;
  #nextId = 1;
  #everConnected = false;

  constructor() {
    this.#socket = io({ autoConnect: false });
    this.#wire();
  }

  get connected(): boolean {
    return this.connection === 'connected';
  }

  /** Opens the connection (once; later calls while connected or trying do nothing). */
  connect(): void {
    if (this.#socket.connected || this.#socket.active) {
      return;
    }
    this.connection = this.#everConnected ? 'reconnecting' : 'connecting';
    this.#socket.connect();
  }

  /** Closes the connection for good (until {@link connect} is called again). */
  disconnect(): void {
    this.#socket.disconnect();
    this.connection = 'offline';
  }

  /**
   * Sends a message. Resolves with the server's answer, or a refusal decided here (empty, too
   * long, not connected, no answer in time). Never rejects.
   */
  async send(raw: string): Promise<SendResult> {
    const message = normalizeMessage(raw);
    const problem = checkMessage(message);
    if (problem === ErrorCode.MessageTooLong) {
      const count = characterCount(message).toLocaleString();
      const max = MESSAGE_MAX_LENGTH.toLocaleString();
      return ackError(
        problem,
        `That message is too long: ${count} characters, the limit is ${max}.`,
      );
    }
    if (problem) {
      return ackError(problem);
    }
    if (!this.#socket.connected) {
      return NOT_CONNECTED;
    }
    try {
      const answer: unknown = await this.#socket
        .timeout(ACK_TIMEOUT_MS)
        .emitWithAck(ClientEvent.SendMessage, { message });
      return readAck(answer);
    } catch {
      return TIMED_OUT;
    }
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
        this.username = result.username;
      }
      return result;
    } catch {
      return TIMED_OUT;
    }
  }

  #wire(): void {
    const socket = this.#socket;

    socket.on('connect', () => {
      this.#everConnected = true;
      this.connection = 'connected';
    });

    socket.on('disconnect', (reason) => {
      if (reason === 'io client disconnect') {
        this.connection = 'offline';
        return;
      }
      this.connection = navigator.onLine ? 'reconnecting' : 'offline';
      if (reason === 'io server disconnect') {
        // The server closed this socket itself; Socket.IO leaves reconnecting to us.
        socket.connect();
      }
    });

    socket.on('connect_error', () => {
      if (!socket.active) {
        // Refused for good (e.g. by a middleware): no retry is coming.
        this.connection = 'offline';
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
      this.username = username;
      this.avatar = safeAvatar(payload.avatar);
      // The room hears of my arrival just before I learn my name: mark that notice as mine.
      const index = this.timeline.findLastIndex(
        (item) => item.kind === 'joined' && item.username === username,
      );
      const joined = this.timeline[index];
      if (joined && !joined.mine) {
        const timeline = this.timeline.slice();
        timeline[index] = { ...joined, mine: true };
        this.timeline = timeline;
      }
    });

    socket.on(ServerEvent.UserJoined, (payload: UserJoinedPayload) => {
      const username = text(payload?.username);
      if (username) {
        this.#notice('joined', username, `${username} joined`, username === this.username);
      }
    });

    socket.on(ServerEvent.UserLeft, (payload: UserLeftPayload) => {
      const username = text(payload?.username);
      if (username) {
        this.#notice('left', username, `${username} left`, username === this.username);
      }
    });

    socket.on(ServerEvent.UsernameUpdated, (payload: UsernameUpdatedPayload) => {
      const oldName = text(payload?.old_username);
      const newName = text(payload?.new_username);
      if (!oldName || !newName) {
        return;
      }
      const mine = oldName === this.username;
      if (mine) {
        // The broadcast may come before the ack: from now on, messages under the new name are mine.
        this.username = newName;
        if (payload.avatar) {
          this.avatar = safeAvatar(payload.avatar);
        }
      }
      this.#notice('renamed', newName, `${oldName} is now ${newName}`, mine);
    });

    socket.on(ServerEvent.NewMessage, (payload: NewMessagePayload) => {
      const username = text(payload?.username);
      const message = text(payload?.message);
      if (!username || !message) {
        return;
      }
      this.#append({
        kind: 'message',
        id: this.#nextId++,
        at: Date.now(),
        username,
        avatar: safeAvatar(payload.avatar),
        text: message,
        mine: username === this.username,
      });
    });

    socket.on(ServerEvent.RequestRefused, (payload) => {
      // Only sent for requests without an ack, which this app never makes.
      console.warn('Parley: request refused', payload);
    });
  }

  #notice(kind: NoticeKind, username: string, sentence: string, mine: boolean): void {
    this.#append({ kind, id: this.#nextId++, at: Date.now(), username, text: sentence, mine });
  }

  #append(item: TimelineItem): void {
    const kept =
      this.timeline.length >= TIMELINE_LIMIT
        ? this.timeline.slice(this.timeline.length - TIMELINE_LIMIT + 1)
        : this.timeline;
    this.timeline = [...kept, item];
  }
}

/** The page's chat: one connection shared by every component. */
export const chat = new ChatClient();
