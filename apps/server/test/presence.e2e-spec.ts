import { describe, expect, it } from '@jest/globals';
import { ErrorCode, userListPayloadSchema } from '@parley/protocol';
import { io } from 'socket.io-client';

import {
  type ChatClient,
  emitRaw,
  record,
  request,
  settle,
  until,
  waitFor,
  chatHarness,
} from './support/chat-test-app.js';

describe('Presence and typing (real app, real sockets)', () => {
  const chat = chatHarness();
  const start = () => chat.start();
  const joined = chat.joined;

  /** Connects and returns the `user_list` the newcomer gets. */
  async function userListFor(auth?: Record<string, unknown>) {
    const socket = io(chat.url, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      ...(auth ? { auth } : {}),
    }) as ChatClient;
    chat.track(socket);
    return { socket, list: await waitFor(socket, 'user_list') };
  }

  describe('user_list', () => {
    it('tells a newcomer who is online, itself included, one entry per person', async () => {
      await start();
      const ada = await joined();
      await request(ada.socket, 'update_username', { username: 'Ada' });
      await joined({ auth: { session: ada.session } }); // a second tab of Ada
      const bo = await joined();

      const { list } = await userListFor();

      expect(userListPayloadSchema.parse(list)).toEqual(list);
      expect(list.users).toHaveLength(3);
      expect(list.users).toEqual(
        expect.arrayContaining([
          { username: 'Ada', avatar: ada.avatar, user_id: ada.userId },
          { username: bo.username, avatar: bo.avatar, user_id: bo.userId },
        ]),
      );
      const names = list.users.map((user) => user.username);
      expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)));
    });

    it('carries user_id on join, rename and leave so a list can follow people', async () => {
      await start();
      const watcher = await joined();
      const joinedEvent = waitFor(watcher.socket, 'user_joined');
      const ada = await joined();
      expect(await joinedEvent).toEqual({
        username: ada.username,
        avatar: ada.avatar,
        user_id: ada.userId,
      });
      const renamed = waitFor(watcher.socket, 'username_updated');
      await request(ada.socket, 'update_username', { username: 'Ada' });
      expect(await renamed).toMatchObject({ new_username: 'Ada', user_id: ada.userId });
      const left = waitFor(watcher.socket, 'user_left');
      ada.socket.disconnect();
      expect(await left).toEqual({ username: 'Ada', user_id: ada.userId });
    });
  });

  describe('typing', () => {
    it('relays typing to the others, not to the typist’s own tabs, and ends it on send', async () => {
      await start();
      const ada = await joined();
      const adaTab = await joined({ auth: { session: ada.session } });
      const bo = await joined();
      const seenByTab = record(adaTab.socket);

      const typing = waitFor(bo.socket, 'user_typing');
      emitRaw(ada.socket, 'typing', { is_typing: true });
      expect(await typing).toEqual({
        username: ada.username,
        user_id: ada.userId,
        is_typing: true,
      });

      const stopped = waitFor(bo.socket, 'user_typing');
      await request(ada.socket, 'send_message', { message: 'done typing' });
      expect(await stopped).toEqual({
        username: ada.username,
        user_id: ada.userId,
        is_typing: false,
      });
      await settle(adaTab.socket);
      expect(seenByTab.filter(([event]) => event === 'user_typing')).toEqual([]);
    });

    it('throttles a typist who repeats itself', async () => {
      await start();
      const ada = await joined();
      const bo = await joined();
      const seen = record(bo.socket);
      for (let i = 0; i < 20; i++) {
        emitRaw(ada.socket, 'typing', { is_typing: true });
      }
      emitRaw(ada.socket, 'typing', { is_typing: false });
      await settle(ada.socket, bo.socket);
      expect(seen.filter(([event]) => event === 'user_typing').map(([, p]) => p)).toEqual([
        { username: ada.username, user_id: ada.userId, is_typing: true },
        { username: ada.username, user_id: ada.userId, is_typing: false },
      ]);
    });

    it('relays a start that follows a stop too soon once the second is over', async () => {
      await start();
      const ada = await joined();
      const bo = await joined();
      const seen = record(bo.socket);
      emitRaw(ada.socket, 'typing', { is_typing: true });
      emitRaw(ada.socket, 'typing', { is_typing: false });
      // Ada cleared the box and types again at once: Bo must still see it, a second later.
      emitRaw(ada.socket, 'typing', { is_typing: true });
      await until(() => seen.filter(([event]) => event === 'user_typing').length === 3);
      expect(seen.filter(([event]) => event === 'user_typing').map(([, p]) => p)).toEqual([
        { username: ada.username, user_id: ada.userId, is_typing: true },
        { username: ada.username, user_id: ada.userId, is_typing: false },
        { username: ada.username, user_id: ada.userId, is_typing: true },
      ]);
    });

    it('relays a few of a typist’s alternating starts and stops, and disconnects the flooder', async () => {
      await start();
      const ada = await joined();
      const bo = await joined();
      const seen = record(bo.socket);
      const told = waitFor(ada.socket, 'request_refused');
      const gone = new Promise<string>((resolve) => ada.socket.on('disconnect', resolve));
      for (let i = 0; i < 4000 && ada.socket.connected; i++) {
        emitRaw(ada.socket, 'typing', { is_typing: i % 2 === 0 });
      }
      expect(await told).toMatchObject({ event: 'connection', error: ErrorCode.RateLimited });
      expect(await gone).toBe('io server disconnect');
      await settle(bo.socket);
      const relayed = seen.filter(([event]) => event === 'user_typing');
      // One start and its stop (plus at most one more pair if the run straddles a second).
      expect(relayed.length).toBeGreaterThanOrEqual(2);
      expect(relayed.length).toBeLessThanOrEqual(4);
      // Bo is still served.
      expect(await request(bo.socket, 'send_message', { message: 'still here' })).toMatchObject({
        ok: true,
      });
    });

    it.each([[{}], [{ is_typing: 'yes' }], [null], ['typing']])(
      'drops a malformed typing payload %j, telling the client when it asked',
      async (payload) => {
        await start();
        const ada = await joined();
        const bo = await joined();
        const seen = record(bo.socket);
        const untyped = ada.socket.timeout(2000) as unknown as {
          emitWithAck: (event: string, payload: unknown) => Promise<unknown>;
        };
        const ack = await untyped.emitWithAck('typing', payload);
        expect(ack).toMatchObject({ ok: false, error: ErrorCode.InvalidPayload });
        await settle(bo.socket);
        expect(seen).toEqual([]);
      },
    );
  });
});
