import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';

import { afterEach, describe, expect, it } from '@jest/globals';
import { ErrorCode, historyPayloadSchema, type NewMessagePayload } from '@parley/protocol';
import { io } from 'socket.io-client';

import {
  type ChatClient,
  emitRaw,
  type Joined,
  record,
  request,
  settle,
  until,
  waitFor,
  chatHarness,
} from './support/chat-test-app.js';

const GRACE_MS = 300;

describe('Delivery: history, resume, idempotent sends, sessions (real app, real sockets)', () => {
  const chat = chatHarness();
  const { start, joined } = chat;
  const dirs: string[] = [];

  async function say(client: Joined, ...texts: string[]): Promise<number[]> {
    const ids: number[] = [];
    for (const message of texts) {
      const ack = await request(client.socket, 'send_message', { message });
      if (!ack.ok) {
        throw new Error(ack.message);
      }
      ids.push(ack.id);
    }
    return ids;
  }

  function tempDataDir(): string {
    const dir = mkdtempSync(joinPath(tmpdir(), 'parley-data-'));
    dirs.push(dir);
    return dir;
  }

  afterEach(() => {
    for (const dir of dirs.splice(0)) {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('history', () => {
    it('gives a late joiner the newest 50 messages, oldest first, shaped like new_message', async () => {
      await start();
      const ada = await joined();
      const texts = Array.from({ length: 60 }, (_, i) => `m${i}`);
      const ids = await say(ada, ...texts);

      const late = await joined();

      expect(historyPayloadSchema.parse(late.history)).toEqual(late.history);
      expect(late.history.has_more).toBe(true);
      expect(late.history.truncated).toBeUndefined();
      expect(late.history.messages.map((m) => m.message)).toEqual(texts.slice(10));
      expect(late.history.messages.map((m) => m.id)).toEqual(ids.slice(10));
      expect(late.history.messages[0]).toEqual({
        username: ada.username,
        avatar: ada.avatar,
        message: 'm10',
        id: ids[10],
        ts: expect.any(Number),
        user_id: ada.userId,
      });
    });

    it('gives an empty history to the first visitor', async () => {
      await start();
      const first = await joined();
      expect(first.history).toEqual({ messages: [], has_more: false });
    });

    it('pages further back with load_history until the beginning', async () => {
      await start();
      const ada = await joined();
      const ids = await say(ada, ...Array.from({ length: 60 }, (_, i) => `m${i}`));
      const late = await joined();
      const oldestShown = late.history.messages[0]!.id;

      const page = await request(late.socket, 'load_history', { before: oldestShown, limit: 6 });
      expect(page).toMatchObject({ ok: true, has_more: true });
      expect(page.ok && page.messages.map((m) => m.id)).toEqual(ids.slice(4, 10));

      const rest = await request(late.socket, 'load_history', { before: ids[4] });
      expect(rest).toMatchObject({ ok: true, has_more: false });
      expect(rest.ok && rest.messages.map((m) => m.message)).toEqual(['m0', 'm1', 'm2', 'm3']);
    });

    it.each([[{}], [{ before: -1 }], [{ before: 'abc' }], [{ before: 5, limit: 100_000 }], [null]])(
      'refuses load_history %j with invalid_payload',
      async (payload) => {
        await start();
        const ada = await joined();
        expect(await request(ada.socket, 'load_history', payload)).toMatchObject({
          ok: false,
          error: ErrorCode.InvalidPayload,
        });
      },
    );

    it('survives a server restart, with the session', async () => {
      const dataDir = tempDataDir();
      await start({ DATA_DIR: dataDir });
      const ada = await joined();
      await request(ada.socket, 'update_username', { username: 'Ada' });
      const ids = await say(ada, 'before the restart', 'still before');
      ada.socket.disconnect();

      // start() closes the running app first: a restart on the same data.
      await start({ DATA_DIR: dataDir });
      const back = await joined({ auth: { session: ada.session } });
      expect(back.username).toBe('Ada');
      expect(back.avatar).toBe(ada.avatar);
      expect(back.history.messages.map((m) => [m.id, m.message])).toEqual([
        [ids[0], 'before the restart'],
        [ids[1], 'still before'],
      ]);
      const [next] = await say(back, 'after the restart');
      expect(next).toBeGreaterThan(ids[1]!);
    });
  });

  describe('resume after a drop', () => {
    /**
     * A client like the web app: remembers the last id it saw and its session, sends both in the
     * handshake, and reconnects by itself. Returns every new_message/history message it received.
     */
    function resumingClient(offsetKey: 'server_offset' | 'offset'): {
      socket: ChatClient;
      received: NewMessagePayload[];
    } {
      const received: NewMessagePayload[] = [];
      let session: string | undefined;
      const socket: ChatClient = io(chat.url, {
        transports: ['websocket'],
        forceNew: true,
        reconnectionDelay: 50,
        reconnectionDelayMax: 100,
        auth: (cb) => cb({ session, [offsetKey]: received.at(-1)?.id }),
      });
      chat.track(socket);
      socket.on('set_username', (payload) => {
        session = payload.session;
      });
      socket.on('new_message', (message) => received.push(message));
      socket.on('history', ({ messages }) => received.push(...messages));
      return { socket, received };
    }

    it.each([
      [
        'connection state recovery (opt-in)',
        { RECOVERY_WINDOW_MS: '120000' },
        'server_offset',
        true,
      ],
      ['auth.server_offset (no recovery)', { RECOVERY_WINDOW_MS: '0' }, 'server_offset', false],
      ['a numeric auth.offset (no recovery)', { RECOVERY_WINDOW_MS: '0' }, 'offset', false],
    ] as const)(
      'replays every message missed while the transport was closed, exactly once: %s',
      async (_label, env, offsetKey, expectRecovered) => {
        await start(env);
        const talker = await joined();
        const observer = resumingClient(offsetKey);
        await waitFor(observer.socket, 'history');
        await say(talker, 'before the drop');
        await until(() => observer.received.length === 1);

        const reconnected = new Promise<void>((resolve) => {
          observer.socket.io.once('reconnect', () => resolve());
        });
        observer.socket.io.engine.close();
        const missed = await say(talker, ...Array.from({ length: 20 }, (_, i) => `missed ${i}`));
        await reconnected;
        const [after] = await say(talker, 'after the reconnect');

        await until(() => observer.received.some((message) => message.id === after));
        // (With recovery off the server does not offer it; the client then leaves it unset.)
        expect(observer.socket.recovered ?? false).toBe(expectRecovered);
        // Exactly once each; a live message may overtake the replay, so compare in id order
        // (clients order by id).
        const ids = observer.received.map((m) => m.id).sort((a, b) => a - b);
        expect(ids).toEqual([ids[0], ...missed, after]);
      },
    );

    it('replays the edits and deletes made meanwhile to messages the client already had', async () => {
      await start();
      const ada = await joined();
      const [kept, edited, removed, last] = (await say(ada, 'kept', 'tpyo', 'oops', 'last')) as [
        number,
        number,
        number,
        number,
      ];
      // While the other client is away (it saw everything up to `last`):
      const edit = await request(ada.socket, 'edit_message', {
        id: edited,
        message: 'typo @nobody',
      });
      expect(edit.ok).toBe(true);
      expect((await request(ada.socket, 'delete_message', { id: removed })).ok).toBe(true);
      const [missed] = (await say(ada, 'missed')) as [number];
      expect(
        (await request(ada.socket, 'edit_message', { id: missed, message: 'missed!' })).ok,
      ).toBe(true);

      const socket: ChatClient = io(chat.url, {
        transports: ['websocket'],
        forceNew: true,
        auth: { server_offset: last },
      });
      chat.track(socket);
      const seen = record(socket);
      await waitFor(socket, 'history');
      await until(() => seen.filter(([event]) => event.startsWith('message_')).length >= 2);
      await settle();
      const after = seen.slice(seen.findIndex(([event]) => event === 'history'));
      const [, history] = after[0] as [string, { messages: NewMessagePayload[] }];
      // The message it missed comes as it is now; the ones it had, as changes, after the history.
      expect(history.messages.map((m) => [m.id, m.message])).toEqual([[missed, 'missed!']]);
      expect(after.slice(1).filter(([event]) => event.startsWith('message_'))).toEqual([
        ['message_edited', { id: edited, message: 'typo @nobody', edited_ts: expect.any(Number) }],
        ['message_deleted', { id: removed }],
      ]);
      expect(after.some(([, payload]) => JSON.stringify(payload).includes(`"id":${kept}`))).toBe(
        false,
      );
    });

    it('says the gap was too large when more was missed than can be replayed', async () => {
      await start({ RESUME_MAX_MESSAGES: '5' });
      const ada = await joined();
      const ids = await say(ada, ...Array.from({ length: 12 }, (_, i) => `m${i}`));

      const back = await joined({ auth: { offset: ids[2] } });
      expect(back.history.truncated).toBe(true);
      expect(back.history.messages.at(-1)?.id).toBe(ids[11]);

      const close = await joined({ auth: { offset: ids[8] } });
      expect(close.history.truncated).toBeUndefined();
      expect(close.history.messages.map((m) => m.id)).toEqual(ids.slice(9));
    });

    it('starts over from the newest page for an offset this room never reached', async () => {
      await start();
      const ada = await joined();
      await say(ada, 'only one');
      const odd = await joined({ auth: { offset: 999_999 } });
      expect(odd.history).toMatchObject({ truncated: true, messages: [{ message: 'only one' }] });
    });
  });

  describe('sends are never doubled', () => {
    it('stores and broadcasts a retried client_id once, acking the same id', async () => {
      await start();
      const ada = await joined();
      const bo = await joined();
      const seenByBo = record(bo.socket);

      const first = await request(ada.socket, 'send_message', {
        message: 'once',
        client_id: 'c-1',
      });
      const retry = await request(ada.socket, 'send_message', {
        message: 'once',
        client_id: 'c-1',
      });

      expect(first).toEqual({ ok: true, id: expect.any(Number), ts: expect.any(Number) });
      expect(retry).toEqual(first);
      await settle(bo.socket);
      expect(seenByBo.filter(([event]) => event === 'new_message')).toEqual([
        ['new_message', expect.objectContaining({ id: first.ok && first.id, client_id: 'c-1' })],
      ]);
      const late = await joined();
      expect(late.history.messages.map((m) => m.message)).toEqual(['once']);
    });

    it('holds when the retries race each other', async () => {
      await start();
      const ada = await joined();
      const acks = await Promise.all(
        Array.from({ length: 5 }, () =>
          request(ada.socket, 'send_message', { message: 'racing', client_id: 'race-1' }),
        ),
      );
      expect(new Set(acks.map((ack) => ack.ok && ack.id)).size).toBe(1);
      expect((await joined()).history.messages).toHaveLength(1);
    });

    it('recognises a retry after a reconnect of the same session', async () => {
      await start();
      const ada = await joined();
      const first = await request(ada.socket, 'send_message', { message: 'x', client_id: 'k' });
      ada.socket.disconnect();
      const again = await joined({ auth: { session: ada.session } });
      const retry = await request(again.socket, 'send_message', { message: 'x', client_id: 'k' });
      expect(retry).toEqual(first);
    });

    it('keeps client_ids of different sessions apart', async () => {
      await start();
      const ada = await joined();
      const bo = await joined();
      const a = await request(ada.socket, 'send_message', { message: 'a', client_id: 'same' });
      const b = await request(bo.socket, 'send_message', { message: 'b', client_id: 'same' });
      expect(a.ok && b.ok && a.id !== b.id).toBe(true);
    });
  });

  describe('identity across reloads', () => {
    it('keeps the name through a reload, with no user_left/user_joined noise', async () => {
      await start();
      const observer = await joined();
      const ada = await joined();
      const renamed = waitFor(observer.socket, 'username_updated');
      await request(ada.socket, 'update_username', { username: 'Ada' });
      await renamed;
      const seen = record(observer.socket);

      ada.socket.disconnect();
      const reloaded = await joined({ auth: { session: ada.session, offset: 0 } });

      expect(reloaded.username).toBe('Ada');
      expect(reloaded.avatar).toBe(ada.avatar);
      expect(reloaded.session).toBe(ada.session);
      expect(reloaded.userId).toBe(ada.userId);
      expect(reloaded.userId).not.toBe(observer.userId);
      expect(reloaded.userId).not.toContain(ada.session);
      await new Promise((resolve) => setTimeout(resolve, GRACE_MS * 2));
      await settle(observer.socket);
      expect(seen).toEqual([]);
    });

    it('treats two tabs as one user, leaving only when the last tab is gone', async () => {
      await start();
      const observer = await joined();
      const tab1Joined = waitFor(observer.socket, 'user_joined');
      const tab1 = await joined();
      await tab1Joined;
      const seen = record(observer.socket);
      const tab2 = await joined({ auth: { session: tab1.session } });
      expect(tab2.username).toBe(tab1.username);

      tab1.socket.disconnect();
      await new Promise((resolve) => setTimeout(resolve, GRACE_MS * 2));
      await settle(observer.socket);
      expect(seen).toEqual([]);

      // A rename from one tab is the session's: the other tab's messages carry it.
      await request(tab2.socket, 'update_username', { username: 'Tabs' });
      tab2.socket.disconnect();
      await until(() => seen.some(([event]) => event === 'user_left'));
      expect(seen.map(([event]) => event)).toEqual(['username_updated', 'user_left']);
      expect(seen[1]?.[1]).toEqual({ username: 'Tabs', user_id: tab1.userId });
    });

    it('gives a fresh name when the remembered one was taken while away', async () => {
      await start();
      const ada = await joined();
      await request(ada.socket, 'update_username', { username: 'Ada' });
      const watcher = await joined();
      const left = waitFor(watcher.socket, 'user_left');
      ada.socket.disconnect();
      await left;
      await request(watcher.socket, 'update_username', { username: 'Ada' });

      const back = await joined({ auth: { session: ada.session } });
      expect(back.username).toMatch(/^User_\d{4}$/);
      expect(back.avatar).toBe(ada.avatar);
      ada.socket.disconnect();
    });

    it.each([
      ['a number', { session: 42, offset: 'abc' }],
      ['an unknown token', { session: 'not-a-real-token', offset: -5 }],
      ['a long token', { session: 'x'.repeat(10_000), server_offset: 1e300 }],
      ['an object', { session: { $gt: '' }, offset: { valueOf: 1 } }],
    ])('connects with a fresh identity whatever auth holds: %s', async (_label, auth) => {
      await start();
      const ada = await joined();
      await request(ada.socket, 'update_username', { username: 'Ada' });

      const stranger = await joined({ auth: auth as Record<string, unknown> });

      expect(stranger.username).toMatch(/^User_\d{4}$/);
      expect(stranger.session).not.toBe(ada.session);
      expect(stranger.session.length).toBeGreaterThan(20);
      const ack = await request(stranger.socket, 'send_message', { message: 'still works' });
      expect(ack).toMatchObject({ ok: true });
    });

    it.each([
      ['an array', ['session', 'offset']],
      ['a string', 'garbage'],
      ['a token over the frame limit', { session: 'x'.repeat(100_000) }],
    ])('drops a handshake whose auth is %s, and keeps serving', async (_label, auth) => {
      await start();
      const ada = await joined();
      const socket = io(chat.url, {
        transports: ['websocket'],
        forceNew: true,
        reconnection: false,
        auth: auth as Record<string, unknown>,
      }) as ChatClient;
      chat.track(socket);
      await new Promise<void>((resolve) => {
        socket.once('connect_error', () => resolve());
        socket.once('disconnect', () => resolve());
      });
      expect(socket.connected).toBe(false);
      expect(await request(ada.socket, 'send_message', { message: 'fine' })).toMatchObject({
        ok: true,
      });
    });

    it('never lets a tutorial-era client (no auth at all) inherit someone else', async () => {
      await start();
      const ada = await joined();
      await request(ada.socket, 'update_username', { username: 'Ada' });
      const seed = await joined();
      emitRaw(seed.socket, 'send_message', { message: 'hello' });
      const message = await waitFor(ada.socket, 'new_message');
      expect(message.username).toBe(seed.username);
      expect(seed.username).not.toBe('Ada');
    });
  });
});
