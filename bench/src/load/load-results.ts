/** What the load generator is asked to do, and what it measured. */

export interface ConnectOptions {
  clients: number;
  /** Most handshakes in flight at once. */
  concurrency: number;
  /** Give up (and close whatever is still connecting) after this long. */
  deadlineMs: number;
}

export interface ConnectResult {
  requested: number;
  connected: number;
  failed: number;
  /** Still connecting when the deadline passed (closed then). */
  timedOut: number;
  /** Why connections failed, with counts (connect_error codes, socket errors). */
  failures: Map<string, number>;
  /** From the first handshake until the last one settled (or the deadline). */
  seconds: number;
  /** Each connection: from `new WebSocket` until the namespace's `40` arrived. */
  connectMs: { p50: number; p99: number; max: number };
}

export interface RunOptions {
  /** Messages per second, all senders together. */
  rate: number;
  /** Unmeasured sending at the same rate, right before the window. */
  warmupS: number;
  durationS: number;
  senders: number;
  /** After the sending window, wait at most this long for the remaining deliveries. */
  drainMs: number;
  serverPid: number;
  /** The cores the server and this process are pinned to. */
  serverCore: number;
  loadCore: number;
}

export interface RunResult {
  rate: number;
  warmupS: number;
  durationS: number;
  senders: number;
  /** Clients connected when the window opened (everyone is a recipient, senders included). */
  clients: number;
  sent: number;
  /** Sends that found their sender disconnected. */
  unsent: number;
  expected: number;
  received: number;
  /** Deliveries that arrived during the sending window. */
  receivedInWindow: number;
  windowSeconds: number;
  offeredPerSecond: number;
  deliveredPerSecond: number;
  /** Every frame received during the window (deliveries, presence, pings, acks), per second. */
  framesPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  missing: number;
  missingPct: number;
  /** Deliveries beyond the expected count for their message (should be 0). */
  duplicates: number;
  /** Deliveries of an earlier run's messages that arrived during this one (a backlog). */
  late: number;
  drained: boolean;
  drainMs: number;
  acksOk: number;
  acksRefused: number;
  refusals: Map<string, number>;
  ackMs: { p50: number; p99: number };
  /** Clients that went away during the run. */
  disconnects: number;
  serverCpuPct: number;
  serverCpuUsPerDelivery: number;
  loadCpuPct: number;
  /** How busy each core was during the window, everything included (softirq too). */
  serverCoreBusyPct: number;
  loadCoreBusyPct: number;
}
