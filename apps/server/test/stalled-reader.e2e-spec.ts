import type { Socket } from 'node:net';

import { describe, expect, it } from '@jest/globals';
import type { HistoryPayload, NewMessagePayload } from '@parley/protocol';
import { io } from 'socket.io-client';

import { ChatGateway } from '../src/chat/chat.gateway.js';
import type { ChatServer } from '../src/chat/chat.types.js';
import { MessagesService } from '../src/messages/messages.service.js';
import { MetricsService } from '../src/metrics/metrics.service.js';

import {
  type ChatClient,
  chatHarness,
  type Joined,
  request,
  until,
  waitFor,
} from './support/chat-test-app.js';

/**
 * What one connection can make the server hold: replies (history pages, acks, the welcome,
 * resumes) wait in the server for a client that does not read them, so each connection's
 * backlog is bounded on every write path, and big replays go out a page at a time.
 */
describe('A client that stops reading its replies (real app, real sockets)', () => {
  const BOUND = 4 * 1024 * 1024;
  const chat = chatHarness({
    SLOW_CLIENT_BUFFER_BYTES: String(BOUND),
    MESSAGE_RATE_PER_SECOND: '100000',
    MESSAGE_BURST: '100000',
    FLOOD_DISCONNECT_AFTER: '1000',
  });

  const server = () => Reflect.get(chat.app.get(ChatGateway), 'server') as ChatServer;

  /**
   * What the server holds for a connection, read straight from engine.io, ws and the TCP socket
   * (independently of the code under test): engine.io's buffer, ws's buffered amount and libuv's
   * queue of writes the kernel has not taken.
   */
  function held(socketId: string): number {
    const conn = server().of('/').sockets.get(socketId)?.conn as unknown as
      | {
          writeBuffer: Array<{ data?: string | Buffer }>;
          transport: {
            socket?: {
              bufferedAmount: number;
              _socket?: { _handle?: { writeQueueSize?: number } | null };
            };
          };
        }
      | undefined;
    if (!conn) {
      return 0;
    }
    const engine = conn.writeBuffer.reduce(
      (sum, { data }) =>
        sum + (typeof data === 'string' ? Buffer.byteLength(data) : (data?.length ?? 0)),
      0,
    );
    const websocket = conn.transport.socket;
    return (
      engine + (websocket?.bufferedAmount ?? 0) + (websocket?._socket?._handle?.writeQueueSize ?? 0)
    );
  }

  /** Fills the room with `count` messages of 2000 characters (4 bytes each in UTF-8). */
  async function fill(sender: Joined, count: number, char = '😀'): Promise<void> {
    for (let sent = 0; sent < count; sent += 50) {
      const acks = await Promise.all(
        Array.from({ length: Math.min(50, count - sent) }, (_, i) =>
          request(sender.socket, 'send_message', { message: `${sent + i} ${char.repeat(1990)}` }),
        ),
      );
      expect(acks.every((ack) => ack.ok)).toBe(true);
    }
  }

  /**
   * Asks (`ask`) 20 times, each once the server has answered the previous request (a page or a
   * refusal), as fast as the history limit lets one session (a burst of 20), while sampling what
   * the server holds for connection `socketId`.
   */
  async function flood(
    socketId: string,
    ask: () => unknown,
  ): Promise<{ most: number; pagesServed: number }> {
    let pagesServed = 0;
    const messages = chat.app.get(MessagesService);
    const before = messages.before.bind(messages);
    messages.before = async (...args) => {
      const page = await before(...args);
      pagesServed += 1;
      return page;
    };
    const answered = async () => {
      const { values } = await chat.app.get(MetricsService).refusals.get();
      return pagesServed + values.reduce((sum, { value }) => sum + value, 0);
    };
    const present = () => server().of('/').sockets.has(socketId);
    let most = 0;
    const sampler = setInterval(() => (most = Math.max(most, held(socketId))), 2);
    try {
      for (let i = 0; i < 20 && present(); i++) {
        await ask();
        let count = 0;
        await until(() => {
          void answered().then((value) => (count = value));
          return count > i || !present();
        }, 10_000);
        most = Math.max(most, held(socketId));
      }
    } finally {
      clearInterval(sampler);
    }
    return { most, pagesServed };
  }

  it('bounds what the server holds for a reader that keeps asking for history; others get everything', async () => {
    await chat.start();
    const sender = await chat.joined();
    // 200 messages of 2000 emoji: one `load_history` page of 200 is about 1.6 MB.
    await fill(sender, 200);
    const honest = await chat.joined();
    const stalled = await chat.joined();
    const stalledId = [...server().of('/').sockets.keys()].at(-1)!;
    // The client stops reading its TCP socket: the kernel's buffers fill, then the server's.
    const websocket = Reflect.get(stalled.socket.io.engine.transport, 'ws') as object;
    const tcp = Reflect.get(websocket, '_socket') as Socket;
    tcp.pause();

    const { most, pagesServed } = await flood(stalledId, () =>
      stalled.socket.emit(
        'load_history',
        { before: Number.MAX_SAFE_INTEGER, limit: 200 },
        () => {},
      ),
    );
    // Today's server kept every page: 20 × 1.6 MB, less what the kernel took.
    expect(most).toBeLessThanOrEqual(BOUND + 2 * 1024 * 1024);
    // It was refused pages, or cut off.
    const cutOff = !server().of('/').sockets.has(stalledId);
    expect(cutOff || pagesServed < 20).toBe(true);
    // Gone for good (a graceful close would wait on it).
    tcp.destroy();

    // The honest client, in the same room, gets every page whole, and every new message.
    const page = await request(honest.socket, 'load_history', {
      before: Number.MAX_SAFE_INTEGER,
      limit: 200,
    });
    expect(page.ok && page.messages.length).toBe(200);
    const arrived = waitFor(honest.socket, 'new_message');
    expect((await request(sender.socket, 'send_message', { message: 'still here' })).ok).toBe(true);
    expect((await arrived).message).toBe('still here');
  }, 60_000);

  it('bounds the same for a long-polling client that posts requests and never polls', async () => {
    await chat.start();
    const sender = await chat.joined();
    await fill(sender, 200);
    const base = `${chat.url}/socket.io/?EIO=4&transport=polling`;
    const open = await (await fetch(base)).text();
    const sid = (JSON.parse(open.slice(1)) as { sid: string }).sid;
    const post = (body: string) =>
      fetch(`${base}&sid=${sid}`, { method: 'POST', body }).then((response) => response.text());
    const known = new Set(server().of('/').sockets.keys());
    expect(await post('40')).toBe('ok');
    await until(() => server().of('/').sockets.size > known.size);
    const pollerId = [...server().of('/').sockets.keys()].find((id) => !known.has(id))!;
    let ackId = 0;
    const { most, pagesServed } = await flood(pollerId, () =>
      post(`42${ackId++}["load_history",{"before":${Number.MAX_SAFE_INTEGER},"limit":200}]`),
    );
    // Everything waits in engine.io's buffer for the next poll, which never comes: today all
    // 20 pages (32 MB) stayed there.
    expect(most).toBeLessThanOrEqual(BOUND + 2 * 1024 * 1024);
    const cutOff = !server().of('/').sockets.has(pollerId);
    expect(cutOff || pagesServed < 20).toBe(true);
    // Others are unaffected.
    const page = await request(sender.socket, 'load_history', {
      before: Number.MAX_SAFE_INTEGER,
      limit: 200,
    });
    expect(page.ok && page.messages.length).toBe(200);
  }, 60_000);

  it('replays a big resume a page per frame, complete and in order', async () => {
    await chat.start();
    const sender = await chat.joined();
    await fill(sender, 300, 'x');
    const frames: HistoryPayload[] = [];
    const socket: ChatClient = io(chat.url, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      auth: { server_offset: 0 },
    });
    chat.track(socket);
    socket.on('history', (payload) => frames.push(payload));
    await until(() => frames.length > 0 && frames.at(-1)!.more_follows !== true, 10_000);
    expect(frames.length).toBeGreaterThan(1);
    for (const frame of frames.slice(0, -1)) {
      expect(frame.more_follows).toBe(true);
      expect(frame.messages.length).toBeLessThanOrEqual(50);
    }
    const ids = frames.flatMap((frame) =>
      frame.messages.map((message: NewMessagePayload) => message.id),
    );
    expect(ids).toHaveLength(300);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(300);
    // Messages sent meanwhile still arrive, once.
    const arrived = waitFor(socket, 'new_message');
    await request(sender.socket, 'send_message', { message: 'after the replay' });
    expect((await arrived).message).toBe('after the replay');
  });
});
