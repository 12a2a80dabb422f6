import type { EventEmitter } from 'node:events';

import { describe, expect, it } from '@jest/globals';

import { ChatGateway } from '../src/chat/chat.gateway.js';
import type { ChatServer } from '../src/chat/chat.types.js';
import { chatHarness, request } from './support/chat-test-app.js';

/**
 * An idle connection costs memory for as long as it stays open, 10,000 times over in a big room
 * (docs/performance.md). What the server lets go of once a connection is admitted relies on
 * engine.io's internals; these checks fail if a release keeps them alive again.
 */
describe('Idle connections: what the server lets go of once admitted (real app, real sockets)', () => {
  const chat = chatHarness();

  /** The server side of the only connected client. */
  function serverSocket() {
    const server = Reflect.get(chat.app.get(ChatGateway), 'server') as ChatServer;
    const sockets = [...server.of('/').sockets.values()];
    expect(sockets).toHaveLength(1);
    const [socket] = sockets;
    if (!socket) {
      throw new Error('no socket');
    }
    return socket;
  }

  it('keeps neither the handshake request nor the parsed headers, query and auth', async () => {
    await chat.start();
    await chat.joined();
    const socket = serverSocket();
    expect(Reflect.get(socket.conn, 'request')).toBeNull();
    expect(socket.handshake.headers).toEqual({});
    expect(socket.handshake.query).toEqual({});
    expect(socket.handshake.auth).toEqual({});
    // What admission took from them is in the socket's data.
    expect(socket.data.room).toBe('lobby');
    expect(socket.data.address).toEqual(expect.any(String));
  });

  it("drops the upgrade's leftover listeners and still delivers, then closes cleanly", async () => {
    await chat.start();
    const { socket: client } = await chat.joined();
    const socket = serverSocket();
    const websocket = Reflect.get(socket.conn.transport, 'socket') as EventEmitter;
    const tcp = Reflect.get(websocket, '_socket') as EventEmitter;
    const sources = (emitter: EventEmitter, event: string) =>
      emitter.listeners(event).map((listener) => `${listener.name} ${String(listener)}`);
    // The stand-in response's forwarder of 'close', which kept it (and its request) alive.
    expect(sources(tcp, 'close').filter((source) => /emit\(["']close["']\)/.test(source))).toEqual(
      [],
    );
    expect(
      sources(websocket, 'error').filter((source) => source.startsWith('onUpgradeError')),
    ).toEqual([]);
    const ack = await request(client, 'send_message', { message: 'still here' });
    expect(ack.ok).toBe(true);
    const closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    client.disconnect();
    await expect(closed).resolves.toBe('client namespace disconnect');
  });
});
