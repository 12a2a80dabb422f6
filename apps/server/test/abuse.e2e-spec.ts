import { describe, expect, it } from '@jest/globals';
import { ErrorCode } from '@parley/protocol';
import { io } from 'socket.io-client';

import {
  type ChatClient,
  emitRaw,
  record,
  request,
  settle,
  waitFor,
  chatHarness,
} from './support/chat-test-app.js';

/** The shipped defaults for flood control (the other suites raise them out of the way). */
const DEFAULT_LIMITS = {
  MESSAGE_RATE_PER_SECOND: '2',
  MESSAGE_BURST: '10',
  RENAMES_PER_MINUTE: '5',
  CONNECTIONS_PER_MINUTE: '60',
  PER_IP_MULTIPLIER: '4',
  FLOOD_DISCONNECT_AFTER: '20',
};

describe('Hostile clients (real app, real sockets)', () => {
  const chat = chatHarness(DEFAULT_LIMITS);
  const { start, joined } = chat;

  const newMessages = (seen: Array<[string, unknown]>) =>
    seen.filter(([event]) => event === 'new_message').map(([, payload]) => payload);

  describe('flood control', () => {
    it('lets a burst through, then refuses with rate_limited and retry_after, and others see only what passed', async () => {
      await start({ FLOOD_DISCONNECT_AFTER: '1000' });
      const flooder = await joined();
      const observer = await joined();
      const seen = record(observer.socket);

      const acks = [];
      for (let i = 0; i < 20; i++) {
        acks.push(await request(flooder.socket, 'send_message', { message: `spam ${i}` }));
      }

      const passed = acks.filter((ack) => ack.ok);
      const refused = acks.filter((ack) => !ack.ok);
      // 2 per second steadily plus a burst of 10: about a dozen get through at once.
      expect(passed.length).toBeGreaterThanOrEqual(10);
      expect(passed.length).toBeLessThanOrEqual(14);
      expect(refused[0]).toEqual({
        ok: false,
        error: ErrorCode.RateLimited,
        message: expect.stringMatching(/Too many messages\. Try again in \d+ seconds?\./),
        retry_after: expect.any(Number),
      });
      expect(refused.every((ack) => !ack.ok && ack.retry_after! > 0)).toBe(true);

      await settle(observer.socket);
      expect(newMessages(seen)).toHaveLength(passed.length);

      // Others keep chatting meanwhile.
      expect(await request(observer.socket, 'send_message', { message: 'hi' })).toMatchObject({
        ok: true,
      });
    });

    it('lets the flooder send again once retry_after has passed', async () => {
      await start({ MESSAGE_RATE_PER_SECOND: '1', MESSAGE_BURST: '0' });
      const ada = await joined();
      expect(await request(ada.socket, 'send_message', { message: 'one' })).toMatchObject({
        ok: true,
      });
      const refused = await request(ada.socket, 'send_message', { message: 'two' });
      expect(refused).toMatchObject({ ok: false, error: ErrorCode.RateLimited });
      await new Promise((resolve) =>
        setTimeout(resolve, (refused.ok ? 0 : refused.retry_after!) + 50),
      );
      expect(await request(ada.socket, 'send_message', { message: 'three' })).toMatchObject({
        ok: true,
      });
    });

    it('survives a burst of 2000 messages: most refused, the room gets only what the limits allow, the flooder is disconnected', async () => {
      await start();
      const flooder = await joined();
      const observer = await joined();
      const seen = record(observer.socket);
      const acked: boolean[] = [];
      const disconnected = new Promise<void>((resolve) =>
        flooder.socket.once('disconnect', () => resolve()),
      );
      const refusal = waitFor(flooder.socket, 'request_refused', 10_000);

      for (let i = 0; i < 2000; i++) {
        flooder.socket.emit('send_message', { message: `flood ${i}` }, (ack) => acked.push(ack.ok));
      }

      await disconnected;
      expect(await refusal).toMatchObject({ event: 'connection', error: ErrorCode.RateLimited });
      await settle(observer.socket);
      const delivered = newMessages(seen);
      // At most what the limits allow (2/s + a burst of 10) reached the room; sends still in flight
      // when the flooder was cut off went nowhere, and their acks never reached it.
      expect(delivered.length).toBeGreaterThanOrEqual(1);
      expect(delivered.length).toBeLessThanOrEqual(14);
      expect(acked.filter(Boolean).length).toBeLessThanOrEqual(delivered.length);
      expect(acked.filter((ok) => !ok).length).toBeGreaterThan(0);
      expect(
        await request(observer.socket, 'send_message', { message: 'calm again' }),
      ).toMatchObject({
        ok: true,
      });
    });

    it('tells a client without acks that it was rate limited, with retry_after', async () => {
      await start({ MESSAGE_RATE_PER_SECOND: '1', MESSAGE_BURST: '0' });
      const seed = await joined();
      const refused = waitFor(seed.socket, 'request_refused');
      emitRaw(seed.socket, 'send_message', { message: 'one' });
      emitRaw(seed.socket, 'send_message', { message: 'two' });
      expect(await refused).toEqual({
        event: 'send_message',
        error: ErrorCode.RateLimited,
        message: expect.any(String),
        retry_after: expect.any(Number),
      });
    });

    it('limits renames to a few a minute, and nobody hears of the refused ones', async () => {
      await start();
      const ada = await joined();
      const observer = await joined();
      const seen = record(observer.socket);
      const acks = [];
      for (let i = 0; i < 8; i++) {
        acks.push(await request(ada.socket, 'update_username', { username: `Name${i}` }));
      }
      expect(acks.filter((ack) => ack.ok)).toHaveLength(5);
      expect(acks[5]).toMatchObject({
        ok: false,
        error: ErrorCode.RateLimited,
        retry_after: expect.any(Number),
      });
      await settle(observer.socket);
      expect(seen.filter(([event]) => event === 'username_updated')).toHaveLength(5);
    });

    it('limits history requests, so paging cannot be used to hammer the store', async () => {
      await start();
      const ada = await joined();
      const acks = [];
      for (let i = 0; i < 40; i++) {
        acks.push(await request(ada.socket, 'load_history', { before: 1000 }));
      }
      expect(acks.filter((ack) => ack.ok).length).toBeLessThanOrEqual(26);
      expect(acks.at(-1)).toMatchObject({
        ok: false,
        error: ErrorCode.RateLimited,
        message: expect.stringContaining('Too many history requests'),
      });
    });

    it('limits one address across sessions, not only each session', async () => {
      await start({ MESSAGE_RATE_PER_SECOND: '1', MESSAGE_BURST: '0', PER_IP_MULTIPLIER: '2' });
      const clients = [await joined(), await joined(), await joined()];
      const acks = await Promise.all(
        clients.map((client) => request(client.socket, 'send_message', { message: 'hi' })),
      );
      expect(acks.filter((ack) => ack.ok)).toHaveLength(2);
    });

    it('refuses new connections from an address over its limit, with a readable reason', async () => {
      await start({ CONNECTIONS_PER_MINUTE: '3' });
      const first = await joined();
      await joined();
      await joined();
      const error = await chat.refused();
      expect(error.message).toBe(ErrorCode.RateLimited);
      expect(error.data).toEqual({
        error: ErrorCode.RateLimited,
        message: expect.stringContaining('Too many connections'),
        retry_after: expect.any(Number),
      });
      expect(await request(first.socket, 'send_message', { message: 'still fine' })).toMatchObject({
        ok: true,
      });
    });
  });

  describe('limits', () => {
    it('applies a configured message length', async () => {
      await start({ MESSAGE_MAX_LENGTH: '10' });
      const ada = await joined();
      expect(ada).toBeDefined();
      const nameEvent = await (async () => {
        const socket = io(chat.url, {
          transports: ['websocket'],
          forceNew: true,
          reconnection: false,
        });
        chat.track(socket);
        return waitFor(socket as ChatClient, 'set_username');
      })();
      expect(nameEvent.limits).toEqual({ message_max_length: 10 });
      expect(await request(ada.socket, 'send_message', { message: '0123456789' })).toMatchObject({
        ok: true,
      });
      expect(await request(ada.socket, 'send_message', { message: '0123456789x' })).toEqual({
        ok: false,
        error: ErrorCode.MessageTooLong,
        message: 'A message can be at most 10 characters long.',
      });
    });

    it('refuses a multi-megabyte frame in the transport, over WebSocket and long-polling', async () => {
      await start();
      const observer = await joined();
      for (const transport of ['websocket', 'polling'] as const) {
        const big = await joined({ transports: [transport] });
        const gone = new Promise<string>((resolve) => big.socket.once('disconnect', resolve));
        emitRaw(big.socket, 'send_message', { message: 'x'.repeat(3 * 1024 * 1024) });
        expect(await gone).toMatch(/transport (close|error)/);
      }
      expect(await request(observer.socket, 'send_message', { message: 'ok' })).toMatchObject({
        ok: true,
      });
    });

    it('removes NUL and control characters from messages', async () => {
      await start();
      const ada = await joined();
      const observer = await joined();
      const delivered = waitFor(observer.socket, 'new_message');
      await request(ada.socket, 'send_message', { message: 'a\u0000b\u0007c\u001bd\ttab\nline' });
      expect((await delivered).message).toBe('abcd\ttab\nline');
    });
  });

  describe('impersonation', () => {
    it.each([
      ['another case', 'aDA LOVELACE'],
      ['extra spaces', '  Ada   Lovelace '],
      ['no-break spaces', 'Ada\u00A0Lovelace'],
      ['no space', 'AdaLovelace'],
      ['Cyrillic look-alikes', '\u0410d\u0430 Lovelace'],
      ['full-width letters', 'Ａｄａ Lovelace'],
    ])('refuses a name that differs from an online one only by %s', async (_label, name) => {
      await start();
      const ada = await joined();
      expect(await request(ada.socket, 'update_username', { username: 'Ada Lovelace' })).toEqual({
        ok: true,
        username: 'Ada Lovelace',
      });
      const malloryJoined = waitFor(ada.socket, 'user_joined');
      const mallory = await joined();
      await malloryJoined;
      const seen = record(ada.socket);
      expect(await request(mallory.socket, 'update_username', { username: name })).toMatchObject({
        ok: false,
        error: ErrorCode.NameTaken,
      });
      await settle(ada.socket);
      expect(seen).toEqual([]);
    });

    it.each([
      ['a zero-width space', 'Ada\u200BLovelace'],
      ['a zero-width joiner', 'Ada\u200DLovelace'],
      ['a right-to-left override', '\u202EecalevoL adA'],
      ['a byte-order mark', 'Ad\uFEFFa'],
      ['a Hangul filler', 'Ada\u3164'],
    ])('refuses a name hiding %s', async (_label, name) => {
      await start();
      const mallory = await joined();
      expect(await request(mallory.socket, 'update_username', { username: name })).toMatchObject({
        ok: false,
        error: ErrorCode.NameInvalid,
      });
    });

    it.each(['System', 'ADMIN', '\u0410dmin', 'moderator'])(
      'refuses the reserved name %j',
      async (name) => {
        await start();
        const mallory = await joined();
        expect(await request(mallory.socket, 'update_username', { username: name })).toMatchObject({
          ok: false,
          error: ErrorCode.NameReserved,
        });
      },
    );

    it('keeps a generated name from clashing with a look-alike chosen by hand', async () => {
      await start();
      const ada = await joined();
      const taken = ada.username.replace('1', 'l');
      if (taken !== ada.username) {
        const mallory = await joined();
        expect(await request(mallory.socket, 'update_username', { username: taken })).toMatchObject(
          {
            ok: false,
            error: ErrorCode.NameTaken,
          },
        );
      }
      expect(ada.username).toMatch(/^User_\d{4}$/);
    });
  });

  describe('origins', () => {
    async function tryConnect(
      transport: 'websocket' | 'polling',
      origin: string | undefined,
    ): Promise<'connected' | 'refused'> {
      const socket = io(chat.url, {
        transports: [transport],
        forceNew: true,
        reconnection: false,
        extraHeaders: origin ? { origin } : {},
      });
      chat.track(socket);
      return new Promise((resolve) => {
        socket.once('connect', () => resolve('connected'));
        socket.once('connect_error', () => resolve('refused'));
      });
    }

    it.each(['websocket', 'polling'] as const)(
      'accepts its own origin and clients without one, and refuses other sites, over %s',
      async (transport) => {
        await start();
        expect(await tryConnect(transport, chat.url)).toBe('connected');
        expect(await tryConnect(transport, undefined)).toBe('connected');
        expect(await tryConnect(transport, 'https://evil.example')).toBe('refused');
        expect(await tryConnect(transport, 'null')).toBe('refused');
      },
    );

    it('accepts the origins listed in ALLOWED_ORIGINS', async () => {
      await start({ ALLOWED_ORIGINS: 'https://chat.example.com, http://localhost:5173' });
      expect(await tryConnect('websocket', 'https://chat.example.com')).toBe('connected');
      expect(await tryConnect('polling', 'http://localhost:5173')).toBe('connected');
      expect(await tryConnect('websocket', 'https://chat.example.com.evil.example')).toBe(
        'refused',
      );
    });

    it('answers a refused polling handshake with 403 and no CORS grant', async () => {
      await start();
      const response = await fetch(`${chat.url}/socket.io/?EIO=4&transport=polling`, {
        headers: { origin: 'https://evil.example' },
      });
      expect(response.status).toBe(403);
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
    });
  });

  describe('HTTP security headers', () => {
    it('sends a strict CSP, nosniff and no framing on every response', async () => {
      await start();
      for (const path of ['/', '/health', '/avatars/lorelei/User_1234.svg']) {
        const response = await fetch(`${chat.url}${path}`);
        const csp = response.headers.get('content-security-policy') ?? '';
        expect(csp).toMatch(/default-src '(self|none)'/);
        expect(csp).not.toContain("'unsafe-eval'");
        expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
        expect(response.headers.get('x-content-type-options')).toBe('nosniff');
        expect(response.headers.get('x-powered-by')).toBeNull();
      }
      const page = await fetch(`${chat.url}/health`);
      const csp = page.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("object-src 'none'");
      expect(page.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    });
  });
});
