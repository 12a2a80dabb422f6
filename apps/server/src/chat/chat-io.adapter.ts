import { EventEmitter } from 'node:events';
import { type IncomingMessage, ServerResponse } from 'node:http';
import type { Socket as NetSocket } from 'node:net';

import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Redis } from 'ioredis';
import type { MessageMappingProperties } from '@nestjs/websockets';
import type { Observable } from 'rxjs';
import type { ServerOptions, Socket } from 'socket.io';

import type { AppConfig } from '../config/app-config.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { HandshakeLimit, isHandshake } from '../security/handshake-limit.js';
import { isOriginAllowed } from '../security/origin-check.js';
import { RateLimitsService } from '../security/rate-limits.service.js';
import { BacklogLimit, dropConnection, engineShapeProblem } from './connection-backlog.js';
import { FanoutWriter, fanoutShapeProblem, websocketShapeProblem } from './fanout-writer.js';

/**
 * The largest frame a valid request needs: a message at the length limit with every character
 * JSON-escaped (6 bytes), plus room for the envelope. Anything bigger is refused by the transport
 * before it is even parsed (Socket.IO's default is 1 MB).
 */
export function maxFrameBytes(messageMaxLength: number): number {
  return Math.max(16 * 1024, messageMaxLength * 6 + 4096);
}

/** What stays of a handshake once the connection is admitted: shared, empty, read-only. */
const RELEASED_HANDSHAKE = {
  headers: Object.freeze({}),
  query: Object.freeze({}),
  auth: Object.freeze({}),
  url: '',
  time: '',
};

/**
 * engine.io's stand-in response for a WebSocket upgrade forwards the TCP socket's 'close' to
 * itself, for middlewares that wait for a response to end; none of ours do. Removing that
 * listener (the last one added, by the stand-in's constructor, right before the middlewares run)
 * lets the stand-in go once the upgrade is done. Returns false if it is not there as expected.
 */
