import {
  ClientEvent,
  isValidRoomName,
  ROOM_LIST_MAX,
  type ActiveRoom,
  type AckError,
} from '@parley/protocol';

import { ACK_TIMEOUT_MS, isRateLimited, readAck, retryAfterMs, type ChatSocket } from './wire';

/**
 * Asking again sooner than this reuses the last answer: the switcher asks each time it opens,
 * and the server counts requests (past its limit, refusals add up to a disconnect).
 */
export const ROOM_DIRECTORY_FRESH_MS = 2000;

/** The rooms of a `list_rooms` answer that read as rooms (an older or odd server sends less). */
export function readActiveRooms(value: unknown): ActiveRoom[] {
  if (!Array.isArray(value)) {
    return [];
  }
  const rooms: ActiveRoom[] = [];
  for (const entry of value.slice(0, ROOM_LIST_MAX) as unknown[]) {
    if (typeof entry !== 'object' || entry === null) {
      continue;
    }
    const { room, count } = entry as { room?: unknown; count?: unknown };
    if (
      typeof room === 'string' &&
      isValidRoomName(room) &&
      typeof count === 'number' &&
      Number.isSafeInteger(count) &&
      count > 0
    ) {
      rooms.push({ room, count });
    }
  }
  return rooms;
}

/**
 * The rooms people are in now, as the server lists them (`list_rooms`): asked for when the room
 * switcher opens, at most every couple of seconds, and never while not connected.
 */
export class RoomDirectory {
  rooms = $state<ActiveRoom[]>([]);
  /** An answer came (an empty list then means nobody is elsewhere, or the server lists none). */
  loaded = $state(false);
  readonly #connection: { readonly socket: ChatSocket };
  readonly #now: () => number;
  /** Not before this time: the last answer is fresh, or the server asked to wait. */
  #nextAt = -Infinity;
  #pending: Promise<void> | undefined;

  constructor(connection: { readonly socket: ChatSocket }, now: () => number = Date.now) {
    this.#connection = connection;
    this.#now = now;
  }

  /** Asks the server again, unless the last answer is fresh or a request is on its way. */
  refresh(): Promise<void> {
    const socket = this.#connection.socket;
    if (this.#pending || this.#now() < this.#nextAt || !socket.connected) {
      return this.#pending ?? Promise.resolve();
    }
    this.#nextAt = this.#now() + ROOM_DIRECTORY_FRESH_MS;
    this.#pending = this.#ask(socket).finally(() => (this.#pending = undefined));
    return this.#pending;
  }

  async #ask(socket: ChatSocket): Promise<void> {
    let answer: { ok: true; rooms?: unknown } | AckError;
    try {
      answer = readAck<{ ok: true; rooms?: unknown }>(
        await socket.timeout(ACK_TIMEOUT_MS).emitWithAck(ClientEvent.ListRooms, {}),
      );
    } catch {
      // No answer in time: keep what was shown; the next opening asks again.
      this.#nextAt = -Infinity;
      return;
    }
    if (answer.ok) {
      this.rooms = readActiveRooms(answer.rooms);
      this.loaded = true;
    } else if (isRateLimited(answer)) {
      this.#nextAt = this.#now() + retryAfterMs(answer);
    }
  }
}
