import http from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DEFAULT_ROOM } from '@parley/protocol';
import WebSocket from 'ws';

import { UsersService } from '../src/users/users.service.js';
import { type Joined, join, request, startApp, until } from './support/chat-test-app.js';

/**
 * Hostile traffic at the Engine.IO/Socket.IO layers, bounded in count and time: at least 100,000
 * random and malformed frames over raw WebSockets and long-polling (typing toggles and mention
 * bombs among them), stalled readers asking for big history pages, and a flood of handshakes that
 * never join, while honest clients keep chatting. Afterwards the server must be up, its memory
 * bounded, and the honest clients must have received every valid message.
 */
const FRAMES = 100_000;
const POLLING_SHARE = Number(process.env.FUZZ_POLLING_SHARE ?? 0.1);
const DEADLINE_MS = 90_000;
const HONEST_CLIENTS = 3;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * One HTTP request on a fresh connection (no keep-alive pool left behind to hold the test
 * process open), resolving to status and body; network errors count as status 0.
 */
function httpRequest(url: string, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const request = http.request(
      url,
      {
        method: body === undefined ? 'GET' : 'POST',
        agent: false,
        headers: body === undefined ? {} : { 'content-type': 'text/plain;charset=UTF-8' },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
        );
        response.on('error', () => resolve({ status: 0, body: '' }));
      },
    );
    request.on('error', () => resolve({ status: 0, body: '' }));
    request.end(body);
  });
}

/** Deterministic PRNG (mulberry32), so a failing run can be replayed. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = Number(process.env.FUZZ_SEED ?? 20261125);
const random = prng(SEED);
const int = (max: number) => Math.floor(random() * max);
const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;

function randomText(length: number): string {
  let text = '';
  for (let i = 0; i < length; i++) {
    // Mostly ASCII, some controls, some astral and lone surrogates.
    const roll = random();
    text +=
      roll < 0.8
        ? String.fromCharCode(32 + int(95))
        : roll < 0.9
          ? String.fromCharCode(int(32))
          : roll < 0.95
            ? String.fromCodePoint(0x1f600 + int(80))
            : String.fromCharCode(0xd800 + int(0x800));
  }
  return text;
}

function randomJson(depth = 0): unknown {
  const roll = random();
  if (depth > 4 || roll < 0.3) {
    return pick([null, true, false, 0, -1, 1e308, -0, '', 'x', randomText(int(40)), int(1e9)]);
  }
  if (roll < 0.6) {
    return Array.from({ length: int(6) }, () => randomJson(depth + 1));
  }
  const object: Record<string, unknown> = {};
  for (let i = 0; i < int(5); i++) {
    object[
      pick([
        'message',
        'username',
        'client_id',
        'before',
        'limit',
        '__proto__',
        'constructor',
        randomText(5),
      ])
    ] = randomJson(depth + 1);
  }
  return object;
}

const EVENTS = [
  'send_message',
  'update_username',
  'load_history',
  'typing',
  'edit_message',
  'delete_message',
  'no_such_event',
  'connect',
  'disconnect',
  'error',
  '',
];

/** One Socket.IO-level packet (inside an Engine.IO message packet, type 4). */
function socketIoPacket(): string {
  const ackId = random() < 0.5 ? String(int(1000)) : '';
  switch (int(14)) {
    case 0:
      return `2${ackId}${JSON.stringify([pick(EVENTS), randomJson()])}`;
    case 1:
      return `2${ackId}${JSON.stringify([pick(EVENTS), ...Array.from({ length: int(4) }, () => randomJson())])}`;
    case 2: // deep nesting
      return `2${JSON.stringify(['send_message'])}`.replace(
        ']',
        `,${'['.repeat(200 + int(800))}${']'.repeat(200 + int(800))}]`,
      );
    case 3: // huge array, still under the frame limit
      return `2${JSON.stringify(['send_message', Array.from({ length: 2000 + int(1500) }, () => 1)])}`;
    case 4: // truncated
      return `2${ackId}${JSON.stringify(['send_message', { message: randomText(30) }])}`.slice(
        0,
        1 + int(30),
      );
    case 5: // wrong event name types
      return `2${pick(['[1,2]', '{}', '"x"', '[]', '[null]', '[{"a":1}]', 'null', '[["send_message"]]'])}`;
    case 6: // acks for ids we never sent
      return `3${int(100000)}${JSON.stringify([randomJson()])}`;
    case 7: // unknown namespaces
      return pick([
        '0/nope,',
        `2/admin,${JSON.stringify(['send_message', { message: 'x' }])}`,
        '1/other,',
        '0/,{}',
      ]);
    case 8: // unknown packet types and garbage
      return pick(['7', '8[]', '9', '2abc', '-1', '', '2[', '2]', randomText(int(50))]);
    case 9: // binary event headers, with or without attachments following
      return `5${int(3)}-${JSON.stringify(['send_message', { message: { _placeholder: true, num: int(3) } }])}`;
    case 10: // a connect with junk auth
      return `0${JSON.stringify(randomJson())}`;
    case 11: // typing toggles, as fast as the frames go
      return `2${ackId}${JSON.stringify(['typing', { is_typing: random() < 0.5 }])}`;
    case 12: // mention bombs: a wall of @, or of @name look-alikes
      return `2${ackId}${JSON.stringify([
        pick(['send_message', 'edit_message']),
        {
          id: int(50),
          message: random() < 0.5 ? '@'.repeat(1 + int(2000)) : '@User_1234 '.repeat(1 + int(180)),
        },
      ])}`;
    default: // valid-looking messages (most get refused by limits or validation)
      return `2${ackId}${JSON.stringify(['send_message', { message: randomText(1 + int(60)) }])}`;
  }
}

