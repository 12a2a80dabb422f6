/**
 * One hostile address against the production build with its shipped limits: everything issue #20
 * measured, at once, from 127.0.0.2, while honest people on 127.0.0.1 chat in the same room and a
 * quiet crowd (other loopback addresses) sits in it. Prints figures (markdown for
 * docs/performance.md, also written to bench/results/hostile[-quick].md) and, with `--quick` (CI),
 * fails when a bound the README promises is broken:
 *
 *   - stalled readers: sessions that stop reading and ask for 200-message pages of long messages
 *     at the allowed rate (and resume from offset 0, a 500-message replay);
 *   - a handshake flood: Engine.IO polling handshakes as fast as it can;
 *   - typing toggles: `typing` true/false as fast as it can;
 *   - mention bombs: 2,000 `@` per message at the allowed message rate;
 *   - avatar renders for unique seeds, and 404s with a 14 KB header (log volume).
 *
 * Usage: node dist/hostile-address.js [--quick] [--seconds N] [--attacks stalled,typing,…]
 */
import http from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { type RunningServer, startServer } from '@parley/server/testing';
import { io, type Socket } from 'socket.io-client';

import { RawSocket } from './hostile/raw-socket.js';
import { Histogram } from './load/histogram.js';
import { machineDescription, rssKb } from './load/proc.js';
import { BENCH_LIMITS } from './servers.js';

const args = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    seconds: { type: 'string' },
    /** Comma-separated subset: stalled,handshakes,typing,mentions,avatars,logs (default: all). */
    attacks: { type: 'string' },
  },
  strict: false,
}).values;
const QUICK = args.quick === true;
const ATTACK_S = Number(args.seconds ?? (QUICK ? 8 : 20));
const ATTACKS = new Set(
  (typeof args.attacks === 'string'
    ? args.attacks
    : 'stalled,handshakes,typing,mentions,avatars,logs'
  ).split(','),
);
const ROOM = 'hostile';
const HOSTILE = '127.0.0.2';
const HONEST = 10;
/** Quiet people in the room, from their own addresses (50 each, under 60 connections a minute). */
const CROWD = QUICK ? 100 : 200;
const CROWD_PER_ADDRESS = 50;
const STORED_MESSAGES = 600;
/** 2,000 characters of three-byte UTF-8: ≈6 KB a message, ≈1.2 MB a page of 200. */
const LONG_TEXT = '語'.repeat(1990);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One HTTP GET from `localAddress`; resolves to the status (0 on a network error). */
function get(
  url: string,
  localAddress: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const request = http.get(url, { localAddress, agent: false, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          body: Buffer.concat(chunks).toString(),
          ms: performance.now() - started,
        }),
      );
      response.on('error', () => resolve({ status: 0, body: '', ms: performance.now() - started }));
    });
    request.on('error', () => resolve({ status: 0, body: '', ms: performance.now() - started }));
  });
}

/** Runs `task` with `concurrency` workers until `until()` is false. */
async function workers(concurrency: number, until: () => boolean, task: () => Promise<void>) {
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (until()) {
        await task();
      }
    }),
  );
}

type HonestSocket = Socket;

