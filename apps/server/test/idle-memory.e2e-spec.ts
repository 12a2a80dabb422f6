import type { EventEmitter } from 'node:events';
import v8 from 'node:v8';
import vm from 'node:vm';

import { describe, expect, it } from '@jest/globals';

import { ChatGateway } from '../src/chat/chat.gateway.js';
import type { ChatServer } from '../src/chat/chat.types.js';
import { chatHarness, request } from './support/chat-test-app.js';

/** Listeners an open WebSocket connection needs (see the test that counts them). */
const TCP_CLOSE_LISTENERS = 1;
const WEBSOCKET_ERROR_LISTENERS = 1;

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

  /** A full collection (jest's runtime does not expose `gc`; V8 can, from here on). */
  async function collectGarbage(): Promise<void> {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    // Twice, with a turn of the event loop between: finalizers and weak callbacks run in between.
    for (let round = 0; round < 3; round += 1) {
      gc();
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  it("lets the handshake request and the upgrade's stand-in response be collected while the connection stays open", async () => {
    await chat.start();
    const server = Reflect.get(chat.app.get(ChatGateway), 'server') as ChatServer;
    const handshake: Array<WeakRef<object>> = [];
    // After the app's own middleware: sees what engine.io made for this connection's upgrade.
    server.engine.use((request: object, response: object, next: () => void) => {
      handshake.push(new WeakRef(request), new WeakRef(response));
      next();
    });
    const { socket: client } = await chat.joined();
    expect(handshake).toHaveLength(2);
    await collectGarbage();
    expect(handshake.map((ref) => ref.deref())).toEqual([undefined, undefined]);
    // Still connected and delivering.
    const ack = await request(client, 'send_message', { message: 'still here' });
    expect(ack.ok).toBe(true);
  });

  it("leaves the TCP socket and ws's socket no more listeners than the open connection needs", async () => {
    await chat.start();
    const { socket: client } = await chat.joined();
    const socket = serverSocket();
    const websocket = Reflect.get(socket.conn.transport, 'socket') as EventEmitter;
    const tcp = Reflect.get(websocket, '_socket') as EventEmitter;
    // Measured with engine.io 6.6.12 and ws 8.21.3: one 'close' listener on the TCP socket (ws's
    // own) and one 'error' listener on ws's socket (the transport's). engine.io's upgrade leaves one
    // more of each (its stand-in response's 'close' forwarder, which keeps the response and the
    // request alive, and its pre-upgrade error handler): the server removes them. Counts that
    // change with an upgrade of engine.io or ws must be looked at before taking it.
    expect(tcp.listenerCount('close')).toBe(TCP_CLOSE_LISTENERS);
    expect(websocket.listenerCount('error')).toBe(WEBSOCKET_ERROR_LISTENERS);
    const ack = await request(client, 'send_message', { message: 'still here' });
    expect(ack.ok).toBe(true);
    const closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    client.disconnect();
    await expect(closed).resolves.toBe('client namespace disconnect');
  });
});
