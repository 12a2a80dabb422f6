import type { Socket as NetSocket } from 'node:net';

/**
 * What a connection makes this process hold: the bytes written to it that its client has not
 * read yet, on every path (broadcasts, acks, history, the welcome), and the limit on them.
 *
 * The parts of engine.io's connection (`socket.conn`), of its WebSocket transport and of ws that
 * this relies on are those of engine.io 6.6 and ws 8 (pinned through socket.io 4.8.4);
 * {@link engineShapeProblem} checks them at boot, and the stalled-reader and fan-out tests fail
 * if a release changes them.
 */

/**
 * net.Socket's `_writeGeneric`: the step under `write()` that hands a buffer to the TCP handle
 * (what `write()` runs once the stream's buffer is empty). Stable since Node 10.
 */
export type DirectlyWritable = NetSocket & {
  /** libuv's queue of writes the kernel has not taken yet (bytes). */
  _handle?: { writeQueueSize?: number } | null;
  _writeGeneric?: (
    writev: false,
    data: Buffer,
    encoding: string,
    done: (error?: Error) => void,
  ) => void;
};

/** engine.io's packet as it waits in `writeBuffer`. */
interface QueuedPacket {
  data?: unknown;
}

export interface EngineConnection {
  readyState: string;
  upgrading: boolean;
  writeBuffer: QueuedPacket[];
  /** The engine.io server the connection belongs to. */
  server: object;
  transport: {
    name: string;
    writable: boolean;
    /** ws's WebSocket, for the `websocket` transport. */
    socket?: {
      readyState: number;
      /** ws: the stream's buffer plus its sender's queue. */
      bufferedAmount?: number;
      terminate?: () => void;
      _socket?: DirectlyWritable;
    };
  };
  write(data: unknown, options?: unknown, callback?: () => void): unknown;
  close(discard?: boolean): unknown;
  /** Broadcast frames waiting for this connection's next write (set by the fan-out writer). */
  [QUEUE]?: Buffer | Buffer[];
  /** The fan-out writer, whose queue goes out before anything else is written. */
  [WRITER]?: { flushOne(conn: EngineConnection): void };
}

export const QUEUE = Symbol('fanout queue');
export const WRITER = Symbol('fanout writer');
/** The {@link BacklogLimit} of an engine.io server. */
const LIMIT = Symbol('backlog limit');
interface LimitedServer {
  [LIMIT]?: BacklogLimit;
}
/** Marks engine.io's Socket class once its `write` is wrapped. */
const WRAPPED = Symbol('backlog write wrapped');
/**
 * A connection with more than a quarter of the limit waiting for this long is closed: it takes
 * nothing (a reader at 35 KB/s drains 1 MiB in 30 s), and answering pings without reading would
 * otherwise keep it, and what waits for it, for ever.
 */
export const STALL_TIMEOUT_MS = 30_000;
/** What an engine.io packet object costs besides its data (thousands of small ones add up). */
const PACKET_OVERHEAD_BYTES = 64;

/**
 * Running byte counts of the engine.io buffers that were not empty when last measured: each
 * packet is measured once, however often the buffer is. engine.io replaces the array when it
 * flushes it, and an entry for an old one is dropped (it would keep the sent packets alive).
 */
const measured = new WeakMap<object, { buffer: QueuedPacket[]; packets: number; bytes: number }>();

function packetBytes({ data }: QueuedPacket): number {
  const size =
    typeof data === 'string'
      ? Buffer.byteLength(data)
      : ((data as { byteLength?: number } | undefined)?.byteLength ?? 0);
  return size + PACKET_OVERHEAD_BYTES;
}

/** Bytes waiting in engine.io's own buffer (a stalled or long-polling client's). */
function engineBufferBytes(conn: EngineConnection): number {
  const buffer = conn.writeBuffer;
  if (buffer.length === 0) {
    measured.delete(conn);
    return 0;
  }
  let entry = measured.get(conn);
  if (entry?.buffer !== buffer || entry.packets > buffer.length) {
    entry = { buffer, packets: 0, bytes: 0 };
    measured.set(conn, entry);
  }
  for (let i = entry.packets; i < buffer.length; i++) {
    entry.bytes += packetBytes(buffer[i]!);
  }
  entry.packets = buffer.length;
  return entry.bytes;
}

function queuedBytes(queue: Buffer | Buffer[] | undefined): number {
  if (queue === undefined) {
    return 0;
  }
  return Array.isArray(queue) ? queue.reduce((sum, frame) => sum + frame.length, 0) : queue.length;
}

/** What a connection's TCP socket has waiting in this process (stream buffer, libuv queue). */
export function socketBytes(raw: DirectlyWritable): number {
  return raw.writableLength + (raw._handle?.writeQueueSize ?? 0);
}

/**
 * Bytes written to a connection that are still in this process: the fan-out writer's queue,
 * engine.io's buffer (between a long-polling client's polls; behind a pending write on a
 * WebSocket), ws's sender queue, the TCP stream's buffer and libuv's queue. Not the kernel's
 * socket buffer: that is the kernel's to bound.
 *
 * On a WebSocket, engine.io's buffer counts only while the TCP socket has bytes waiting: engine.io
 * sends one batch at a time and buffers the rest until the previous one is written, which within
 * one event-loop round is a burst for a client that reads (50 concurrent sends took 56 packets),
 * and is a stalled client only when the kernel has stopped taking bytes.
 */
