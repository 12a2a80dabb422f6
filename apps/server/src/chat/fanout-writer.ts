import {
  type BacklogLimit,
  type EngineConnection,
  QUEUE,
  WRITER,
  wrapWrites,
} from './connection-backlog.js';

/** What the Socket.IO adapter passes along with a broadcast packet. */
interface PacketOptions {
  volatile?: boolean;
  /** The whole WebSocket frame, built once per broadcast by socket.io-adapter. */
  wsPreEncodedFrame?: Buffer[];
}

/** The parts of a Socket.IO socket the broadcast path uses. */
interface BroadcastTarget {
  conn: EngineConnection;
  notifyOutgoingListeners?: (packet: unknown) => void;
}

/**
 * The parts of socket.io-adapter's `Adapter` (2.5, pinned with engine.io and ws in
 * pnpm-workspace.yaml) that local broadcast delivery goes through.
 */
interface LocalAdapter {
  rooms: Map<string, Set<string>>;
  nsp: { sockets: Map<string, BroadcastTarget> };
  computeExceptSids(except?: Set<string>): Set<string>;
  _encode(packet: unknown, options: PacketOptions): unknown[];
  apply(opts: { rooms: Set<string>; except?: Set<string> }, callback: Deliver): void;
}
type Deliver = (socket: BroadcastTarget) => void;

const WEBSOCKET_OPEN = 1;

/**
 * The broadcast hot path. A group chat's cost is fan-out: every message is one write per
 * recipient, and a `write()` system call costs about 5-7 µs of kernel time on loopback, more
 * than everything Socket.IO does around it, which is itself several µs per recipient.
 *
 * Socket.IO frames a broadcast once; then, per recipient, its adapter collects the room's socket
 * ids into a new set, and engine.io pushes the frame through its packet queue, its transport and
 * ws's sender, one system call each. Here, per recipient, the frame is only appended to the
 * connection's queue; when the event loop has finished the current round of I/O
 * (`setImmediate`), every queue goes out in one write. Under light load that is the same single
 * write a few microseconds later; under heavy load every message that arrived in one round
 * reaches each recipient in one system call instead of one per message, and recipients with the
 * same frames share one buffer.
 *
 * Order is kept: anything else written to a connection (acks, its own events) first flushes its
 * queue and then takes engine.io's usual path; connections that are long-polling or upgrading,
 * or with packets waiting in engine.io's buffer, and volatile packets, take the usual path too.
 */
export class FanoutWriter {
  private pending: EngineConnection[] = [];
  /** False once a shape check failed: every broadcast then takes Socket.IO's own path. */
  private enabled = true;
  /** The last concatenation of several frames, reused while recipients have the same queue. */
  private joined: { parts: Buffer[]; buffer: Buffer } | undefined;

  /** Frames written through the coalescing path, and the writes they took. */
  framesCoalesced = 0;
  batchesWritten = 0;

  constructor(
    /**
     * Most bytes a connection may have waiting in this process (the stream's buffer and libuv's
     * queue once the kernel's socket buffer is full, engine.io's buffer). A client that stops
     * reading is closed there rather than kept with every broadcast since; it resumes on
     * reconnect.
     */
    private readonly limit: BacklogLimit,
  ) {}

  /**
   * Takes over local broadcast delivery of a Socket.IO adapter (the in-memory one, or a cluster
   * adapter's local part): broadcasts are encoded by the adapter as usual, then delivered here.
   */
  attachAdapter(instance: unknown): void {
    const adapter = instance as LocalAdapter;
    const encode = adapter._encode.bind(adapter);
    const apply = adapter.apply.bind(adapter);
    // `broadcast` encodes, then applies to every target, synchronously: what `_encode` produced
    // is what the very next `apply` delivers. Packets expecting acks from every client
    // (`broadcastWithAck`) and volatile ones keep Socket.IO's own path.
    let encoded: { packet: unknown; frame: Buffer[] } | undefined;
    adapter._encode = (packet, options) => {
      const packets = encode(packet, options);
      const frame = options.wsPreEncodedFrame;
      if (frame && options.volatile !== true && (packet as { id?: number }).id === undefined) {
        encoded = { packet, frame };
        // Never to be taken by a later, unrelated `apply` (e.g. `disconnectSockets`).
        queueMicrotask(() => (encoded = undefined));
      }
      return packets;
    };
    adapter.apply = (opts, callback) => {
      const broadcast = encoded;
      encoded = undefined;
      if (!broadcast || !this.enabled) {
        apply(opts, callback);
        return;
      }
      const { packet } = broadcast;
      // Header and payload as one buffer, once per broadcast rather than per recipient.
      const frame = Buffer.concat(broadcast.frame);
      const deliver: Deliver = (socket) => {
        const conn = socket.conn;
        if (this.writable(conn)) {
          socket.notifyOutgoingListeners?.(packet);
          this.enqueue(conn, frame);
        } else if (!this.limit.refuses(conn, frame.length)) {
          // engine.io buffers it (e.g. while its own write to a stalled client is pending).
          callback(socket);
        }
      };
      const [room, ...others] = opts.rooms;
      if (room === undefined || others.length > 0) {
        apply(opts, deliver);
        return;
      }
      // One room (every chat broadcast): no need for the set that de-duplicates across rooms.
      const except = adapter.computeExceptSids(opts.except);
      const sockets = adapter.nsp.sockets;
      for (const id of adapter.rooms.get(room) ?? []) {
        const socket = except.size > 0 && except.has(id) ? undefined : sockets.get(id);
        if (socket) {
          deliver(socket);
        }
      }
    };
  }