function honestClient(url: string): Promise<HonestSocket> {
  const socket = io(url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    auth: { room: ROOM },
  });
  return new Promise((resolve, reject) => {
    socket.once('history', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

/** Fills the room with long messages through a server with raised limits, then stops it. */
async function fillRoom(dataDir: string): Promise<void> {
  const server = await startServer({ ...BENCH_LIMITS, DATA_DIR: dataDir, LOG_LEVEL: 'error' });
  const writer = await honestClient(server.url);
  for (let i = 0; i < STORED_MESSAGES; i++) {
    const ack = (await writer.timeout(5000).emitWithAck('send_message', {
      message: `${i} ${LONG_TEXT}`,
    })) as { ok: boolean };
    if (!ack.ok) {
      throw new Error(`filling the room failed at message ${i}`);
    }
  }
  writer.disconnect();
  await server.stop();
}

interface Figures {
  rssBeforeMb: number;
  rssPeakMb: number;
  rssAfterMb: number;
  health: Histogram;
  healthMaxMs: number;
  honestSent: number;
  honestExpected: number;
  honestReceived: number;
  honestLatency: Histogram;
  typingRelayed: number;
  typingSent: number;
  handshakesTried: number;
  handshakesAdmitted: number;
  avatarsTried: number;
  avatarsRendered: number;
  avatarsRefused: number;
  notFoundSent: number;
  logBytes: number;
  historyAsked: number;
  stalledClosed: number;
  stalled: number;
  mentionBombsSent: number;
  mentionBombAcks: number;
  alive: boolean;
}

async function attack(server: RunningServer): Promise<Figures> {
  const { url, pid } = server;
  // The quiet crowd and the honest people.
  const crowd: RawSocket[] = [];
  for (let i = 0; i < CROWD; i++) {
    const address = `127.0.0.${10 + Math.floor(i / CROWD_PER_ADDRESS)}`;
    const socket = await RawSocket.connect(url, address, { room: ROOM });
    if (socket) {
      crowd.push(socket);
    }
  }
  const honest: HonestSocket[] = [];
  for (let i = 0; i < HONEST; i++) {
    honest.push(await honestClient(url));
  }
  const honestLatency = new Histogram(0.5, 30_000);
  let honestReceived = 0;
  let typingRelayed = 0;
  for (const socket of honest) {
    socket.on('new_message', (message: { message: string }) => {
      const sent = /^honest (\d+(?:\.\d+)?)/.exec(message.message)?.[1];
      if (sent) {
        honestReceived++;
        honestLatency.record(performance.now() - Number(sent));
      }
    });
  }
  honest[0]!.on('user_typing', () => typingRelayed++);

  // The hostile address's sockets, opened before its handshake flood spends its connections.
  const stalled: RawSocket[] = [];
  for (let i = 0; i < 4; i++) {
    const socket = await RawSocket.connect(url, HOSTILE, { room: ROOM, server_offset: 0 });
    if (socket) {
      stalled.push(socket);
    }
  }
  const typist = await RawSocket.connect(url, HOSTILE, { room: ROOM });
  const bombers = (
    await Promise.all([0, 1].map(() => RawSocket.connect(url, HOSTILE, { room: ROOM })))
  ).filter((socket): socket is RawSocket => socket !== undefined);

  await sleep(1000);
  const logBefore = server.output().length;
  const rssBeforeKb = rssKb(pid);
  let rssPeakKb = rssBeforeKb;
  const health = new Histogram(1, 30_000);
  let healthMaxMs = 0;
  const started = performance.now();
  const attacking = () => performance.now() - started < ATTACK_S * 1000;
  const running = (name: string) => () => ATTACKS.has(name) && attacking();
  const figures = {
    honestSent: 0,
    typingSent: 0,
    handshakesTried: 0,
    handshakesAdmitted: 0,
    avatarsTried: 0,
    avatarsRendered: 0,
    avatarsRefused: 0,
    notFoundSent: 0,
    historyAsked: 0,
    mentionBombsSent: 0,
  };

  const rssTimer = setInterval(() => {
    rssPeakKb = Math.max(rssPeakKb, rssKb(pid));
  }, 100);
  const probes = (async () => {
    while (attacking()) {
      const { ms } = await get(`${url}/healthz`, '127.0.0.1');
      health.record(ms);
      healthMaxMs = Math.max(healthMaxMs, ms);
      await sleep(100);
    }
  })();
  const chatter = (async () => {
    let n = 0;
    while (attacking()) {
      // Each honest person says something every second (half their allowed rate).
      const speaker = honest[n % HONEST]!;
      speaker.emit('send_message', { message: `honest ${performance.now()} from ${n}` });
      figures.honestSent++;
      n++;
      await sleep(1000 / HONEST);
    }
  })();
  const stalledReaders = (async () => {
    for (const socket of stalled) {
      socket.stopReading();
    }
    while (running('stalled')()) {
      for (const socket of stalled) {
        socket.emit('load_history', { before: Number.MAX_SAFE_INTEGER, limit: 200 });
        figures.historyAsked++;
      }
      // The shipped history limit: 5 pages a second per session.
      await sleep(200);
    }
  })();
  const typing = (async () => {
    let value = true;
    while (running('typing')() && typist?.open) {
      for (let i = 0; i < 100; i++) {
        typist.emit('typing', { is_typing: value });
        value = !value;
        figures.typingSent++;
      }
      await sleep(5);
    }
  })();
  const mentionBombs = (async () => {
    while (running('mentions')()) {
      for (const bomber of bombers) {
        bomber.emit('send_message', { message: '@'.repeat(2000) });
        figures.mentionBombsSent++;
      }
      // The shipped message rate: 2 a second per session.
      await sleep(500);
    }
  })();
  const handshakes = workers(16, running('handshakes'), async () => {
    figures.handshakesTried++;
    const { status, body } = await get(`${url}/socket.io/?EIO=4&transport=polling`, HOSTILE);
    if (status === 200 && body.includes('"sid"')) {
      figures.handshakesAdmitted++;
    }
  });
  let seed = 0;
  const avatars = workers(4, running('avatars'), async () => {
    figures.avatarsTried++;
    const { status } = await get(`${url}/avatars/lorelei/hostile-${seed++}.svg`, HOSTILE);
    if (status === 200) {
      figures.avatarsRendered++;
    } else if (status === 429) {
      figures.avatarsRefused++;
    }
  });
  const bigHeader = { 'x-junk': 'j'.repeat(14 * 1024) };
  const notFound = workers(4, running('logs'), async () => {
    figures.notFoundSent++;
    await get(`${url}/avatars/nope/${seed++}`, HOSTILE, bigHeader);
  });

  await Promise.all([
    probes,
    chatter,
    stalledReaders,
    typing,
    mentionBombs,
    handshakes,
    avatars,
    notFound,
  ]);
  // Let the last honest messages arrive, then see which stalled readers the server cut off.
  await sleep(2000);
  for (const socket of stalled) {
    socket.resumeReading();
  }
  await sleep(1000);
  clearInterval(rssTimer);
  const stalledClosed = stalled.filter((socket) => socket.closedByServer).length;
  const rssAfterKb = rssKb(pid);
  rssPeakKb = Math.max(rssPeakKb, rssAfterKb);
  const logBytes = server.output().length - logBefore;
  const mentionBombAcks = bombers.reduce((sum, b) => sum + (b.received.get('ack') ?? 0), 0);
  const alive = (await get(`${url}/healthz`, '127.0.0.1')).status === 200;

  for (const socket of [...crowd, ...stalled, ...bombers, ...(typist ? [typist] : [])]) {
    socket.close();
  }
  for (const socket of honest) {
    socket.disconnect();
  }
  return {
    ...figures,
    rssBeforeMb: rssBeforeKb / 1024,
    rssPeakMb: rssPeakKb / 1024,
    rssAfterMb: rssAfterKb / 1024,
    health,
    healthMaxMs,
    honestExpected: figures.honestSent * HONEST,
    honestReceived,
    honestLatency,
    typingRelayed,
    logBytes,
    stalledClosed,
    stalled: stalled.length,
    mentionBombAcks,
    alive,
  };
}

const mb = (value: number) => `${value.toFixed(0)} MB`;
const ms = (value: number) => `${value.toFixed(0)} ms`;

console.log(`Parley: one hostile address${QUICK ? ' (quick)' : ''}, ${new Date().toISOString()}`);
console.log(`Machine: ${machineDescription()}`);
const dataDir = mkdtempSync(join(tmpdir(), 'parley-hostile-'));
let figures: Figures;
try {
  await fillRoom(dataDir);
  // The shipped limits and log level: what an attacker meets in production.
  const server = await startServer({ DATA_DIR: dataDir });
  try {
    figures = await attack(server);
  } finally {
    await server.stop();
  }
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}

const f = figures;
const rows: Array<[string, string, string]> = [
  ['server alive afterwards', f.alive ? 'yes' : 'NO', ''],
  [
    'server RSS: before / peak / after',
    `${mb(f.rssBeforeMb)} / ${mb(f.rssPeakMb)} / ${mb(f.rssAfterMb)}`,
    `${CROWD + HONEST} people online`,
  ],
  [
    '/healthz every 100 ms: p50 / p99 / max',
    `${ms(f.health.quantile(0.5))} / ${ms(f.health.quantile(0.99))} / ${ms(f.healthMaxMs)}`,
    'event-loop stalls show here',
  ],
  [
    'honest messages delivered',
    `${f.honestReceived} of ${f.honestExpected}`,
    `p50 ${ms(f.honestLatency.quantile(0.5))}, p99 ${ms(f.honestLatency.quantile(0.99))}`,
  ],
  [
    'stalled readers cut off',
    `${f.stalledClosed} of ${f.stalled}`,
    `${f.historyAsked} pages of 200 long messages asked`,
  ],
  ['handshakes admitted', `${f.handshakesAdmitted} of ${f.handshakesTried}`, 'polling handshakes'],
  ['typing relays seen by a listener', `${f.typingRelayed}`, `${f.typingSent} toggles sent`],
  ['mention bombs acked', `${f.mentionBombAcks} of ${f.mentionBombsSent}`, '2,000 @ each'],
  [
    'avatar renders for unique seeds',
    `${f.avatarsRendered} rendered, ${f.avatarsRefused} refused`,
    `${f.avatarsTried} asked`,
  ],
  [
    'log bytes written during the attack',
    `${(f.logBytes / 1024).toFixed(0)} KB`,
    `${f.notFoundSent} 404s with a 14 KB header`,
  ],
];
const markdown = [
  `### One hostile address${QUICK ? ' (quick)' : ''}`,
  '',
  `${new Date().toISOString().slice(0, 10)}: ${machineDescription()}. The production build with ` +
    `its shipped limits; ${ATTACK_S} s of every attack at once from ${HOSTILE} while ${HONEST} ` +
    `honest people on 127.0.0.1 chat (1 message/s each) in a room of ${STORED_MESSAGES} ` +
    `2,000-character messages and ${CROWD} quiet people from other addresses sit in it.`,
  '',
  '| what | result | |',
  '|---|---|---|',
  ...rows.map(([what, result, note]) => `| ${what} | ${result} | ${note} |`),
  '',
].join('\n');
console.log(`\n${markdown}`);
const resultsDir = fileURLToPath(new URL('../results/', import.meta.url));
mkdirSync(resultsDir, { recursive: true });
writeFileSync(join(resultsDir, QUICK ? 'hostile-quick.md' : 'hostile.md'), markdown);

/** What the README's "Hostile clients" section promises, checked in every run. */
const problems: string[] = [];
if (!f.alive) {
  problems.push('the server did not answer /healthz after the attack');
}
if (f.honestReceived < f.honestExpected) {
  problems.push(`honest people lost ${f.honestExpected - f.honestReceived} deliveries`);
}
if (f.rssPeakMb - f.rssBeforeMb > 256) {
  problems.push(`the server grew by ${mb(f.rssPeakMb - f.rssBeforeMb)} (bound: 256 MB)`);
}
if (f.healthMaxMs > 2000) {
  problems.push(`/healthz took up to ${ms(f.healthMaxMs)} (bound: 2 s)`);
}
if (f.typingRelayed > 4 * ATTACK_S + 4) {
  problems.push(`${f.typingRelayed} typing relays reached a listener (bound: 2 a second)`);
}
if (f.logBytes > 1024 * 1024) {
  problems.push(`${(f.logBytes / 1024).toFixed(0)} KB of logs (bound: 1 MB)`);
}
if (problems.length > 0) {
  console.error(`\n${problems.length} bound(s) broken:`);
  for (const problem of problems) {
    console.error(`  - ${problem}`);
  }
  process.exit(1);
}
console.log('Every bound held.');
process.exit(0);