/** One Engine.IO frame as sent on a WebSocket: text, or (rarely) binary. */
function engineFrame(): string | Buffer {
  const roll = random();
  if (roll < 0.9) {
    return `4${socketIoPacket()}`;
  }
  if (roll < 0.95) {
    return Buffer.from(Array.from({ length: int(64) }, () => int(256)));
  }
  return pick(['2', '3', '2probe', '5', '6', '1', '0', '', '4', randomText(int(20))]);
}

describe('Fuzzing the transports (real app, raw frames)', () => {
  let app: NestExpressApplication;
  let url: string;
  const honest: Joined[] = [];
  const heapBefore = { bytes: 0 };

  beforeAll(async () => {
    ({ app, url } = await startApp({
      // Session limits as shipped; addresses unlimited, since every client here is 127.0.0.1.
      MESSAGE_RATE_PER_SECOND: '2',
      MESSAGE_BURST: '10',
      RENAMES_PER_MINUTE: '5',
      PER_IP_MULTIPLIER: '1000',
      CONNECTIONS_PER_MINUTE: '1000000',
      RECOVERY_WINDOW_MS: '5000',
    }));
    for (let i = 0; i < HONEST_CLIENTS; i++) {
      honest.push(await join(url));
    }
    gc();
    heapBefore.bytes = process.memoryUsage().heapUsed;
  });

  afterAll(async () => {
    for (const client of honest) {
      client.socket.disconnect();
    }
    await app.close();
  });

  it(
    `survives ${FRAMES.toLocaleString('en')} malformed frames while honest clients chat (seed ${SEED})`,
    async () => {
      const wsUrl = `${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;
      const received = honest.map(() => new Set<number>());
      honest.forEach((client, i) =>
        client.socket.on('new_message', (message) => received[i]!.add(message.id)),
      );
      const sentIds: number[] = [];
      const refusedHonest: unknown[] = [];
      let chatting = true;
      const chatter = (async () => {
        let n = 0;
        while (chatting) {
          const client = honest[n % HONEST_CLIENTS]!;
          const ack = await request(
            client.socket,
            'send_message',
            { message: `honest ${n}` },
            10_000,
          );
          if (ack.ok) {
            sentIds.push(ack.id);
          } else {
            refusedHonest.push(ack);
          }
          n++;
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      })();

      const started = Date.now();
      let sent = 0;
      let connections = 0;
      const wsTarget = Math.ceil(FRAMES * (1 - POLLING_SHARE));

      /** Raw WebSocket: connect, send frames until the server hangs up, reconnect. */
      async function websocketFuzzer(quota: number): Promise<void> {
        let left = quota;
        while (left > 0 && Date.now() - started < DEADLINE_MS) {
          const socket = new WebSocket(wsUrl);
          connections++;
          await new Promise<void>((resolve) => {
            socket.once('error', () => resolve());
            socket.once('close', () => resolve());
            socket.once('message', () => {
              socket.send('40');
              const burst = Math.min(left, 1 + int(400));
              for (let i = 0; i < burst && socket.readyState === WebSocket.OPEN; i++) {
                socket.send(engineFrame());
                left--;
                sent++;
              }
              // Let the server chew, then hang up (or it already has).
              setTimeout(() => socket.terminate(), 5);
            });
          });
        }
      }

      /** Long-polling: open a session, POST batches of packets, sometimes broken framing. */
      async function pollingFuzzer(quota: number): Promise<void> {
        let left = quota;
        const base = `${url}/socket.io/?EIO=4&transport=polling`;
        while (left > 0 && Date.now() - started < DEADLINE_MS) {
          const open = await httpRequest(base);
          connections++;
          const sid = /"sid":"([^"]+)"/.exec(open.body)?.[1];
          if (!sid) {
            continue;
          }
          for (let batch = 0; batch < 5 && left > 0; batch++) {
            const count = Math.min(left, 1 + int(40));
            const packets = Array.from({ length: count }, () => {
              const frame = engineFrame();
              return typeof frame === 'string' ? frame : `b${frame.toString('base64')}`;
            });
            left -= count;
            sent += count;
            const separator = random() < 0.9 ? '\x1e' : pick(['', '\n', '\x1e\x1e', ':']);
            const body = `${batch === 0 ? '40\x1e' : ''}${packets.join(separator)}`;
            const response = await httpRequest(`${base}&sid=${sid}`, body);
            if (response.status !== 200) {
              break;
            }
          }
          // Hang up like a closed tab would (an abandoned session lasts until the ping timeout),
          // then poll once, which lets the server finish closing at once rather than after its
          // 30 s close timeout.
          await httpRequest(`${base}&sid=${sid}`, '1');
          await httpRequest(`${base}&sid=${sid}`);
        }
      }

      /**
       * Stalled readers: join (resuming from offset 0: the whole replay), stop reading, and keep
       * asking for the biggest history pages; the server must not keep what it cannot send.
       */
      async function stalledReader(rounds: number): Promise<void> {
        for (let round = 0; round < rounds && Date.now() - started < DEADLINE_MS; round++) {
          const socket = new WebSocket(wsUrl);
          connections++;
          await new Promise<void>((resolve) => {
            socket.once('error', () => resolve());
            socket.once('close', () => resolve());
            socket.once('message', () => {
              socket.send(`40${JSON.stringify({ server_offset: 0 })}`);
              (socket as unknown as { _socket: { pause(): void } })._socket.pause();
              let asked = 0;
              const timer = setInterval(() => {
                if (asked++ >= 40 || socket.readyState !== WebSocket.OPEN) {
                  clearInterval(timer);
                  socket.terminate();
                  return;
                }
                socket.send(
                  `42${asked}${JSON.stringify(['load_history', { before: 2 ** 53 - 1, limit: 200 }])}`,
                );
                sent++;
              }, 25);
            });
          });
        }
      }

      /** Engine.IO handshakes that never join: each must be let go, not kept for 45 s. */
      async function handshakeFlood(count: number): Promise<void> {
        const base = `${url}/socket.io/?EIO=4&transport=polling`;
        for (let i = 0; i < count && Date.now() - started < DEADLINE_MS; i += 20) {
          await Promise.all(Array.from({ length: 20 }, () => httpRequest(base)));
          connections += 20;
          sent += 20;
        }
      }

      await Promise.all([
        websocketFuzzer(Math.floor(wsTarget / 2)),
        websocketFuzzer(Math.ceil(wsTarget / 2)),
        pollingFuzzer(FRAMES - wsTarget),
        stalledReader(10),
        handshakeFlood(1000),
      ]);
      chatting = false;
      await chatter;
      const elapsed = Date.now() - started;

      expect(sent).toBeGreaterThanOrEqual(FRAMES);
      expect(elapsed).toBeLessThan(DEADLINE_MS + 15_000);

      // The server is up and answers HTTP and Socket.IO.
      expect((await httpRequest(`${url}/health`)).status).toBe(200);
      const late = await join(url);
      expect(
        await request(late.socket, 'send_message', { message: 'after the storm' }),
      ).toMatchObject({
        ok: true,
      });
      late.socket.disconnect();

      // Honest clients were never refused and each received every valid message, exactly once.
      expect(refusedHonest).toEqual([]);
      expect(sentIds.length).toBeGreaterThan(5);
      for (const ids of received) {
        for (const id of sentIds) {
          expect(ids.has(id)).toBe(true);
        }
      }

      // Nothing leaks: fuzzers' connections and sessions go away, memory comes back down.
      const io = app.getHttpServer() as unknown;
      expect(io).toBeDefined();
      const users = app.get(UsersService);
      await until(() => users.online(DEFAULT_ROOM).length === HONEST_CLIENTS, 10_000);
      gc();
      const growthMb = (process.memoryUsage().heapUsed - heapBefore.bytes) / 1024 / 1024;
      console.log(
        `fuzz: ${sent} frames over ${connections} connections in ${elapsed} ms, ` +
          `${sentIds.length} honest messages, heap growth ${growthMb.toFixed(1)} MB (seed ${SEED})`,
      );
      expect(growthMb).toBeLessThan(64);
    },
    DEADLINE_MS + 60_000,
  );
});
