import { ErrorCode } from '@parley/protocol';
import type { SocketOptions } from 'socket.io-client';

import { text, type ChatSocket } from './wire';

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'offline';

/** Makes the page's socket, not yet connected; `auth` is read at every (re)connect attempt. */
export type SocketFactory = (auth: NonNullable<SocketOptions['auth']>) => ChatSocket;

/** Whether the browser thinks it is online, and when that changes (`navigator`, `window`). */
export interface Network {
  readonly onLine: boolean;
  addEventListener(type: 'online' | 'offline', listener: () => void): void;
}

/**
 * Refusals that trying again will not fix by itself (banned, kicked during its cool-down, a locked
 * room without an invite): the page says why and offers the way back (Moderation's exclusion).
 */
const EXCLUDED: readonly string[] = [ErrorCode.Banned, ErrorCode.Kicked, ErrorCode.RoomLocked];

/** A handshake refused by the server (not a network failure) is tried again after this long. */
const REFUSED_RECONNECT_MS = 10_000;
/** After the server itself closed the socket, reconnect after 1 to 2 times this long. */
const SERVER_DISCONNECT_DELAY_MS = 1000;

/**
 * The page's socket and where it stands: connecting, reconnecting after a drop (Socket.IO's own
 * retries, plus ours after the server refused or closed it), offline, or refused for good (a room
 * name the server will never take).
 */
export class Connection {
  /** Where the connection stands, for the header's badge. */
  state = $state<ConnectionState>('connecting');
  /** Why the server refused the room (empty unless it did): the page shows an error instead. */
  roomError = $state('');
  readonly socket: ChatSocket;
  /** Counts connections, so an answer lost with an old one is told from a timeout. */
  connections = 0;
  #everConnected = false;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;

  private readonly network: Network;
  /** For the delay before reconnecting after the server closed us (spread over the room). */
  private readonly random: () => number;

  constructor(
    createSocket: SocketFactory,
    auth: () => object,
    network: Network,
    random: () => number = Math.random,
  ) {
    this.network = network;
    this.random = random;
    this.socket = createSocket((callback) => callback(auth()));
    this.#wire();
  }

  get connected(): boolean {
    return this.state === 'connected';
  }

  /** Opens the connection (once; later calls while connected or trying do nothing). */
  connect(): void {
    if (this.roomError || this.socket.connected || this.socket.active) {
      return;
    }
    this.state = this.#everConnected ? 'reconnecting' : 'connecting';
    this.socket.connect();
  }

  /** Closes the connection for good (until {@link connect} is called again). */
  disconnect(): void {
    clearTimeout(this.#reconnectTimer);
    this.socket.disconnect();
    this.state = 'offline';
  }

  #scheduleReconnect(delayMs: number): void {
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      this.connect();
    }, delayMs);
  }

  #trying(): ConnectionState {
    return this.#everConnected ? 'reconnecting' : 'connecting';
  }

  #wire(): void {
    const socket = this.socket;
    socket.on('connect', () => {
      this.#everConnected = true;
      this.connections += 1;
      this.state = 'connected';
    });

    socket.on('disconnect', (reason) => {
      if (reason === 'io client disconnect') {
        this.state = 'offline';
        return;
      }
      this.state = this.network.onLine ? 'reconnecting' : 'offline';
      if (reason === 'io server disconnect') {
        // The server closed this socket itself (e.g. cut for flooding); Socket.IO leaves
        // reconnecting to us. Not at once: a moment later, at a random point so a whole room
        // does not knock at the same instant.
        this.#scheduleReconnect(SERVER_DISCONNECT_DELAY_MS * (1 + this.random()));
      }
    });

    socket.on('connect_error', (error) => {
      const data: unknown = 'data' in error ? error.data : undefined;
      if (error.message === ErrorCode.RoomInvalid) {
        // Not worth trying again: this room name will never be taken.
        this.roomError =
          typeof data === 'object' && data !== null && 'message' in data
            ? text(data.message) || 'That room name is not valid.'
            : 'That room name is not valid.';
        this.state = 'offline';
        socket.disconnect();
        return;
      }
      if (EXCLUDED.includes(error.message)) {
        this.state = 'offline';
        socket.disconnect();
        return;
      }
      if (!socket.active) {
        // Refused by the server itself (too many connections, or it failed): Socket.IO will not
        // try again on its own, so we do, after the wait the server asked for.
        this.state = 'offline';
        const retryAfter =
          typeof data === 'object' && data !== null && 'retry_after' in data
            ? Number(data.retry_after)
            : NaN;
        this.#scheduleReconnect(
          Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : REFUSED_RECONNECT_MS,
        );
      } else if (!this.network.onLine) {
        this.state = 'offline';
      } else {
        this.state = this.#trying();
      }
    });

    this.network.addEventListener('offline', () => {
      if (!socket.connected) {
        this.state = 'offline';
      }
    });
    this.network.addEventListener('online', () => {
      if (!socket.connected && socket.active) {
        this.state = this.#trying();
      }
    });
  }
}
