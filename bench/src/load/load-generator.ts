import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

import WebSocket from 'ws';

import { FrameReader } from './frame-reader.js';
import { pace } from './pace.js';
import type { ConnectOptions, ConnectResult, RunOptions, RunResult } from './load-results.js';
import { useSharedReadBuffer } from './shared-read-buffer.js';
import { Histogram } from './histogram.js';
import { coreBusyPct, cpuCoreTicks, cpuSeconds, ownCpuSeconds } from './proc.js';
import {
  benchText,
  CHAR_0,
  CHAR_1,
  CHAR_2,
  CHAR_3,
  CHAR_4,
  connectErrorCode,
  isNewMessage,
  joinFrame,
  MESSAGE_MARKER,
  PONG,
  readAckId,
  readSeqAndTime,
  sendMessageFrame,
  SOCKET_IO_PATH,
} from './wire.js';

export type { ConnectOptions, ConnectResult, RunOptions, RunResult } from './load-results.js';

const OK_TRUE = Buffer.from('"ok":true');

const enum State {
  Connecting,
  Connected,
  Closed,
}

interface Connection {
  ws: WebSocket;
  state: State;
  startedAt: number;
  /** Called once, when the connection joins the namespace or fails to. */
  settle: ((failure: string | undefined) => void) | undefined;
}

/**
 * Many light Socket.IO clients in one process: raw `ws` connections speaking just enough of the
 * protocol (see wire.ts), reading frames as Buffers (with FrameReader, without a copy or an
 * allocation per frame, unless `ownReader` is false). Per frame: a type check, and for
 * `new_message` a marker search and two integers parsed by hand; nothing is decoded as a string.
 * Sent messages carry their sequence number and send time, so receipts need no lookup table
 * beyond per-run counters, and latencies go into fixed-bucket histograms.
 */
export class LoadGenerator {
  private readonly connections: Connection[] = [];
  private readonly join: string;
  private connected = 0;
  private disconnects = 0;

  // Per-run accounting, indexed by `seq - base`.
  private nextSeq = 1;
  private base = 0;
  private expected = new Uint32Array(0);
  private receivedBySeq = new Uint32Array(0);
  private sentAt = new Float64Array(0);
  private measuring = false;
  private inWindow = false;
  private frames = 0;
  /** Every `new_message` frame, measured or not (to tell when a backlog has drained). */
  private messageFrames = 0;
  private received = 0;
  private receivedInWindow = 0;
  private stray = 0;
  /** The first sequence number of the current run's warm-up (its messages precede `base`). */
  private warmupBase = 0;
  private acksOk = 0;
  private acksRefused = 0;
  private refusals = new Map<string, number>();
  private readonly latency = new Histogram(0.05, 10_000);
  private readonly ackLatency = new Histogram(0.05, 10_000);
  private readonly scratch = new Float64Array(2);

  /** Connections whose frames ws's receiver had to read after all (see takeOverReading). */
  ownReaderFallbacks = 0;
  /** Connections read through Node's stream (a Buffer and events per read) after all. */
  sharedReadFallbacks = 0;

  constructor(
    private readonly url: string,
    auth: Record<string, unknown> | undefined,
    /** Read frames with FrameReader (the default) rather than ws's 'message' events. */
    private readonly ownReader = true,
  ) {
    this.join = joinFrame(auth);
  }

