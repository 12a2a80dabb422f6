import { describe, expect, it } from '@jest/globals';
import { ErrorCode } from '@parley/protocol';
import { io } from 'socket.io-client';

import { chatHarness, type ChatClient } from './support/chat-test-app.js';

describe('Client address behind proxies, and avatar renders (real app)', () => {
  const chat = chatHarness();

  /** Headers as a proxy that appends passes them on when the client forged its own entry. */
  const forgedVia = (real: string, i: number) => ({
    'x-forwarded-for': `10.${i % 250}.${i % 7}.${i % 5}, ${real}`,
  });

  /** Resolves with 'connected', or the refusal's error code. */
  function connect(headers: Record<string, string>): Promise<string> {
    const socket: ChatClient = io(chat.url, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      extraHeaders: headers,
    });
    chat.track(socket);
    return new Promise((resolve) => {
      socket.once('connect', () => resolve('connected'));
      socket.once('connect_error', (error) => resolve(error.message));
    });
  }

  it('counts connections per real address: a forged X-Forwarded-For entry does not reset it', async () => {
    await chat.start({ TRUST_PROXY: 'true', CONNECTIONS_PER_MINUTE: '2' });
    const results = [];
    for (let i = 0; i < 4; i++) {
      results.push(await connect(forgedVia('198.51.100.7', i)));
    }
    expect(results).toEqual([
      'connected',
      'connected',
      ErrorCode.RateLimited,
      ErrorCode.RateLimited,
    ]);
    // Another client behind the same proxy has its own count. (The shipped Caddy passes on just
    // the client's address: it drops an X-Forwarded-For sent by an untrusted client.)
    expect(await connect({ 'x-forwarded-for': '198.51.100.8' })).toBe('connected');
  });

  it('keeps to the peer address when no proxy is trusted', async () => {
    await chat.start({ CONNECTIONS_PER_MINUTE: '1' });
    expect(await connect({ 'x-forwarded-for': '198.51.100.1' })).toBe('connected');
    expect(await connect({ 'x-forwarded-for': '198.51.100.2' })).toBe(ErrorCode.RateLimited);
  });

  it('bounds renders of new avatars per address with 429 and Retry-After; cached ones still serve', async () => {
    await chat.start({
      TRUST_PROXY: '1',
      AVATAR_RENDERS_PER_SECOND: '1',
      AVATAR_RENDER_BURST: '3',
    });
    const started = Date.now();
    const responses = [];
    for (let i = 0; i < 12; i++) {
      responses.push(
        await fetch(`${chat.url}/avatars/lorelei/Seed_${i}.svg`, {
          headers: forgedVia('198.51.100.7', i),
        }),
      );
    }
    const elapsedSeconds = Math.ceil((Date.now() - started) / 1000);
    const served = responses.filter((response) => response.status === 200);
    const refused = responses.filter((response) => response.status === 429);
    expect(served.length + refused.length).toBe(12);
    // 1 a second plus a burst of 3, whatever the forged first entry said.
    expect(served.length).toBeGreaterThanOrEqual(4);
    expect(served.length).toBeLessThanOrEqual(4 + elapsedSeconds);
    expect(Number(refused[0]?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused[0]?.headers.get('content-type')).toMatch(/^application\/json/);

    // What was drawn is cached: it still serves, as SVG, to the same address.
    const again = await fetch(`${chat.url}/avatars/lorelei/Seed_0.svg`, {
      headers: forgedVia('198.51.100.7', 99),
    });
    expect(again.status).toBe(200);
    expect(again.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(await again.text()).toMatch(/^<svg/);
    // Another address has its own budget.
    const other = await fetch(`${chat.url}/avatars/lorelei/Seed_11.svg`, {
      headers: { 'x-forwarded-for': '198.51.100.8' },
    });
    expect(other.status).toBe(200);
  });

  it('serves the avatars the server hands out', async () => {
    await chat.start();
    const { avatar } = await chat.joined();
    const response = await fetch(`${chat.url}${avatar}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
  });
});