  /**
   * Makes anything else written to an engine.io connection go after its queued frames. The
   * connection only gets a reference to this writer: `write` is wrapped once, on engine.io's
   * Socket class (see `wrapWrites`), rather than with two functions per connection.
   */
  attach(connection: unknown): void {
    const conn = connection as EngineConnection;
    conn[WRITER] = this;
    wrapWrites(conn);
  }

  /**
   * Hands every later broadcast back to Socket.IO (as `FANOUT_COALESCING=false`), after writing
   * what is queued: for when engine.io or ws turn out not to be shaped as this writer expects.
   */
  disable(): void {
    this.enabled = false;
    this.flush();
  }

  get coalescing(): boolean {
    return this.enabled;
  }

  /** Writes every queued frame now (the event loop does this by itself after each I/O round). */
  flush(): void {
    const pending = this.pending;
    this.pending = [];
    for (const conn of pending) {
      this.flushOne(conn);
    }
    this.joined = undefined;
  }

  /** Whether a frame may go to `conn` through its queue, without overtaking anything. */
  private writable(conn: EngineConnection): boolean {
    if (conn[QUEUE] !== undefined) {
      return true;
    }
    // Checked per recipient, so only what can change: ws's own queue only fills with
    // compression or Blobs (never used here), and a closed TCP socket is skipped at the write.
    const { transport } = conn;
    return (
      transport.writable &&
      conn.writeBuffer.length === 0 &&
      transport.name === 'websocket' &&
      conn.readyState === 'open' &&
      !conn.upgrading &&
      transport.socket?.readyState === WEBSOCKET_OPEN
    );
  }

  /** Appends `frame` to the connection's queue: one frame as itself, more as an array. */
  private enqueue(conn: EngineConnection, frame: Buffer): void {
    const queue = conn[QUEUE];
    if (Array.isArray(queue)) {
      queue.push(frame);
    } else if (queue !== undefined) {
      conn[QUEUE] = [queue, frame];
    } else {
      conn[QUEUE] = frame;
      if (this.pending.push(conn) === 1) {
        setImmediate(() => this.flush());
      }
    }
    this.framesCoalesced += 1;
  }

  /** Writes the connection's queued frames, if any. */
  flushOne(conn: EngineConnection): void {
    const queue = conn[QUEUE];
    if (queue === undefined) {
      return;
    }
    conn[QUEUE] = undefined;
    const raw = conn.transport.socket?._socket;
    if (!raw?.writable) {
      return;
    }
    const data = Array.isArray(queue) ? this.join(queue) : queue;
    // engine.io's buffer is empty while frames queue here (see `writable`): only the socket's
    // own buffers count.
    const buffered = raw.writableLength;
    if (buffered + (raw._handle?.writeQueueSize ?? 0) + data.length > this.limit.maxBytes) {
      this.limit.closeAsSlow(conn);
      return;
    }
    this.batchesWritten += 1;
    // With nothing waiting in the stream's own buffer, the stream would hand the buffer straight
    // to the handle: do that without its bookkeeping (about 1 µs per write, a tenth of a
    // delivery). Anything written later queues behind it in libuv, in order.
    if (raw._writeGeneric && buffered === 0 && !raw.connecting) {
      raw._writeGeneric(false, data, 'buffer', (error) => {
        if (error) {
          raw.destroy(error);
        }
      });
    } else {
      raw.write(data);
    }
  }

  /** The frames of `queue` as one buffer; the same one for every recipient of the same frames. */
  private join(queue: Buffer[]): Buffer {
    const last = this.joined;
    if (last?.parts.length === queue.length && last.parts.every((part, i) => part === queue[i])) {
      return last.buffer;
    }
    const buffer = Buffer.concat(queue);
    this.joined = { parts: queue, buffer };
    return buffer;
  }
}

/**
 * What the writer needs of a Socket.IO server and is missing, or undefined when all is there;
 * checked at boot. Frames are written as ws encoded them for the adapter, uncompressed: with
 * per-message deflate on, a client would get frames it did not negotiate.
 */
export function fanoutShapeProblem(
  adapter: unknown,
  engineOptions: { perMessageDeflate?: unknown },
): string | undefined {
  if (engineOptions.perMessageDeflate) {
    return 'per-message deflate is on, and the writer sends uncompressed frames';
  }
  const local = adapter as Partial<LocalAdapter> | undefined;
  if (
    typeof local?._encode !== 'function' ||
    typeof local.apply !== 'function' ||
    typeof local.computeExceptSids !== 'function'
  ) {
    return 'socket.io-adapter without _encode, apply and computeExceptSids';
  }
  if (!(local.rooms instanceof Map) || !(local.nsp?.sockets instanceof Map)) {
    return "socket.io-adapter without its rooms' and namespace's socket maps";
  }
  return undefined;
}

/**
 * What the writer needs of a WebSocket connection and is missing (checked on the first one):
 * ws's socket with its state, and the TCP socket under it.
 */
export function websocketShapeProblem(connection: unknown): string | undefined {
  const socket = (connection as Partial<EngineConnection>).transport?.socket;
  if (typeof socket?.readyState !== 'number') {
    return "engine.io's websocket transport without ws's socket and its readyState";
  }
  const raw = socket._socket;
  if (typeof raw?.write !== 'function' || typeof raw.writableLength !== 'number') {
    return "ws's socket without the TCP socket under it (_socket)";
  }
  return undefined;
}
