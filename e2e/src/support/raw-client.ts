import {
  ClientFeature,
  type ClientToServerEvents,
  ServerEvent,
  type ServerToClientEvents,
} from '@parley/protocol';
import { io, type Socket } from 'socket.io-client';

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * A chat client without a browser: a plain Socket.IO socket, either like the tutorial's page (it
 * announces nothing) or announcing `presence_batch` like the web app. It records every event it
 * gets, and keeps who it believes is online the simple way a seed-era page does.
 */
export class RawClient {
  /** Every event received, in order. */
  readonly events: Array<[string, unknown]> = [];
  /** Who this client believes is online: user id → name. */
  readonly online = new Map<string, string>();
  userId = '';
  username = '';

  private constructor(readonly socket: ClientSocket) {
    socket.onAny((event: string, payload: unknown) => {
      this.events.push([event, payload]);
    });
    socket.on(ServerEvent.SetUsername, ({ username, user_id }) => {
      this.username = username;
      this.userId = user_id ?? '';
    });
    socket.on(ServerEvent.UserList, ({ users }) => {
      this.online.clear();
      for (const { user_id, username } of users) {
        this.online.set(user_id, username);
      }
    });
    socket.on(ServerEvent.UserJoined, ({ user_id, username }) => {
      if (user_id) {
        this.online.set(user_id, username);
      }
    });
    socket.on(ServerEvent.UserLeft, ({ user_id }) => {
      if (user_id) {
        this.online.delete(user_id);
      }
    });
    socket.on(ServerEvent.UsernameUpdated, ({ user_id, new_username }) => {
      if (user_id && this.online.has(user_id)) {
        this.online.set(user_id, new_username);
      }
      if (user_id === this.userId) {
        this.username = new_username;
      }
    });
    socket.on(ServerEvent.PresenceChanged, ({ joined, left }) => {
      for (const { user_id, username } of joined) {
        this.online.set(user_id, username);
      }
      for (const { user_id } of left) {
        this.online.delete(user_id);
      }
    });
  }

  /**
   * Connects to the default room (as the tutorial's page does) and resolves once the welcome
   * (`set_username`, `user_list`, `history`) has arrived.
   */
  static async connect(
    url: string,
    { batched, timeoutMs = 10_000 }: { batched: boolean; timeoutMs?: number },
  ): Promise<RawClient> {
    const socket: ClientSocket = io(url, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      auth: batched ? { features: [ClientFeature.PresenceBatch] } : {},
    });
    const client = new RawClient(socket);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.disconnect();
        reject(new Error('No history within the time allowed'));
      }, timeoutMs);
      socket.once(ServerEvent.History, () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('connect_error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    return client;
  }

  /** The payloads of one event, in the order received. */
  received<T = Record<string, unknown>>(event: string): T[] {
    return this.events.filter(([name]) => name === event).map(([, payload]) => payload as T);
  }

  /** What this client believes is online, as sorted "id name" lines (to compare with the truth). */
  snapshot(): string[] {
    return [...this.online].map(([id, name]) => `${id} ${name}`).sort();
  }

  close(): void {
    this.socket.disconnect();
  }
}
