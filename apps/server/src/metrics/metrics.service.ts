import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Prometheus metrics for operators (`GET /metrics`): traffic, refusals, presence, store latency,
 * plus Node's defaults (event-loop lag, heap, GC). One registry per app, so tests and several
 * apps in one process never mix their figures.
 */
/** What the fan-out writer has done since start. */
export interface FanoutTotals {
  frames: number;
  writes: number;
  slowClosed: number;
}

@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly messagesIn = new Counter({
    name: 'parley_messages_in_total',
    help: 'Messages accepted and stored (retries recognised by client_id not counted)',
    registers: [this.registry],
  });

  readonly deliveriesOut = new Counter({
    name: 'parley_deliveries_out_total',
    help: 'Chat messages handed to sockets (one per recipient)',
    registers: [this.registry],
  });

  readonly refusals = new Counter({
    name: 'parley_refusals_total',
    help: 'Requests refused, by error code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  readonly storeLatency = new Histogram({
    name: 'parley_store_latency_seconds',
    help: 'Time the message store took, by operation',
    labelNames: ['operation'] as const,
    buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
    registers: [this.registry],
  });

  private socketsSource: () => number = () => 0;
  private usersSource: () => number = () => 0;
  private fanoutSource: () => FanoutTotals = () => ({ frames: 0, writes: 0, slowClosed: 0 });

  constructor() {
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 20 });
    const read = (source: () => () => number) =>
      function (this: Gauge) {
        this.set(source()());
      };
    new Gauge({
      name: 'parley_connected_sockets',
      help: 'Socket.IO connections open on this node',
      registers: [this.registry],
      collect: read(() => this.socketsSource),
    });
    new Gauge({
      name: 'parley_users_online',
      help: 'People online on this node (sessions present in a room, each room counted)',
      registers: [this.registry],
      collect: read(() => this.usersSource),
    });
    // Totals kept by the fan-out writer as plain numbers (it counts per delivery, where even a
    // counter's increment would show), copied into counters when scraped.
    const total = (pick: (totals: FanoutTotals) => number) =>
      function (this: Counter) {
        this.reset();
        this.inc(pick(source()));
      };
    const source = () => this.fanoutSource();
    new Counter({
      name: 'parley_fanout_frames_total',
      help: 'Broadcast frames written through the coalescing fan-out writer',
      registers: [this.registry],
      collect: total((totals) => totals.frames),
    });
    new Counter({
      name: 'parley_fanout_writes_total',
      help: 'Socket writes the fan-out writer made for them (frames / writes = coalescing)',
      registers: [this.registry],
      collect: total((totals) => totals.writes),
    });
    new Counter({
      name: 'parley_slow_clients_closed_total',
      help: 'Connections closed for having more than SLOW_CLIENT_BUFFER_BYTES waiting to be written',
      registers: [this.registry],
      collect: total((totals) => totals.slowClosed),
    });
  }

  /** Where the fan-out writer's totals are read from. */
  observeFanout(source: () => FanoutTotals): void {
    this.fanoutSource = source;
  }

  /** Where the live gauges read from (set once the gateway and presence exist). */
  observe(sources: { sockets: () => number; users: () => number }): void {
    this.socketsSource = sources.sockets;
    this.usersSource = sources.users;
  }

  /** Runs a store operation and records how long it took. */
  async timeStore<T>(operation: string, run: () => Promise<T>): Promise<T> {
    const end = this.storeLatency.startTimer({ operation });
    try {
      return await run();
    } finally {
      end();
    }
  }
}