export function backlogBytes(connection: unknown): number {
  const conn = connection as EngineConnection;
  const queued = queuedBytes(conn[QUEUE]);
  if (conn.transport.name !== 'websocket') {
    return queued + engineBufferBytes(conn);
  }
  const websocket = conn.transport.socket;
  const raw = websocket?._socket;
  const waiting =
    (websocket?.bufferedAmount ?? raw?.writableLength ?? 0) + (raw?._handle?.writeQueueSize ?? 0);
  if (waiting === 0) {
    // Nothing held for a slow reader: forget any count (it would keep sent packets alive).
    measured.delete(conn);
    return queued;
  }
  return queued + waiting + engineBufferBytes(conn);
}

/** The limit that applies to `connection` (none until its server has one). */
export function backlogLimitOf(connection: unknown): BacklogLimit | undefined {
  return ((connection as EngineConnection | undefined)?.server as LimitedServer | undefined)?.[
    LIMIT
  ];
}

/** Closes a connection at once: no close handshake, nothing more for it is kept. */
export function dropConnection(connection: unknown): boolean {
  const conn = connection as EngineConnection;
  const websocket = conn.transport.name === 'websocket' ? conn.transport.socket : undefined;
  const raw = websocket?._socket;
  if (raw) {
    if (raw.destroyed) {
      return false;
    }
    // ws then closes, and engine.io and Socket.IO with it ("transport close").
    raw.destroy();
    return true;
  }
  if (conn.readyState === 'closed') {
    return false;
  }
  // `true` (discard): a long-polling transport would otherwise wait 30 s for a poll to close on.
  conn.close(true);
  return true;
}

/**
 * The most bytes a connection may have waiting in this process (`SLOW_CLIENT_BUFFER_BYTES`). A
 * client that stops reading (or never polls) is closed there, whatever was being written to it,
 * rather than kept with everything since; it resumes on reconnect. Every engine.io write to a
 * connection checks it (broadcasts check it in the fan-out writer).
 */
export class BacklogLimit {
  /** Connections closed for having more than `maxBytes` waiting, or stalling. */
  slowClosed = 0;
  /** Connections last seen with more than a quarter of the limit waiting, and since when. */
  private readonly stalledSince = new WeakMap<object, number>();

  constructor(
    public maxBytes: number,
    /** The engine.io server whose connections it bounds. */
    engine: object,
  ) {
    // The limit hangs on the server: connections keep nothing for it (idle memory counts).
    Object.defineProperty(engine, LIMIT, { value: this, configurable: true });
  }

  /** Makes every write to `connection` check the limit first. */
  attach(connection: unknown): void {
    wrapWrites(connection);
  }

  /** No limit (engine.io is not shaped as expected: see `engineShapeProblem`). */
  disable(): void {
    this.maxBytes = Number.POSITIVE_INFINITY;
  }

  /** Closes `conn` if `more` bytes would take what it has waiting past the limit. */
  refuses(conn: EngineConnection, more: number): boolean {
    if (this.maxBytes === Number.POSITIVE_INFINITY || backlogBytes(conn) + more <= this.maxBytes) {
      return false;
    }
    this.closeAsSlow(conn);
    return true;
  }

  /**
   * Closes the connections among `connections` that have had more than a quarter of the limit
   * waiting since {@link STALL_TIMEOUT_MS} ago (run every few seconds).
   */
  sweep(connections: Iterable<unknown>, now = Date.now()): void {
    if (this.maxBytes === Number.POSITIVE_INFINITY) {
      return;
    }
    for (const connection of connections) {
      const conn = connection as EngineConnection;
      if (backlogBytes(conn) <= this.maxBytes / 4) {
        this.stalledSince.delete(conn);
        continue;
      }
      const since = this.stalledSince.get(conn);
      if (since === undefined) {
        this.stalledSince.set(conn, now);
      } else if (now - since >= STALL_TIMEOUT_MS) {
        this.stalledSince.delete(conn);
        this.closeAsSlow(conn);
      }
    }
  }

  closeAsSlow(conn: EngineConnection): void {
    if (dropConnection(conn)) {
      this.slowClosed += 1;
    }
  }
}

/**
 * Wraps engine.io's `Socket#write` (every Socket.IO packet goes through it), once: the fan-out
 * writer's queued frames go first, so nothing overtakes them; then the limit is checked, and a
 * write that would take the connection past it closes the connection instead.
 */
export function wrapWrites(connection: unknown): void {
  const socketClass = Object.getPrototypeOf(connection) as EngineConnection;
  if (Object.hasOwn(socketClass, WRAPPED)) {
    return;
  }
  // Taken off the class to be called on each connection, never unbound from one.
  const write = Reflect.get<EngineConnection, 'write'>(socketClass, 'write');
  Object.defineProperty(socketClass, WRAPPED, { value: true });
  socketClass.write = function (this: EngineConnection, data, options, callback) {
    this[WRITER]?.flushOne(this);
    const limit = (this.server as LimitedServer)[LIMIT];
    if (limit?.refuses(this, sizeOf(data))) {
      return this;
    }
    return write.call(this, data, options, callback);
  };
}

function sizeOf(data: unknown): number {
  if (typeof data === 'string') {
    return data.length;
  }
  return (data as { byteLength?: number } | undefined)?.byteLength ?? 0;
}

/**
 * What is missing from engine.io's connection for the above, or undefined when all is there:
 * checked on the first connection, so an upgrade that moved things shows at once.
 */
export function engineShapeProblem(connection: unknown): string | undefined {
  const conn = connection as Partial<EngineConnection>;
  if (!Array.isArray(conn.writeBuffer)) {
    return 'engine.io connection without a writeBuffer array';
  }
  if (typeof conn.server !== 'object' || conn.server === null) {
    return 'engine.io connection without its server';
  }
  if (typeof conn.write !== 'function' || typeof conn.close !== 'function') {
    return 'engine.io connection without write/close';
  }
  if (typeof conn.transport?.name !== 'string') {
    return 'engine.io connection without a named transport';
  }
  return undefined;
}