function dropCloseForwarder(response: unknown): boolean {
  const socket = (response as { socket?: NetSocket }).socket;
  const wrapper = socket?.rawListeners('close').at(-1) as { listener?: unknown } | undefined;
  const forwarder = wrapper?.listener;
  if (
    !socket ||
    typeof forwarder !== 'function' ||
    !/emit\(["']close["']\)/.test(String(forwarder))
  ) {
    return false;
  }
  socket.removeListener('close', forwarder as () => void);
  return true;
}

/**
 * engine.io's handler for errors before an upgrade stays on every WebSocket it accepted, after the
 * transport has taken over error handling (it only removes it for upgrades from polling).
 */
function dropUpgradeErrorListener(connection: unknown): void {
  const websocket = (connection as { transport?: { socket?: unknown } }).transport?.socket;
  if (!(websocket instanceof EventEmitter)) {
    return;
  }
  for (const listener of websocket.listeners('error')) {
    if (listener.name === 'onUpgradeError') {
      websocket.removeListener('error', listener as () => void);
    }
  }
}

/** How often connections are looked over for stalled readers (see `BacklogLimit.sweep`). */
const SWEEP_MS = 5000;

/**
 * An Engine.IO connection that never sent a Socket.IO connect by now (a bare handshake) is closed
 * at once, keeping nothing (a long-polling one would otherwise wait 30 s for a poll).
 */
function dropIfNeverConnected(connection: object, connected: WeakSet<object>): void {
  if (!connected.has(connection)) {
    dropConnection(connection);
  }
}

/** Socket.IO server options that come from the configuration: limits, origins, recovery. */
export class ChatIoAdapter extends IoAdapter {
  constructor(
    private readonly app: INestApplicationContext,
    private readonly config: AppConfig,
    private readonly redis: Redis | null,
    private readonly metrics: MetricsService,
  ) {
    super(app);
  }

  private readonly sweeps: NodeJS.Timeout[] = [];

  override async close(server: Parameters<IoAdapter['close']>[0]): Promise<void> {
    for (const sweep of this.sweeps.splice(0)) {
      clearInterval(sweep);
    }
    await super.close(server);
  }

  override createIOServer(port: number, options?: ServerOptions) {
    const { allowedOrigins, trustProxy, connectTimeoutMs } = this.config;
    const handshakes = new HandshakeLimit(
      this.app.get(RateLimitsService, { strict: false }),
      trustProxy,
    );
    const configured: Partial<ServerOptions> = {
      ...options,
      // Fast path for short drops: the socket keeps its id, data and missed packets. The app-level
      // resume (`auth.server_offset`) covers everything else (restarts, long gaps).
      ...(this.config.recoveryWindowMs > 0
        ? {
            connectionStateRecovery: {
              maxDisconnectionDuration: this.config.recoveryWindowMs,
              skipMiddlewares: true,
            },
          }
        : {}),
      transports: this.config.transports,
      maxHttpBufferSize: maxFrameBytes(this.config.messageMaxLength),
      // WebSocket upgrades are not covered by CORS: check Origin on every handshake ourselves.
      // Then the per-address connection limit, before engine.io opens a session.
      allowRequest: (request: IncomingMessage, callback) => {
        if (!isOriginAllowed(request, allowedOrigins, trustProxy)) {
          callback('Origin not allowed', false);
        } else if (!isHandshake(request)) {
          callback(null, true);
        } else {
          handshakes.check(request).then(
            (verdict) => callback(verdict.ok ? null : verdict.message, verdict.ok),
            (error: unknown) => {
              this.logger.error('handshake check failed', error);
              callback('Internal error', false);
            },
          );
        }
      },
      // Socket.IO's own drop of connections that never connect (45 s by default) closes a
      // long-polling one only at its next poll, or 30 s later: the timer below discards them at
      // once; this stays as a backstop.
      connectTimeout: connectTimeoutMs + 1000,
      // Long-polling from another allowed origin needs CORS headers; same origin needs none.
      ...(allowedOrigins.length > 0
        ? { cors: { origin: allowedOrigins.includes('*') ? true : allowedOrigins } }
        : {}),
      // The browser app bundles its client; nobody needs /socket.io/socket.io.js from us.
      serveClient: false,
      // Several nodes: broadcasts go through a Redis stream, which (unlike Redis pub/sub) keeps
      // connection state recovery working and resumes without loss after a Redis restart.
      ...(this.redis
        ? {
            adapter: createAdapter(this.redis, {
              streamName: `${this.config.redisKeyPrefix}stream`,
              channelPrefix: `${this.config.redisKeyPrefix}sio`,
              sessionKeyPrefix: `${this.config.redisKeyPrefix}sio:session:`,
              maxLen: 10_000,
              onlyPlaintext: true,
            }),
          }
        : {}),
    };
    const server = super.createIOServer(port, configured as ServerOptions);
    const limit = new BacklogLimit(this.config.slowClientBufferBytes, server.engine);
    const writer = this.fanoutWriter(server, limit);
    this.metrics.observeFanout(() => ({
      frames: writer?.framesCoalesced ?? 0,
      writes: writer?.batchesWritten ?? 0,
      slowClosed: limit.slowClosed,
    }));
    // The writer's needs of a WebSocket connection, checked on the first one (most start on
    // long-polling and upgrade).
    let websocketChecked = writer === undefined;
    const checkWebsocket = (connection: { transport?: { name?: string } }) => {
      if (websocketChecked || connection.transport?.name !== 'websocket') {
        return;
      }
      websocketChecked = true;
      const problem = websocketShapeProblem(connection);
      if (problem) {
        this.logger.warn(`Fan-out coalescing off (Socket.IO's own writes instead): ${problem}`);
        writer?.disable();
      }
    };
    const clients = Reflect.get(server.engine, 'clients') as Record<string, unknown>;
    this.sweeps.push(setInterval(() => limit.sweep(Object.values(clients)), SWEEP_MS).unref());
    // Connections admitted by a Socket.IO connect.
    const connected = new WeakSet<object>();
    let checked = false;
    server.engine.on('connection', (connection: object) => {
      if (!checked) {
        checked = true;
        const problem = engineShapeProblem(connection);
        if (problem) {
          // Nothing is bounded then, but chat still works: say so loudly rather than crash.
          this.logger.error(`Connection backlog limit off: ${problem}`);
          limit.disable();
        }
      }
      limit.attach(connection);
      writer?.attach(connection);
      checkWebsocket(connection);
      if (!websocketChecked) {
        (connection as EventEmitter).once('upgrade', () => checkWebsocket(connection));
      }
      setTimeout(dropIfNeverConnected, connectTimeoutMs, connection, connected).unref();
    });
    // The handshake's HTTP request is not needed once a connection is up (the client's address was
    // taken at admission): letting go of it and its headers saves about 1.5 KB per idle
    // connection. engine.io keeps it in two places: the connection, and, for WebSocket upgrades,
    // the stand-in response its middlewares get, which lives as long as the connection because
    // it listens to the TCP socket's 'close' (another 0.5 KB).
    server.engine.use((_request: IncomingMessage, response: unknown, next: () => void) => {
      if (!(response instanceof ServerResponse) && !dropCloseForwarder(response)) {
        setImmediate(() => Reflect.set(response as object, 'req', null));
      }
      next();
    });
    // Admission (a middleware) has read what it needs from the handshake into `socket.data`; the
    // parsed headers, query and auth, the URL and the time are never read again.
    server.on('connection', (socket) => {
      connected.add(socket.conn);
      Reflect.set(socket.conn, 'request', null);
      Object.assign(socket.handshake, RELEASED_HANDSHAKE);
      dropUpgradeErrorListener(socket.conn);
    });
    return server;
  }

  /**
   * The coalescing writer, unless it is switched off or socket.io-adapter, engine.io or ws are
   * not shaped as it expects (an upgrade that moved something): then Socket.IO writes as usual.
   */
  private fanoutWriter(
    server: ReturnType<IoAdapter['createIOServer']>,
    limit: BacklogLimit,
  ): FanoutWriter | undefined {
    if (!this.config.fanoutCoalescing) {
      return undefined;
    }
    const problem = fanoutShapeProblem(server.of('/').adapter, Reflect.get(server.engine, 'opts'));
    if (problem) {
      this.logger.warn(`Fan-out coalescing off (Socket.IO's own writes instead): ${problem}`);
      return undefined;
    }
    const writer = new FanoutWriter(limit);
    writer.attachAdapter(server.of('/').adapter);
    return writer;
  }

  /**
   * Nest's own version builds an RxJS pipeline per event per socket (about 30 KB of heap for
   * each connection with our six events); this one keeps Nest's behaviour with plain listeners:
   * the handler's result is sent as an ack (unless the handler takes the ack itself) or as
   * `{ event, data }`, and a failure is logged, never thrown at the socket.
   *
   * The listeners are shared by every socket (an event's listener runs with the socket as
   * `this`); a socket only keeps Nest's handlers bound to it, in a small array. A listener and
   * its closure per event per socket would cost about half a kilobyte of every idle connection.
   */
  override bindMessageHandlers(
    socket: Socket,
    handlers: MessageMappingProperties[],
    transform: (data: unknown) => Observable<unknown>,
  ): void {
    // Nest builds the same transform (await the handler's result) for every socket.
    this.transform ??= transform;
    // Several gateways bind their handlers to the same socket, one call each: keep the others'.
    const bound = (socket as SocketWithHandlers)[BOUND_HANDLERS] ?? [];
    for (const { message, callback, isAckHandledManually } of handlers) {
      const event = message as string;
      let shared = this.sharedListeners.get(event);
      if (!shared) {
        shared = this.sharedListener(this.sharedListeners.size, isAckHandledManually);
        this.sharedListeners.set(event, shared);
      }
      bound[shared.slot] = callback as BoundHandler;
      socket.on(event, shared.listener);
    }
    (socket as SocketWithHandlers)[BOUND_HANDLERS] = bound;
  }

  private transform: ((data: unknown) => Observable<unknown>) | undefined;
  private readonly sharedListeners = new Map<string, SharedListener>();

  /** The listener of one event, for every socket: runs the socket's own handler in `slot`. */
  private sharedListener(slot: number, isAckHandledManually: boolean): SharedListener {
    const dispatch = (socket: Socket, args: unknown[]) => {
      const callback = (socket as SocketWithHandlers)[BOUND_HANDLERS]?.[slot];
      const transform = this.transform;
      if (!callback || !transform) {
        return;
      }
      const mapped: { data: unknown; ack?: unknown } = this.mapPayload(
        args.length > 1 ? args : args[0],
      );
      const { data, ack } = mapped;
      const answer = (response: unknown) => {
        if (response === null || response === undefined) {
          return;
        }
        const { event, data: payload } = response as { event?: string; data?: unknown };
        if (event) {
          socket.emit(event, payload);
        } else if (!isAckHandledManually && typeof ack === 'function') {
          (ack as (response: unknown) => void)(response);
        }
      };
      try {
        transform(callback(data, ack)).subscribe({
          next: answer,
          error: (error: unknown) => this.logger.error(error),
        });
      } catch (error) {
        this.logger.error(error);
      }
    };
    return {
      slot,
      listener(this: Socket, ...args: unknown[]) {
        dispatch(this, args);
      },
    };
  }
}

/** Nest's handler of one event, already bound to its socket: `(data, ack) => result`. */
type BoundHandler = (data: unknown, ack: unknown) => unknown;
interface SharedListener {
  /** Where each socket keeps its handler for this event. */
  slot: number;
  listener: (this: Socket, ...args: unknown[]) => void;
}
const BOUND_HANDLERS = Symbol('bound message handlers');
type SocketWithHandlers = Socket & { [BOUND_HANDLERS]?: BoundHandler[] };