  /** Opens `clients` connections, at most `concurrency` handshakes at a time. */
  async connect({ clients, concurrency, deadlineMs }: ConnectOptions): Promise<ConnectResult> {
    const times = new Histogram(1, 120_000);
    const failures = new Map<string, number>();
    const started = performance.now();
    let launched = 0;
    let inFlight = 0;
    let connected = 0;
    let failed = 0;
    let timedOut = 0;
    const pending = new Set<Connection>();
    await new Promise<void>((resolve) => {
      let done = false;
      const finish = () => {
        if (!done) {
          done = true;
          clearTimeout(deadline);
          resolve();
        }
      };
      const deadline = setTimeout(() => {
        timedOut = pending.size + (clients - launched);
        for (const connection of pending) {
          connection.settle = undefined;
          connection.state = State.Closed;
          connection.ws.terminate();
        }
        pending.clear();
        finish();
      }, deadlineMs);
      const launch = () => {
        while (!done && inFlight < concurrency && launched < clients) {
          launched++;
          inFlight++;
          const connection = this.open((failure) => {
            pending.delete(connection);
            inFlight--;
            if (failure === undefined) {
              connected++;
              times.record(performance.now() - connection.startedAt);
            } else {
              failed++;
              failures.set(failure, (failures.get(failure) ?? 0) + 1);
            }
            if (launched === clients && inFlight === 0) {
              finish();
            } else {
              launch();
            }
          });
          pending.add(connection);
        }
      };
      if (clients === 0) {
        finish();
      } else {
        launch();
      }
    });
    return {
      requested: clients,
      connected,
      failed,
      timedOut,
      failures,
      seconds: (performance.now() - started) / 1000,
      connectMs: { p50: times.quantile(0.5), p99: times.quantile(0.99), max: times.max },
    };
  }

  private open(settle: (failure: string | undefined) => void): Connection {
    const ws = new WebSocket(this.url + SOCKET_IO_PATH, {
      perMessageDeflate: false,
      skipUTF8Validation: true,
    });
    const connection: Connection = {
      ws,
      state: State.Connecting,
      startedAt: performance.now(),
      settle,
    };
    this.connections.push(connection);
    ws.on('message', (data) => {
      const frame = data as Buffer;
      this.onFrame(connection, frame, 0, frame.length);
    });
    if (this.ownReader) {
      ws.once('open', () => this.takeOverReading(connection));
    }
    ws.on('error', (error) => this.fail(connection, `socket: ${error.message}`));
    ws.on('close', () => {
      if (connection.state === State.Connected) {
        this.connected--;
        this.disconnects++;
      }
      this.fail(connection, 'closed before joining');
      connection.state = State.Closed;
    });
    return connection;
  }

  /**
   * Reads the connection's frames with FrameReader instead of ws's receiver: swaps ws's 'data'
   * listener on the TCP socket for ours, right when ws has installed it ('open' is emitted
   * synchronously after that, before any data flows). Sending, closing and errors stay with ws.
   * If ws's internals ever differ from what this expects, ws's own 'message' events are used.
   */
  private takeOverReading(connection: Connection): void {
    const socket = (connection.ws as unknown as { _socket?: Socket })._socket;
    const listeners = socket?.listeners('data') ?? [];
    const [wsListener] = listeners;
    if (!socket || listeners.length !== 1 || typeof wsListener !== 'function') {
      this.ownReaderFallbacks++;
      return;
    }
    const reader = new FrameReader(
      (buffer, start, end) => this.onFrame(connection, buffer, start, end),
      (reason) => {
        if (connection.state === State.Connecting) {
          this.fail(connection, reason);
        } else {
          connection.ws.terminate();
        }
      },
    );
    socket.off('data', wsListener as (chunk: Buffer) => void);
    // What the socket has already read (ws unshifts the bytes after the handshake) still comes
    // as 'data'; from now on its reads land in one shared buffer, straight into the reader.
    socket.on('data', (chunk: Buffer) => reader.push(chunk));
    if (!useSharedReadBuffer(socket, (size, buffer) => reader.push(buffer, size))) {
      this.sharedReadFallbacks++;
    }
  }

  private fail(connection: Connection, reason: string): void {
    const settle = connection.settle;
    if (settle) {
      connection.settle = undefined;
      connection.state = State.Closed;
      connection.ws.terminate();
      settle(reason);
    }
  }

  /** One text message: bytes `start..end` of `buffer` (valid during the call only). */
  private onFrame(connection: Connection, buffer: Buffer, start: number, end: number): void {
    this.frames++;
    const type = buffer[start];
    if (type === CHAR_4) {
      const packet = buffer[start + 1];
      if (packet === CHAR_2) {
        if (isNewMessage(buffer, start, end)) {
          this.messageFrames++;
          if (this.measuring) {
            this.onDelivery(buffer, start, end);
          }
        }
      } else if (packet === CHAR_3) {
        this.onAck(buffer, start, end);
      } else if (packet === CHAR_0) {
        const settle = connection.settle;
        if (settle && connection.state === State.Connecting) {
          connection.settle = undefined;
          connection.state = State.Connected;
          this.connected++;
          settle(undefined);
        }
      } else if (packet === CHAR_4) {
        this.fail(connection, `connect_error: ${connectErrorCode(buffer, start, end)}`);
      } else if (packet === CHAR_1) {
        // Disconnected from the namespace by the server.
        connection.ws.terminate();
      }
    } else if (type === CHAR_2) {
      connection.ws.send(PONG);
    } else if (type === CHAR_0) {
      connection.ws.send(this.join);
    } else if (type === CHAR_1) {
      connection.ws.terminate();
    }
  }

