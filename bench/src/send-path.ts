/**
 * What one chat message costs on the way through the server, measured against the production
 * build. Prints figures; asserts nothing (tests assert behaviour, benchmarks measure).
 *
 * 1. The store write alone: `SqliteChatStore.appendMessage` on a WAL file, in this process. It runs
 *    synchronously on the event loop, so its tail latency is how long a send can hold up every
 *    other socket.
 * 2. The whole path, out of process: R receivers connected over WebSocket, one sender sending M
 *    messages at a steady rate with acks; ack round trip and fan-out latency (send until the last
 *    receiver has it), once with the SQLite file and once with SQLite in memory, so the difference
 *    is the cost of the disk.
 *
 * Usage: pnpm --filter @parley/bench bench:send-path [-- --receivers 200 --messages 2000 --rate 200]
 *
 * Server and clients share this machine's cores, so run it on an otherwise idle machine and
 * compare runs, not single figures: tails move with whatever else is running.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

import type {
  AckOf,
  ClientToServerEvents,
  NewMessagePayload,
  ServerToClientEvents,
} from '@parley/protocol';
import { SqliteChatStore } from '@parley/server/storage';
import { type RunningServer, startServer } from '@parley/server/testing';
import { io, type Socket } from 'socket.io-client';

import { BENCH_LIMITS } from './servers.js';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

const { values: args } = parseArgs({
  options: {
    receivers: { type: 'string', default: '200' },
    messages: { type: 'string', default: '2000' },
    rate: { type: 'string', default: '200' },
    writes: { type: 'string', default: '20000' },
  },
});
const RECEIVERS = Number(args.receivers);
const MESSAGES = Number(args.messages);
const RATE = Number(args.rate);
const WRITES = Number(args.writes);

function percentiles(samples: number[]): Record<'p50' | 'p90' | 'p99' | 'max', number> {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted.at(-1) ?? NaN };
}

const fmt = (value: number, unit: string) =>
  `${value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0)} ${unit}`;

function row(label: string, samples: number[], unit: string, scale = 1): string {
  const p = percentiles(samples.map((s) => s * scale));
  return `  ${label.padEnd(34)} p50 ${fmt(p.p50, unit).padStart(9)}  p90 ${fmt(p.p90, unit).padStart(9)}  p99 ${fmt(p.p99, unit).padStart(9)}  max ${fmt(p.max, unit).padStart(9)}`;
}

/** CPU seconds (user+system) and resident memory of a process, from /proc. */
function processStats(pid: number): { cpuSeconds: number; rssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = 100; // USER_HZ on Linux
  const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / ticks;
  const rssPages = Number(fields[21]);
  return { cpuSeconds, rssMb: (rssPages * 4096) / 1024 / 1024 };
}

async function storeWrites(dir: string): Promise<void> {
  const store = new SqliteChatStore(join(dir, 'bench.sqlite'));
  const samples: number[] = [];
  const text = 'A typical chat line, about sixty characters long, give or take.';
  for (let i = 0; i < WRITES; i++) {
    const start = performance.now();
    await store.appendMessage({
      room: 'bench',
      mentions: [],
      ts: Date.now(),
      sessionId: `s${i % 50}`,
      clientId: `c${i}`,
      username: 'User_1234',
      avatar: '/avatars/lorelei/User_1234.svg',
      message: text,
    });
    samples.push(performance.now() - start);
  }
  const readStart = performance.now();
  for (let i = 0; i < 1000; i++) {
    await store.latestMessages('bench', 50);
  }
  const readMs = (performance.now() - readStart) / 1000;
  await store.close();
  console.log(`\n1. Store write (SQLite WAL file, ${WRITES} appends with client_id, in process)`);
  console.log(row('appendMessage', samples, 'µs', 1000));
  console.log(`  ${'latestMessages(50)'.padEnd(34)} mean ${fmt(readMs * 1000, 'µs')}`);
}

function connect(url: string): Promise<Client> {
  const socket: Client = io(url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
  });
  return new Promise((resolve, reject) => {
    socket.once('history', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

async function sendPath(label: string, env: NodeJS.ProcessEnv): Promise<void> {
  const server: RunningServer = await startServer({ LOG_LEVEL: 'warn', ...BENCH_LIMITS, ...env });
  try {
    const receivers: Client[] = [];
    for (let i = 0; i < RECEIVERS; i++) {
      receivers.push(await connect(server.url));
    }
    const sender = await connect(server.url);
    const sentAt = new Map<number, number>();
    const remaining = new Map<string, number>();
    const fanOut: number[] = [];
    const ackRtt: number[] = [];
    let delivered = 0;
    const allDelivered = new Promise<void>((resolve) => {
      for (const receiver of receivers) {
        receiver.on('new_message', (message: NewMessagePayload) => {
          const key = message.client_id ?? '';
          const left = (remaining.get(key) ?? RECEIVERS) - 1;
          remaining.set(key, left);
          delivered++;
          if (left === 0) {
            fanOut.push(performance.now() - (sentAt.get(Number(key.slice(1))) ?? NaN));
          }
          if (delivered === RECEIVERS * MESSAGES) {
            resolve();
          }
        });
      }
    });

    const before = processStats(server.pid);
    const started = performance.now();
    const interval = 1000 / RATE;
    const acks: Array<Promise<void>> = [];
    for (let i = 0; i < MESSAGES; i++) {
      const due = started + i * interval;
      const wait = due - performance.now();
      if (wait > 1) {
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
      const t0 = performance.now();
      sentAt.set(i, t0);
      const ack = sender.timeout(30_000).emitWithAck('send_message', {
        message: `bench message ${i}`,
        client_id: `m${i}`,
      }) as Promise<AckOf<'send_message'>>;
      acks.push(ack.then(() => void ackRtt.push(performance.now() - t0)));
    }
    await Promise.all(acks);
    await allDelivered;
    const seconds = (performance.now() - started) / 1000;
    const after = processStats(server.pid);

    const deliveries = RECEIVERS * MESSAGES;
    const cpu = after.cpuSeconds - before.cpuSeconds;
    console.log(`\n2. Whole send path, ${label}`);
    console.log(
      `  ${RECEIVERS} receivers, ${MESSAGES} messages at ${RATE}/s → ${deliveries} deliveries in ${seconds.toFixed(1)} s`,
    );
    console.log(row('ack round trip', ackRtt, 'ms'));
    console.log(row('fan-out (send → last receiver)', fanOut, 'ms'));
    console.log(
      `  ${'server CPU'.padEnd(34)} ${fmt(cpu, 's')} total, ${fmt((cpu / deliveries) * 1e6, 'µs')} per delivery; RSS ${fmt(after.rssMb, 'MB')}`,
    );
    for (const socket of [...receivers, sender]) {
      socket.disconnect();
    }
  } finally {
    await server.stop();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'parley-bench-'));
try {
  console.log(`Parley send-path benchmark (node ${process.version}, ${new Date().toISOString()})`);
  await storeWrites(dir);
  await sendPath('SQLite file (the default)', { DATA_DIR: join(dir, 'file') });
  await sendPath('SQLite in memory (no disk)', { DATA_DIR: ':memory:' });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
