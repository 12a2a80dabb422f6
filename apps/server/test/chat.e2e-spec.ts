import { beforeEach, describe, expect, it } from '@jest/globals';
import {
  ErrorCode,
  MESSAGE_MAX_LENGTH,
  USERNAME_MAX_LENGTH,
  newMessagePayloadSchema,
  setUsernamePayloadSchema,
  userJoinedPayloadSchema,
} from '@parley/protocol';

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

const GENERATED_NAME = /^User_[1-9]\d{3}$/;
const AVATAR_URL = /^\/avatars\/(lorelei|notionists)\/User_\d{4}\.svg$/;

describe('ChatGateway (real app, real sockets)', () => {
  const chat = chatHarness();
  const { joined } = chat;

  beforeEach(async () => {
    await chat.start();
  });

  describe('connect', () => {
    it('announces the newcomer to everyone, the newcomer first hearing its own join', async () => {
      const ada = await joined();
      const seenByAda = record(ada.socket);

      const socket = io(chat.url, {
        transports: ['websocket'],
        forceNew: true,
        reconnection: false,
      }) as ChatClient;
      chat.track(socket);
      const seenByNewcomer = record(socket);
      const own = await waitFor(socket, 'set_username');

      expect(setUsernamePayloadSchema.parse(own)).toEqual(own);
      expect(own.username).toMatch(GENERATED_NAME);
      expect(own.avatar).toMatch(AVATAR_URL);
      // Seed order: user_joined (to everyone, newcomer included), then set_username; then who is
      // online and the history.
      await until(() => seenByNewcomer.length === 4);
      expect(seenByNewcomer.map(([event]) => event)).toEqual([
        'user_joined',
        'set_username',
        'user_list',
        'history',
      ]);
      expect(seenByNewcomer[2]?.[1]).toEqual({
        users: expect.arrayContaining([
          { username: own.username, avatar: own.avatar, user_id: own.user_id },
          { username: ada.username, avatar: ada.avatar, user_id: ada.userId },
        ]),
        count: 2,
      });
      expect(seenByNewcomer[0]?.[1]).toEqual({
        username: own.username,
        avatar: own.avatar,
        user_id: own.user_id,
      });

      await until(() => seenByAda.length === 1);
      expect(seenByAda).toEqual([
        ['user_joined', { username: own.username, avatar: own.avatar, user_id: own.user_id }],
      ]);
      expect(userJoinedPayloadSchema.parse(seenByAda[0]?.[1])).toBeDefined();
      expect(own.username).not.toBe(ada.username);
    });

    it('serves the avatar itself, as a cacheable SVG', async () => {
      const ada = await joined();
      const response = await fetch(new URL(ada.avatar, chat.url));
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
      expect(response.headers.get('cache-control')).toContain('max-age=31536000');
      expect(await response.text()).toMatch(/^<svg[\s\S]*<\/svg>$/);
    });

    it('refuses unknown avatar styles and odd seeds with 404', async () => {
      for (const path of [
        '/avatars/robots/x.svg',
        '/avatars/lorelei/%3Cscript%3E.svg',
        '/avatars/lorelei/x.png',
      ]) {
        expect((await fetch(new URL(path, chat.url))).status).toBe(404);
      }
    });
  });

  describe('send_message', () => {
    it('acks the sender and delivers new_message to everyone, sender included', async () => {
      const ada = await joined();
      const bo = await joined();
      const toAda = waitFor(ada.socket, 'new_message');
      const toBo = waitFor(bo.socket, 'new_message');

      const ack = await request(ada.socket, 'send_message', { message: 'Hello!' });

      expect(ack).toEqual({ ok: true, id: expect.any(Number), ts: expect.any(Number) });
      const expected = {
        username: ada.username,
        avatar: ada.avatar,
        message: 'Hello!',
        id: ack.ok ? ack.id : -1,
        ts: ack.ok ? ack.ts : -1,
        user_id: ada.userId,
      };
      expect(await toAda).toEqual(expected);
      expect(await toBo).toEqual(expected);
      expect(newMessagePayloadSchema.parse(expected)).toEqual(expected);
    });

    it('keeps the order of 200 quick messages for every client', async () => {
      const ada = await joined();
      const bo = await joined();
      const seenByAda = record(ada.socket);
      const seenByBo = record(bo.socket);
      const sent = Array.from({ length: 200 }, (_, i) => `message ${i}`);

      for (const message of sent) {
        emitRaw(ada.socket, 'send_message', { message });
      }

      const texts = (seen: Array<[string, unknown]>) =>
        seen
          .filter(([event]) => event === 'new_message')
          .map(([, p]) => (p as { message: string }).message);
      await until(() => texts(seenByAda).length === 200 && texts(seenByBo).length === 200);
      expect(texts(seenByAda)).toEqual(sent);
      expect(texts(seenByBo)).toEqual(sent);
    });

    it.each([
      ['no payload', undefined, ErrorCode.InvalidPayload],
      ['a string instead of an object', 'hello', ErrorCode.InvalidPayload],
      ['a missing field', {}, ErrorCode.InvalidPayload],
      ['a number as message', { message: 42 }, ErrorCode.InvalidPayload],
      ['an empty message', { message: '' }, ErrorCode.EmptyMessage],
      ['a whitespace-only message', { message: ' \n\t ' }, ErrorCode.EmptyMessage],
      [
        'a message over the limit',
        { message: 'x'.repeat(MESSAGE_MAX_LENGTH + 1) },
        ErrorCode.MessageTooLong,
      ],
    ])('refuses %s with an error ack and broadcasts nothing', async (_label, payload, code) => {
      const ada = await joined();
      const bo = await joined();
      const seenByBo = record(bo.socket);

      const ack = await request(ada.socket, 'send_message', payload);

      expect(ack).toMatchObject({ ok: false, error: code });
      expect(ack.ok ? '' : ack.message).toEqual(expect.any(String));
      await settle(bo.socket);
      expect(seenByBo).toEqual([]);
    });

    it('tells a client that sent without an ack why it was refused, and only that client', async () => {
      const ada = await joined();
      const bo = await joined();
      const seenByBo = record(bo.socket);
      const refusal = waitFor(ada.socket, 'request_refused');

      emitRaw(ada.socket, 'send_message', { message: '   ' });

      expect(await refusal).toEqual({
        event: 'send_message',
        error: ErrorCode.EmptyMessage,
        message: expect.any(String),
      });
      await settle(bo.socket);
      expect(seenByBo).toEqual([]);
    });

    it('keeps serving everyone after garbage', async () => {
      const ada = await joined();
      const bo = await joined();
      emitRaw(ada.socket, 'send_message');
      emitRaw(ada.socket, 'send_message', null);
      emitRaw(ada.socket, 'send_message', [1, 2, 3]);
      emitRaw(ada.socket, 'send_message', { message: { nested: true } });
      emitRaw(ada.socket, 'send_message', 1, 2, 3);
      emitRaw(ada.socket, 'update_username', { username: ['x'] });
      emitRaw(ada.socket, 'load_history', { before: 'x' });
      emitRaw(ada.socket, 'no_such_event', { message: 'hi' });

      const toBo = waitFor(bo.socket, 'new_message');
      const ack = await request(ada.socket, 'send_message', { message: 'still here' });
      expect(ack).toMatchObject({ ok: true });
      expect(await toBo).toMatchObject({ username: ada.username, message: 'still here' });
    });

    it('disconnects a client whose frame is larger than any valid request, and no one else', async () => {
      const ada = await joined();
      const bo = await joined();
      const gone = new Promise<string>((resolve) => ada.socket.once('disconnect', resolve));
      const leftSeenByBo = waitFor(bo.socket, 'user_left');

      emitRaw(ada.socket, 'send_message', { message: 'x'.repeat(200_000) });

      expect(await gone).toBe('transport close');
      expect(await leftSeenByBo).toEqual({ username: ada.username, user_id: ada.userId });
      const ack = await request(bo.socket, 'send_message', { message: 'fine' });
      expect(ack).toMatchObject({ ok: true });
    });
  });

  describe('update_username', () => {
    it('renames, tells everyone, and later messages carry the new name', async () => {
      const ada = await joined();
      const bo = await joined();
      const renamedForBo = waitFor(bo.socket, 'username_updated');
      const renamedForAda = waitFor(ada.socket, 'username_updated');

      const ack = await request(ada.socket, 'update_username', { username: '  Ada  ' });

      expect(ack).toEqual({ ok: true, username: 'Ada' });
      const expected = {
        old_username: ada.username,
        new_username: 'Ada',
        avatar: ada.avatar,
        user_id: ada.userId,
      };
      expect(await renamedForBo).toEqual(expected);
      expect(await renamedForAda).toEqual(expected);

      const message = waitFor(bo.socket, 'new_message');
      await request(ada.socket, 'send_message', { message: 'I am Ada now' });
      expect(await message).toMatchObject({
        username: 'Ada',
        avatar: ada.avatar,
        message: 'I am Ada now',
      });
    });

    it('refuses a name someone online uses, whatever its case, and broadcasts nothing', async () => {
      const ada = await joined();
      const bo = await joined();
      await request(ada.socket, 'update_username', { username: 'Ada' });
      const seenByAda = record(ada.socket);

      const ack = await request(bo.socket, 'update_username', { username: 'aDA' });

      expect(ack).toMatchObject({ ok: false, error: ErrorCode.NameTaken });
      await settle(ada.socket);
      expect(seenByAda).toEqual([]);
    });

    it('frees a name when its holder leaves', async () => {
      const ada = await joined();
      const bo = await joined();
      await request(ada.socket, 'update_username', { username: 'Grace' });
      const left = waitFor(bo.socket, 'user_left');
      ada.socket.disconnect();
      expect(await left).toEqual({ username: 'Grace', user_id: ada.userId });

      const ack = await request(bo.socket, 'update_username', { username: 'Grace' });
      expect(ack).toEqual({ ok: true, username: 'Grace' });
    });

    it('lets a user change the case of its own name', async () => {
      const ada = await joined();
      await request(ada.socket, 'update_username', { username: 'ada' });
      const ack = await request(ada.socket, 'update_username', { username: 'Ada' });
      expect(ack).toEqual({ ok: true, username: 'Ada' });
    });

    it.each([
      ['no payload', undefined, ErrorCode.InvalidPayload],
      ['a number', { username: 7 }, ErrorCode.InvalidPayload],
      ['an empty name', { username: '' }, ErrorCode.NameInvalid],
      ['a whitespace-only name', { username: '    ' }, ErrorCode.NameInvalid],
      [
        'a name over the limit',
        { username: 'n'.repeat(USERNAME_MAX_LENGTH + 1) },
        ErrorCode.NameInvalid,
      ],
      ['a name with a control character', { username: 'Ada\u0000' }, ErrorCode.NameInvalid],
      ['a name with a newline', { username: 'Ada\nB' }, ErrorCode.NameInvalid],
      ['a reserved name', { username: 'System' }, ErrorCode.NameReserved],
    ])('refuses %s with an error ack and broadcasts nothing', async (_label, payload, code) => {
      const ada = await joined();
      const bo = await joined();
      const seenByBo = record(bo.socket);

      const ack = await request(ada.socket, 'update_username', payload);

      expect(ack).toMatchObject({ ok: false, error: code, message: expect.any(String) });
      await settle(bo.socket);
      expect(seenByBo).toEqual([]);
      // The refused client keeps its name.
      const message = waitFor(bo.socket, 'new_message');
      emitRaw(ada.socket, 'send_message', { message: 'same name?' });
      expect((await message).username).toBe(ada.username);
    });
  });

  describe('disconnect', () => {
    it('broadcasts user_left with the name at the time of leaving', async () => {
      const ada = await joined();
      const bo = await joined();
      const left = waitFor(bo.socket, 'user_left');
      ada.socket.disconnect();
      expect(await left).toEqual({ username: ada.username, user_id: ada.userId });
    });
  });

  describe.each([['websocket'], ['polling']])('a tutorial-era client over %s', (transport) => {
    it('joins, chats and renames with the tutorial events alone, without acks', async () => {
      const peer = await joined();
      const seed = await joined({ transports: [transport] });
      expect(seed.username).toMatch(GENERATED_NAME);

      const toSeed = waitFor(seed.socket, 'new_message');
      const toPeer = waitFor(peer.socket, 'new_message');
      emitRaw(seed.socket, 'send_message', { message: 'hi from the tutorial' });
      const expected = {
        username: seed.username,
        avatar: seed.avatar,
        message: 'hi from the tutorial',
      };
      expect(await toSeed).toMatchObject(expected);
      expect(await toPeer).toEqual(await toSeed);

      const renamed = waitFor(peer.socket, 'username_updated');
      emitRaw(seed.socket, 'update_username', { username: 'Tutorial' });
      expect(await renamed).toMatchObject({
        old_username: seed.username,
        new_username: 'Tutorial',
      });

      const left = waitFor(peer.socket, 'user_left');
      seed.socket.disconnect();
      expect(await left).toEqual({ username: 'Tutorial', user_id: seed.userId });
    });
  });
});
