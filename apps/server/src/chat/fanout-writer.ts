import type { Socket as NetSocket } from 'node:net';

/**
 * The parts of engine.io's connection (`socket.conn`) and of its WebSocket transport that the
 * writer relies on. engine.io 6.6 and ws 8 (pinned through socket.io 4.8.4); the fan-out tests
 * (ordering, acks, long-polling, upgrades) fail if a release changes them.
 */
interface EngineConnection {
  readyState: string;
  upgrading: boolean;
  writeBuffer: unknown[];
  transport: {
    name: string;
    writable: boolean;
    socket?: {
      readyState: number;
      _socket?: NetSocket;
      _sender?: { _queue?: unknown[] };
    };
  };
  write(data: unknown, options?: PacketOptions, callback?: () => void): unknown;
  once(event: 'close', listener: () => void): unknown;
}

/** What the Socket.IO adapter passes along with a broadcast packet. */
interface PacketOptions {
  volatile?: boolean;
  /** The whole WebSocket frame, built once per broadcast by socket.io-adapter. */
  wsPreEncodedFrame?: Buffer[];
}

const WEBSOCKET_OPEN = 1;

/**
 * Coalesces broadcast writes: the fan-out's cost is one `write()` system call per recipient per
 * message (about 5-7 µs of kernel time on loopback), far more than the JavaScript around it.
 *
 * Socket.IO already frames a broadcast once; engine.io then hands that frame to every socket
 * through its packet queue, its transport and ws's sender, one system call each. Here a frame for
 * a WebSocket connection that has nothing else pending is queued instead, and every connection's
 * queue goes out in one `writev` when the event loop has finished the current round of I/O
 * (`setImmediate`). Under light load that is the same single write, a few microseconds later;
 * under heavy load every message that arrived in one round reaches each recipient in one
 * system call instead of one per message.
 *
 * Order is kept: anything else written to a connection (acks, its own events, long-polling,
 * upgrades in progress) first flushes what is queued and then takes engine.io's usual path, and a
 * connection with packets waiting in engine.io's own buffer is never overtaken.
 */
export class FanoutWriter {
  private readonly pending = new Map<EngineConnection, Buffer[]>();
  private readonly merged = new WeakMap<Buffer[], Buffer>();
  private scheduled = false;

  /** Frames written through the coalescing path, and the system-call batches they took. */
  framesCoalesced = 0;
  batchesWritten = 0;

  /** Takes over `conn.write` for one engine.io connection. */
  attach(connection: unknown): void {
    const conn = connection as EngineConnection;
    const write = conn.write.bind(conn);
    conn.write = (data, options, callback) => {
      const frame = options?.wsPreEncodedFrame;
      const raw = frame && callback === undefined ? this.rawSocket(conn) : undefined;
      if (raw && frame) {
        this.enqueue(conn, frame);
        return conn;
      }
      this.flushOne(conn);
      return write(data, options, callback);
    };
    conn.once('close', () => this.pending.delete(conn));
  }

  /** Writes every queued frame now (the event loop does this by itself after each I/O round). */
  flush(): void {
    this.scheduled = false;
    for (const conn of this.pending.keys()) {
      this.flushOne(conn);
    }
  }

  /** The TCP socket of `conn` when a frame may be written to it directly, keeping order. */
  private rawSocket(conn: EngineConnection): NetSocket | undefined {
    const { transport } = conn;
    const ws = transport.socket;
    if (
      transport.name !== 'websocket' ||
      conn.readyState !== 'open' ||
      conn.upgrading ||
      // Something is already waiting in engine.io (or ws): it must go first.
      (!this.pending.has(conn) && (!transport.writable || conn.writeBuffer.length > 0)) ||
      ws?.readyState !== WEBSOCKET_OPEN ||
      (ws._sender?._queue?.length ?? 0) > 0
    ) {
      return undefined;
    }
    return ws._socket?.writable ? ws._socket : undefined;
  }

  private enqueue(conn: EngineConnection, frame: Buffer[]): void {
    let merged = this.merged.get(frame);
    if (!merged) {
      // Header and payload as one buffer, once per broadcast rather than per recipient.
      merged = Buffer.concat(frame);
      this.merged.set(frame, merged);
    }
    const queue = this.pending.get(conn);
    if (queue) {
      queue.push(merged);
    } else {
      this.pending.set(conn, [merged]);
    }
    this.framesCoalesced += 1;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flushOne(conn: EngineConnection): void {
    const queue = this.pending.get(conn);
    if (!queue) {
      return;
    }
    this.pending.delete(conn);
    const raw = conn.transport.socket?._socket;
    if (!raw?.writable) {
      return;
    }
    this.batchesWritten += 1;
    const [only] = queue;
    if (queue.length === 1 && only) {
      raw.write(only);
      return;
    }
    raw.cork();
    for (const buffer of queue) {
      raw.write(buffer);
    }
    raw.uncork();
  }
}
