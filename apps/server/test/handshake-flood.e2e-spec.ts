import { describe, expect, it } from '@jest/globals';
import { ErrorCode } from '@parley/protocol';

import { ChatGateway } from '../src/chat/chat.gateway.js';
import type { ChatServer } from '../src/chat/chat.types.js';

import { chatHarness, request, until } from './support/chat-test-app.js';

/**
 * The per-address connection limit holds at the Engine.IO handshake, before any session exists:
 * a flood of bare handshakes (no Socket.IO connect ever) must neither be admitted past the limit
 * nor be kept alive for long.
 */
describe('Engine.IO handshake flood from one address (real app, raw HTTP)', () => {
  const chat = chatHarness();

  const engine = () => (Reflect.get(chat.app.get(ChatGateway), 'server') as ChatServer).engine;

  /** A bare long-polling handshake, as `GET /socket.io/?EIO=4&transport=polling`. */
  async function handshake(): Promise<{ status: number; body: string }> {
    const response = await fetch(`${chat.url}/socket.io/?EIO=4&transport=polling`);
    return { status: response.status, body: await response.text() };
  }

  it('refuses handshakes past the limit with engine.io 403, and counts a full client once', async () => {
    // A limit of 6, plus a few refusals that still reach Socket.IO clients in words.
    await chat.start({ CONNECTIONS_PER_MINUTE: '6' });
    // An honest client (long-polling, then upgrading) costs one connection, not two.
    const honest = await chat.joined({ transports: ['polling', 'websocket'] });
    const results = [];
    for (let i = 0; i < 40; i++) {
      results.push(await handshake());
    }
    const admitted = results.filter(({ status }) => status === 200);
    const refused = results.filter(({ status }) => status === 403);
    expect(admitted.length + refused.length).toBe(40);
    // 5 left under the limit, and at most a handful admitted only to be refused by Socket.IO.
    expect(admitted.length).toBeGreaterThanOrEqual(5);
    expect(admitted.length).toBeLessThanOrEqual(5 + 10);
    expect(JSON.parse(refused.at(-1)!.body)).toEqual({
      code: 4,
      message: expect.stringMatching(
        /^Too many connections from your address\. Try again in \d+ s\.$/,
      ),
    });
    // Those admitted past the limit get nothing but the refusal, and are gone within the timeout.
    expect(await request(honest.socket, 'send_message', { message: 'still here' })).toMatchObject({
      ok: true,
    });
  });

  it('shows a refused handshake to socket.io-client as a connect_error with HTTP 403', async () => {
    await chat.start({ CONNECTIONS_PER_MINUTE: '1' });
    for (let i = 0; i < 40; i++) {
      await handshake();
    }
    const error = await chat.refused({ transports: ['polling'] });
    // All a client gets to see of engine.io's refusal: the transport failed, with the status
    // (the XHR is aborted before the body can be read; a WebSocket upgrade shows not even that).
    expect(error.message).toBe('xhr poll error');
    expect(error.description).toBe(403);
  });

  it('keeps a readable rate_limited refusal for the first clients over the limit', async () => {
    await chat.start({ CONNECTIONS_PER_MINUTE: '1' });
    await chat.joined();
    const error = await chat.refused();
    expect(error.message).toBe(ErrorCode.RateLimited);
  });

  it('drops a handshake that never sends the Socket.IO connect within CONNECT_TIMEOUT_MS', async () => {
    await chat.start({ CONNECT_TIMEOUT_MS: '300' });
    const before = engine().clientsCount;
    const opened = await handshake();
    expect(opened.status).toBe(200);
    const sid = (JSON.parse(opened.body.slice(1)) as { sid: string }).sid;
    expect(engine().clientsCount).toBe(before + 1);
    const started = Date.now();
    // Nothing more is sent: no poll, no connect. The session must be gone soon after 300 ms.
    await until(() => engine().clientsCount === before, 2000);
    expect(Date.now() - started).toBeLessThan(1500);
    const poll = await fetch(`${chat.url}/socket.io/?EIO=4&transport=polling&sid=${sid}`);
    expect(poll.status).toBe(400);
    // An honest client still connects and stays past the timeout.
    const honest = await chat.joined();
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(honest.socket.connected).toBe(true);
  });
});