  private onDelivery(buffer: Buffer, start: number, end: number): void {
    const at = buffer.indexOf(MESSAGE_MARKER, start + 16);
    if (at < 0 || at >= end || !readSeqAndTime(buffer, at, end, this.scratch)) {
      return;
    }
    const seq = this.scratch[0] ?? 0;
    const index = seq - this.base;
    if (index < 0 || index >= this.expected.length) {
      // The warm-up's messages are not measured; anything else is a backlog of an earlier run.
      if (seq < this.warmupBase || seq >= this.base) {
        this.stray++;
      }
      return;
    }
    this.receivedBySeq[index] = (this.receivedBySeq[index] ?? 0) + 1;
    this.received++;
    if (this.inWindow) {
      this.receivedInWindow++;
    }
    this.latency.record(performance.now() - (this.scratch[1] ?? 0) / 1000);
  }

  private onAck(buffer: Buffer, start: number, end: number): void {
    readAckId(buffer, start, end, this.scratch);
    const id = this.scratch[0] ?? -1;
    const payload = this.scratch[1] ?? end;
    const index = id - this.base;
    if (id < 0 || index < 0 || index >= this.sentAt.length) {
      return;
    }
    this.ackLatency.record(performance.now() - (this.sentAt[index] ?? 0));
    const ok = buffer.indexOf(OK_TRUE, payload);
    if (ok >= 0 && ok < end) {
      this.acksOk++;
      return;
    }
    this.acksRefused++;
    let code = 'unreadable';
    try {
      const [body] = JSON.parse(buffer.toString('utf8', payload, end)) as [{ error?: unknown }];
      code = typeof body?.error === 'string' ? body.error : JSON.stringify(body?.error ?? null);
    } catch {
      // Keep "unreadable".
    }
    this.refusals.set(code, (this.refusals.get(code) ?? 0) + 1);
  }

