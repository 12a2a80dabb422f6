import { afterEach } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type {
  AckOf,
  ClientToServerEvents,
  HistoryPayload,
  ServerToClientEvents,
} from '@parley/protocol';
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';

import { createApp } from '../../src/app.factory.js';
import { loadConfig } from '../../src/config/app-config.js';

export type ChatClient = Socket<ServerToClientEvents, ClientToServerEvents>;

/** The real application on an ephemeral port (never a fixed one), quiet unless it errors. */
export async function startApp(env: NodeJS.ProcessEnv = {}): Promise<{
  app: NestExpressApplication;
  url: string;
}> {
  const app = await createApp(
    loadConfig({
      LOG_LEVEL: 'error',
      LOG_FORMAT: 'json',
      WEB_DIST_DIR: '/nonexistent',
      DATA_DIR: ':memory:',
      // Short enough for tests to see `user_left`, long enough for a reconnect to beat it.
      PRESENCE_GRACE_MS: '300',
      // Generous limits: most tests are about behaviour, not flood control (abuse tests tighten them).
      MESSAGE_RATE_PER_SECOND: '10000',
      MESSAGE_BURST: '10000',
      RENAMES_PER_MINUTE: '10000',
      CONNECTIONS_PER_MINUTE: '10000',
      // CI runs the gateway suites a second time with FANOUT_COALESCING=false (Socket.IO's own
      // writes): both broadcast paths must stay correct.
      ...(process.env.FANOUT_COALESCING
        ? { FANOUT_COALESCING: process.env.FANOUT_COALESCING }
        : {}),
      ...env,
    }),
  );
  await app.listen(0, '127.0.0.1');
  return { app, url: await app.getUrl() };
}

type EventName = keyof ServerToClientEvents;
type PayloadOf<E extends EventName> = Parameters<ServerToClientEvents[E]>[0];

/** Resolves with the next `event` on `socket`, or rejects after `ms`. */
export function waitFor<E extends EventName>(
  socket: ChatClient,
  event: E,
  ms = 3000,
): Promise<PayloadOf<E>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, listener as never);
      reject(new Error(`Timed out waiting for ${event}`));
    }, ms);
    const listener = (payload: PayloadOf<E>) => {
      clearTimeout(timer);
      resolve(payload);
    };
    socket.once(event, listener as never);
  });
}

/** Everything `socket` receives from now on, in order, as [event, payload] pairs. */
export function record(socket: ChatClient): Array<[string, unknown]> {
  const seen: Array<[string, unknown]> = [];
  socket.onAny((event: string, payload: unknown) => seen.push([event, payload]));
  return seen;
}

/** Waits until `predicate` holds, polling briefly; for counts of recorded events. */
export async function until(predicate: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) {
      throw new Error('Timed out waiting for a condition');
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * A round trip through the server: once a later request's ack has come back, everything the
 * server broadcast before it has reached every client too (one connection keeps order), so a
 * negative check ("nothing was broadcast") needs no arbitrary sleep.
 */
export async function settle(...sockets: ChatClient[]): Promise<void> {
  await Promise.all(sockets.map((socket) => request(socket, 'update_username', { username: '' })));
}

/**
 * Emits a request with an ack and a timeout, typed with the protocol's ack. The payload is
 * `unknown` on purpose: tests send malformed input as freely as a hostile client would.
 */
export function request<E extends keyof ClientToServerEvents>(
  socket: ChatClient,
  event: E,
  payload: unknown,
  ms = 3000,
): Promise<AckOf<E>> {
  // Untyped on purpose: the payload may be anything, and the ack type comes from the protocol.
  const untyped = socket.timeout(ms) as unknown as {
    emitWithAck: (event: string, payload: unknown) => Promise<AckOf<E>>;
  };
  return untyped.emitWithAck(event, payload);
}

/** Emits like the tutorial's page does: no ack, and any payload, well-formed or not. */
export function emitRaw(socket: ChatClient, event: string, ...args: unknown[]): void {
  (socket as unknown as { emit: (event: string, ...args: unknown[]) => void }).emit(event, ...args);
}

export interface Joined {
  socket: ChatClient;
  username: string;
  avatar: string;
  /** The session token the server issued (or restored). */
  session: string;
  /** The session's public id, as `new_message.user_id` carries it. */
  userId: string;
  history: HistoryPayload;
}

/**
 * Connects a client the way the web app does and waits for its name and history. Listeners are
 * attached before the connection starts, so nothing sent on connect is missed.
 */
export async function join(
  url: string,
  options: Partial<ManagerOptions & SocketOptions> = {},
): Promise<Joined> {
  const socket: ChatClient = io(url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    ...options,
  });
  const name = waitFor(socket, 'set_username');
  const history = waitFor(socket, 'history');
  const { username, avatar, session, user_id } = await name;
  return {
    socket,
    username,
    avatar,
    session: session ?? '',
    userId: user_id ?? '',
    history: await history,
  };
}

/**
 * The usual per-test setup: `start()` boots a fresh app (names, presence and history never leak
 * between tests), `joined()` connects a new session, and everything is closed after each test.
 */
export function chatHarness(defaults: NodeJS.ProcessEnv = {}) {
  let current: { app: NestExpressApplication; url: string } | undefined;
  const sockets: ChatClient[] = [];
  afterEach(async () => {
    for (const socket of sockets.splice(0)) {
      socket.disconnect();
    }
    await current?.app.close();
    current = undefined;
  });
  const harness = {
    get url(): string {
      if (!current) {
        throw new Error('chatHarness: call start() first');
      }
      return current.url;
    },
    get app(): NestExpressApplication {
      if (!current) {
        throw new Error('chatHarness: call start() first');
      }
      return current.app;
    },
    start: async (env: NodeJS.ProcessEnv = {}): Promise<string> => {
      await current?.app.close();
      current = await startApp({ ...defaults, ...env });
      return current.url;
    },
    joined: async (options?: Partial<ManagerOptions & SocketOptions>): Promise<Joined> => {
      const client = await join(harness.url, options);
      sockets.push(client.socket);
      return client;
    },
    /** A new socket's `connect_error` (the test expects its handshake to be refused). */
    refused: (
      options: Partial<ManagerOptions & SocketOptions> = {},
    ): Promise<Error & { data?: unknown; description?: unknown }> => {
      const socket = harness.track(
        io(harness.url, {
          transports: ['websocket'],
          forceNew: true,
          reconnection: false,
          ...options,
        }),
      );
      return new Promise((resolve) => socket.once('connect_error', resolve));
    },
    /** Closes `socket` after the test too. */
    track: <S extends ChatClient>(socket: S): S => {
      sockets.push(socket);
      return socket;
    },
  };
  return harness;
}
