import { describe, expect, it } from '@jest/globals';
import { DEFAULT_ROOM, ErrorCode } from '@parley/protocol';
import { io } from 'socket.io-client';

import {
  type ChatClient,
  emitRaw,
  type Joined,
  record,
  request,
  settle,
  waitFor,
  chatHarness,
} from './support/chat-test-app.js';

describe('Rooms, mentions, edit and delete (real app, real sockets)', () => {
  const chat = chatHarness();
  const start = () => chat.start();

  async function inRoom(room?: string, auth: Record<string, unknown> = {}): Promise<Joined> {
    return chat.joined({ auth: room === undefined ? auth : { ...auth, room } });
  }

  describe('rooms', () => {
    it('puts a client that names no room (a seed-era client) in the default room', async () => {
      await start();
      const seed = await inRoom();
      const lobby = await inRoom('LOBBY');
      const socket = io(chat.url, {
        transports: ['websocket'],
        forceNew: true,
        reconnection: false,
      });
      chat.track(socket);
      expect((await waitFor(socket as ChatClient, 'set_username')).room).toBe(DEFAULT_ROOM);
      const heard = waitFor(lobby.socket, 'new_message');
      emitRaw(seed.socket, 'send_message', { message: 'hello lobby' });
      expect((await heard).message).toBe('hello lobby');
    });

    it('never lets a message, typing, presence or a rename cross rooms', async () => {
      await start();
      const ada = await inRoom('games');
      const bo = await inRoom('games');
      const outsider = await inRoom('Work');
      const seenOutside = record(outsider.socket);

      const boHears = waitFor(bo.socket, 'new_message');
      await request(ada.socket, 'send_message', { message: 'games only' });
      expect((await boHears).message).toBe('games only');
      emitRaw(ada.socket, 'typing', { is_typing: true });
      await waitFor(bo.socket, 'user_typing');
      const renamed = waitFor(bo.socket, 'username_updated');
      await request(ada.socket, 'update_username', { username: 'Ada' });
      await renamed;
      const newcomerSeen = waitFor(bo.socket, 'user_joined');
      const newcomer = await inRoom('games');
      await newcomerSeen;
      const left = waitFor(bo.socket, 'user_left');
      newcomer.socket.disconnect();
      await left;

      await settle(outsider.socket);
      expect(seenOutside).toEqual([]);
      const outsiders = await inRoom('work');
      expect(outsiders.history.messages).toEqual([]);
    });

    it('keeps history, names and who is online per room', async () => {
      await start();
      const ada = await inRoom('games');
      await request(ada.socket, 'update_username', { username: 'Ada' });
      await request(ada.socket, 'send_message', { message: 'in games' });
      const other = await inRoom('work');
      // The same name is free in another room.
      expect(await request(other.socket, 'update_username', { username: 'ada' })).toMatchObject({
        ok: true,
      });
      const late = await inRoom('games');
      expect(late.history.messages.map((m) => m.message)).toEqual(['in games']);
      const { users } = await new Promise<{ users: Array<{ username: string }> }>((resolve) => {
        const socket = io(chat.url, {
          transports: ['websocket'],
          forceNew: true,
          reconnection: false,
          auth: { room: 'work' },
        }) as ChatClient;
        chat.track(socket);
        socket.once('user_list', resolve);
      });
      expect(users.map((user) => user.username)).toContain('ada');
      expect(users.map((user) => user.username)).not.toContain('Ada');
      const page = await request(late.socket, 'load_history', { before: 1_000_000 });
      expect(page.ok && page.messages.map((m) => m.message)).toEqual(['in games']);
    });

    it.each(['has space', 'x'.repeat(33), '../etc', 'émoji', '-dash'])(
      'refuses the room name %j at the handshake with room_invalid',
      async (room) => {
        await start();
        const error = await chat.refused({ auth: { room } });
        expect(error.message).toBe(ErrorCode.RoomInvalid);
        expect(error.data).toMatchObject({
          error: ErrorCode.RoomInvalid,
          message: expect.any(String),
        });
      },
    );
  });

  describe('mentions', () => {
    it('lists the user ids of the people online in the room that a message mentions', async () => {
      await start();
      const ada = await inRoom('games');
      await request(ada.socket, 'update_username', { username: 'Ada Lovelace' });
      const bo = await inRoom('games');
      await request(bo.socket, 'update_username', { username: 'Bo' });
      const elsewhere = await inRoom('work');
      await request(elsewhere.socket, 'update_username', { username: 'Cy' });

      const heard = waitFor(ada.socket, 'new_message');
      await request(bo.socket, 'send_message', { message: 'hey @ada lovelace and @Cy, @nobody' });
      expect((await heard).mentions).toEqual([ada.userId]);

      const plain = waitFor(ada.socket, 'new_message');
      const sent = await request(bo.socket, 'send_message', { message: 'no one' });
      expect((await plain).mentions).toBeUndefined();

      // An edit re-derives them: adding a mention is heard as such.
      const edited = waitFor(ada.socket, 'message_edited');
      await request(bo.socket, 'edit_message', {
        id: sent.ok ? sent.id : -1,
        message: 'now for @Ada Lovelace',
      });
      expect((await edited).mentions).toEqual([ada.userId]);
    });
  });

  describe('edit and delete', () => {
    it('lets the author edit: everyone in the room hears it, and history shows it', async () => {
      await start();
      const ada = await inRoom('games');
      const bo = await inRoom('games');
      const sent = await request(ada.socket, 'send_message', { message: 'tpyo' });
      const id = sent.ok ? sent.id : -1;

      const heard = waitFor(bo.socket, 'message_edited');
      const ack = await request(ada.socket, 'edit_message', { id, message: 'typo fixed' });
      expect(ack).toEqual({ ok: true, id, edited_ts: expect.any(Number) });
      expect(await heard).toEqual({
        id,
        message: 'typo fixed',
        edited_ts: ack.ok ? ack.edited_ts : -1,
      });

      const late = await inRoom('games');
      expect(late.history.messages).toEqual([
        expect.objectContaining({ id, message: 'typo fixed', edited_ts: expect.any(Number) }),
      ]);
    });

    it('lets the author delete: a tombstone for everyone and in history', async () => {
      await start();
      const ada = await inRoom('games');
      const bo = await inRoom('games');
      const sent = await request(ada.socket, 'send_message', { message: 'oops' });
      const id = sent.ok ? sent.id : -1;
      const heard = waitFor(bo.socket, 'message_deleted');
      expect(await request(ada.socket, 'delete_message', { id })).toEqual({ ok: true, id });
      expect(await heard).toEqual({ id });
      const late = await inRoom('games');
      expect(late.history.messages).toEqual([
        expect.objectContaining({ id, message: '', deleted: true }),
      ]);
      expect(await request(ada.socket, 'edit_message', { id, message: 'back?' })).toMatchObject({
        ok: false,
        error: ErrorCode.MessageNotFound,
      });
    });

    it('works from another tab of the same session, after a reload too', async () => {
      await start();
      const ada = await inRoom('games');
      const sent = await request(ada.socket, 'send_message', { message: 'mine' });
      ada.socket.disconnect();
      const reloaded = await inRoom('games', { session: ada.session });
      expect(
        await request(reloaded.socket, 'edit_message', {
          id: sent.ok ? sent.id : -1,
          message: 'still mine',
        }),
      ).toMatchObject({ ok: true });
    });

    it('refuses others with not_allowed and tells nobody', async () => {
      await start();
      const ada = await inRoom('games');
      const mallory = await inRoom('games');
      const sent = await request(ada.socket, 'send_message', { message: 'original' });
      const id = sent.ok ? sent.id : -1;
      const seen = record(ada.socket);

      expect(
        await request(mallory.socket, 'edit_message', { id, message: 'hijacked' }),
      ).toMatchObject({
        ok: false,
        error: ErrorCode.NotAllowed,
      });
      expect(await request(mallory.socket, 'delete_message', { id })).toMatchObject({
        ok: false,
        error: ErrorCode.NotAllowed,
      });
      await settle(ada.socket);
      expect(seen).toEqual([]);
      const late = await inRoom('games');
      expect(late.history.messages[0]?.message).toBe('original');
    });

    it('refuses messages of another room or unknown ids with message_not_found', async () => {
      await start();
      const ada = await inRoom('games');
      const sent = await request(ada.socket, 'send_message', { message: 'in games' });
      const id = sent.ok ? sent.id : -1;
      const sameSessionElsewhere = await inRoom('work', { session: ada.session });
      expect(await request(sameSessionElsewhere.socket, 'delete_message', { id })).toMatchObject({
        ok: false,
        error: ErrorCode.MessageNotFound,
      });
      expect(await request(ada.socket, 'delete_message', { id: id + 999 })).toMatchObject({
        ok: false,
        error: ErrorCode.MessageNotFound,
      });
    });

    it.each([
      ['edit_message', { id: 'x', message: 'a' }, ErrorCode.InvalidPayload],
      ['edit_message', { id: 1 }, ErrorCode.InvalidPayload],
      ['edit_message', { id: 1, message: '   ' }, ErrorCode.EmptyMessage],
      ['edit_message', { id: 1, message: 'x'.repeat(2001) }, ErrorCode.MessageTooLong],
      ['delete_message', {}, ErrorCode.InvalidPayload],
      ['delete_message', { id: -4 }, ErrorCode.InvalidPayload],
    ] as const)('refuses %s %j with %s', async (event, payload, code) => {
      await start();
      const ada = await inRoom('games');
      expect(await request(ada.socket, event, payload)).toMatchObject({ ok: false, error: code });
    });
  });
});