  /**
   * Sends `rate` messages per second for `warmupS` seconds, unmeasured, then for `durationS`
   * seconds, measured, round-robin over the first `senders` connected clients; then waits for
   * the deliveries still on their way. The warm-up brings both processes to their steady state
   * (optimised code, warm caches) before the window opens, with no pause in between.
   */
  async run({
    rate,
    warmupS,
    durationS,
    senders,
    drainMs,
    serverPid,
    serverCore,
    loadCore,
  }: RunOptions): Promise<RunResult> {
    const live = this.connections.filter((c) => c.state === State.Connected);
    const from = live.slice(0, Math.max(1, Math.min(senders, live.length)));
    const total = Math.round(rate * durationS);
    const warmupTotal = Math.round(rate * warmupS);
    this.warmupBase = this.nextSeq;
    this.base = this.warmupBase + warmupTotal;
    this.nextSeq = this.base + total;
    this.expected = new Uint32Array(total);
    this.receivedBySeq = new Uint32Array(total);
    this.sentAt = new Float64Array(total);
    this.latency.reset();
    this.ackLatency.reset();
    this.received = 0;
    this.receivedInWindow = 0;
    this.stray = 0;
    this.acksOk = 0;
    this.acksRefused = 0;
    this.refusals = new Map();
    const clients = this.connected;
    const disconnectsBefore = this.disconnects;
    let sent = 0;
    let unsent = 0;
    let expected = 0;

    await pace(rate, warmupS, (i) => {
      const seq = this.warmupBase + i;
      const connection = from[i % from.length];
      if (connection?.state === State.Connected) {
        connection.ws.send(
          sendMessageFrame(seq, benchText(seq, Math.round(performance.now() * 1000))),
        );
      }
    });

    const serverCpu0 = cpuSeconds(serverPid);
    const ownCpu0 = ownCpuSeconds();
    const cores0 = cpuCoreTicks();
    const frames0 = this.frames;
    this.measuring = true;
    this.inWindow = true;
    const t0 = performance.now();
    await pace(rate, durationS, (index) => {
      const seq = this.base + index;
      const connection = from[index % from.length];
      sent++;
      if (connection?.state !== State.Connected) {
        unsent++;
        return;
      }
      const at = performance.now();
      this.sentAt[index] = at;
      this.expected[index] = this.connected;
      expected += this.connected;
      connection.ws.send(sendMessageFrame(seq, benchText(seq, Math.round(at * 1000))));
    });
    const t1 = performance.now();
    this.inWindow = false;
    const serverCpu1 = cpuSeconds(serverPid);
    const ownCpu1 = ownCpuSeconds();
    const cores1 = cpuCoreTicks();
    const frames1 = this.frames;

    while (this.received < expected && performance.now() - t1 < drainMs) {
      await sleep(5);
    }
    const t2 = performance.now();
    const serverCpu2 = cpuSeconds(serverPid);
    // A little longer for the acks, which may trail the last delivery.
    const ackDeadline = performance.now() + 1000;
    while (this.acksOk + this.acksRefused < sent - unsent && performance.now() < ackDeadline) {
      await sleep(5);
    }
    this.measuring = false;

    let duplicates = 0;
    for (let i = 0; i < total; i++) {
      const over = (this.receivedBySeq[i] ?? 0) - (this.expected[i] ?? 0);
      if (over > 0) {
        duplicates += over;
      }
    }
    const windowSeconds = (t1 - t0) / 1000;
    const missing = Math.max(0, expected - (this.received - duplicates));
    return {
      rate,
      warmupS,
      durationS,
      senders: from.length,
      clients,
      sent,
      unsent,
      expected,
      received: this.received,
      receivedInWindow: this.receivedInWindow,
      windowSeconds,
      offeredPerSecond: rate * clients,
      deliveredPerSecond: this.receivedInWindow / windowSeconds,
      framesPerSecond: (frames1 - frames0) / windowSeconds,
      latencyMs: {
        p50: this.latency.quantile(0.5),
        p90: this.latency.quantile(0.9),
        p99: this.latency.quantile(0.99),
        max: this.latency.max,
        mean: this.latency.mean(),
      },
      missing,
      missingPct: expected > 0 ? (missing / expected) * 100 : 0,
      duplicates,
      late: this.stray,
      drained: this.received >= expected,
      drainMs: t2 - t1,
      acksOk: this.acksOk,
      acksRefused: this.acksRefused,
      refusals: this.refusals,
      ackMs: { p50: this.ackLatency.quantile(0.5), p99: this.ackLatency.quantile(0.99) },
      disconnects: this.disconnects - disconnectsBefore,
      serverCpuPct: ((serverCpu1 - serverCpu0) / windowSeconds) * 100,
      serverCpuUsPerDelivery:
        this.received > 0 ? ((serverCpu2 - serverCpu0) * 1e6) / this.received : NaN,
      loadCpuPct: ((ownCpu1 - ownCpu0) / windowSeconds) * 100,
      serverCoreBusyPct: coreBusyPct(cores0, cores1, serverCore),
      loadCoreBusyPct: coreBusyPct(cores0, cores1, loadCore),
    };
  }

  /**
   * Waits until no `new_message` has arrived for `quietMs` (a saturated server may still be working
   * through a backlog after the drain deadline), at most `limitMs`. Returns how long it waited.
   */
  async quiet(quietMs: number, limitMs: number): Promise<number> {
    const started = performance.now();
    let last = this.messageFrames;
    let lastChange = started;
    while (performance.now() - lastChange < quietMs && performance.now() - started < limitMs) {
      await sleep(50);
      if (this.messageFrames !== last) {
        last = this.messageFrames;
        lastChange = performance.now();
      }
    }
    return performance.now() - started;
  }

  /** Closes every connection at once (no closing handshake). */
  close(): void {
    for (const connection of this.connections) {
      connection.settle = undefined;
      connection.state = State.Closed;
      connection.ws.terminate();
    }
    this.connections.length = 0;
    this.connected = 0;
  }
}
