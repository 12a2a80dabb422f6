import type { Socket } from 'node:net';

import { describe, expect, it } from '@jest/globals';
import { io } from 'socket.io-client';

import { ChatGateway } from '../src/chat/chat.gateway.js';
import type { ChatServer } from '../src/chat/chat.types.js';

import { type ChatClient, chatHarness, request, until, waitFor } from './support/chat-test-app.js';

/**
 * The fan-out writer coalesces broadcast frames into one write per connection per event-loop
 * round. These tests hold it to what Socket.IO guarantees without it: every message reaches every
 * transport once, in order, and nothing written to a connection overtakes what came before it.
 */
describe('Fan-out: coalesced writes keep order and lose nothing (real app, real sockets)', () => {
  const chat = chatHarness();
  const COUNT = 300;

  /** A client that records what it receives, in order, as short labels. */
  async function listener(transports: Array<'polling' | 'websocket'>, upgrade = true) {
    const socket = io(chat.url, {
      transports,
      upgrade,
      forceNew: true,
      reconnection: false,
    }) as ChatClient;
    chat.track(socket);
    const ids: number[] = [];
    socket.on('new_message', ({ id }) => ids.push(id));
    await waitFor(socket, 'history');
    return { socket, ids };
  }

  it('takes the broadcast path FANOUT_COALESCING names (CI runs this suite with both)', async () => {
    const coalescing = process.env.FANOUT_COALESCING !== 'false';
    await chat.start({ METRICS_TOKEN: 'fanout-test-metrics-token' });
    const sender = await chat.joined();
    await chat.joined();
    const ack = await request(sender.socket, 'send_message', { message: 'which path?' });
    expect(ack.ok).toBe(true);
    const metrics = await (
      await fetch(`${chat.url}/metrics`, {
        headers: { authorization: 'Bearer fanout-test-metrics-token' },
      })
    ).text();
    const frames = Number(/^parley_fanout_frames_total (\S+)$/m.exec(metrics)?.[1]);
    if (coalescing) {
      expect(frames).toBeGreaterThanOrEqual(2);
    } else {
      expect(frames).toBe(0);
    }
  });

  it('negotiates no per-message deflate, even offered: the writer sends uncompressed frames', async () => {
    await chat.start();
    const { socket: client } = await chat.joined({ perMessageDeflate: { threshold: 0 } });
    const server = Reflect.get(chat.app.get(ChatGateway), 'server') as ChatServer;
    const [socket] = server.of('/').sockets.values();
    const websocket = Reflect.get(socket?.conn.transport ?? {}, 'socket') as object;
    expect(Object.keys(Reflect.get(websocket, '_extensions') as object)).toEqual([]);
    const clientWebsocket = Reflect.get(client.io.engine.transport, 'ws') as { extensions: string };
    expect(clientWebsocket.extensions).toBe('');
  });

  it('delivers a burst to WebSocket, long-polling and upgrading clients, each in order', async () => {
    await chat.start();
    const sender = await chat.joined();
    const receivers = await Promise.all([
      listener(['websocket']),
      listener(['websocket']),
      listener(['polling'], false),
      listener(['polling', 'websocket']),
    ]);
    // Fired without waiting, so many messages land in one event-loop round.
    const acks = await Promise.all(
      Array.from({ length: COUNT }, (_, i) =>
        request(sender.socket, 'send_message', { message: `burst ${i}` }, 10_000),
      ),
    );
    const sent = acks.map((ack) => (ack.ok ? ack.id : -1));
    expect(sent).not.toContain(-1);
    const expected = [...sent].sort((a, b) => a - b);
    await until(() => receivers.every(({ ids }) => ids.length >= COUNT), 10_000);
    for (const { ids } of receivers) {
      expect(ids).toEqual(expected);
    }
  });

  it('never lets an ack overtake the broadcast sent before it', async () => {
    await chat.start();
    const sender = await chat.joined();
    const order: string[] = [];
    sender.socket.on('new_message', ({ id }) => order.push(`message ${id}`));
    const acks = await Promise.all(
      Array.from({ length: 100 }, () =>
        request(sender.socket, 'send_message', { message: 'mine' }).then((ack) => {
          order.push(`ack ${ack.ok ? ack.id : 'refused'}`);
          return ack;
        }),
      ),
    );
    for (const ack of acks) {
      expect(ack.ok).toBe(true);
      if (ack.ok) {
        expect(order.indexOf(`message ${ack.id}`)).toBeGreaterThan(-1);
        expect(order.indexOf(`message ${ack.id}`)).toBeLessThan(order.indexOf(`ack ${ack.id}`));
      }
    }
  });
});

describe('Fan-out: a client that stops reading (real app, real sockets)', () => {
  const LIMIT = 64 * 1024;
  const chat = chatHarness({
    SLOW_CLIENT_BUFFER_BYTES: String(LIMIT),
    METRICS_TOKEN: 'fanout-test-metrics-token',
    MESSAGE_RATE_PER_SECOND: '100000',
    MESSAGE_BURST: '100000',
  });

  const serverSockets = () =>
    (Reflect.get(chat.app.get(ChatGateway), 'server') as ChatServer).of('/').sockets;

  it('is closed once its backlog passes SLOW_CLIENT_BUFFER_BYTES; the others get everything', async () => {
    await chat.start();
    const sender = await chat.joined();
    const stalled = await chat.joined();
    const received: number[] = [];
    sender.socket.on('new_message', ({ id }) => received.push(id));
    // The client stops reading its TCP socket: the kernel's buffers fill, then the server's.
    const websocket = Reflect.get(stalled.socket.io.engine.transport, 'ws') as object;
    (Reflect.get(websocket, '_socket') as Socket).pause();
    const text = 'x'.repeat(2000);
    let sent = 0;
    while (serverSockets().size > 1 && sent < 10_000) {
      const acks = await Promise.all(
        Array.from({ length: 50 }, () => request(sender.socket, 'send_message', { message: text })),
      );
      expect(acks.every((ack) => ack.ok)).toBe(true);
      sent += acks.length;
    }
    expect(serverSockets().size).toBe(1);
    // At most the limit, plus what the kernel buffers on both ends, went out before it was closed.
    expect(sent).toBeLessThan(5_000);
    await until(() => received.length >= sent, 10_000);
    expect(received).toHaveLength(sent);
    const metrics = await (
      await fetch(`${chat.url}/metrics`, {
        headers: { authorization: 'Bearer fanout-test-metrics-token' },
      })
    ).text();
    expect(metrics).toMatch(/^parley_slow_clients_closed_total 1$/m);
  });
});
