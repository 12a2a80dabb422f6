import { afterAll, describe, expect, it } from '@jest/globals';
import { ErrorCode, MENTION_SCAN_LIMIT, type NewMessagePayload } from '@parley/protocol';
import { Redis } from 'ioredis';

import { REDIS_URL, testRedisPrefix } from '../src/testing/test-redis.js';
import { chatHarness, record, request, settle, waitFor } from './support/chat-test-app.js';

/** Mention bombs, look-alike names and hostile message text, through real sockets. */
describe('Hostile text (real app, real sockets)', () => {
  const chat = chatHarness();
  const { start, joined } = chat;
  const redis = testRedisPrefix();

  afterAll(async () => {
    await redis.clean();
  });

  /** Two people online, named `Ada Lovelace` and `Bo`, in a fresh app started with `env`. */
  async function adaAndBo(env: NodeJS.ProcessEnv = {}) {
    await start(env);
    const ada = await joined();
    const bo = await joined();
    expect(
      await request(ada.socket, 'update_username', { username: 'Ada Lovelace' }),
    ).toMatchObject({ ok: true });
    expect(await request(bo.socket, 'update_username', { username: 'Bo' })).toMatchObject({
      ok: true,
    });
    return { ada, bo };
  }

  describe('mentions', () => {
    it(`looks at the first ${MENTION_SCAN_LIMIT} @ of a message only`, async () => {
      const { ada, bo } = await adaAndBo();
      const heard = waitFor(ada.socket, 'new_message');
      const message = `@ada lovelace ${'@'.repeat(1900)} @Bo`;
      expect(await request(bo.socket, 'send_message', { message })).toMatchObject({ ok: true });
      expect((await heard).mentions).toEqual([ada.userId]);
    });

    it('acks a 2000-@ message quickly with 1,000 people online, and names the right people', async () => {
      const { ada, bo } = await adaAndBo({ REDIS_URL, REDIS_KEY_PREFIX: redis.prefix });
      // 1,000 more people online in the room, as other nodes would have written them.
      const writer = new Redis(REDIS_URL);
      try {
        const people: Record<string, string> = {};
        for (let n = 0; n < 1000; n++) {
          const username = n % 2 === 0 ? `Person ${n} Smith` : `User_${2000 + n}`;
          people[`fake-${n}`] = JSON.stringify({
            username,
            avatar: '/a.svg',
            user_id: `u-${n}`,
            node: 'elsewhere',
          });
        }
        await writer.hset(`${redis.prefix}presence:lobby`, people);
      } finally {
        writer.disconnect();
      }
      const seen = record(ada.socket);
      const bombs = [
        `@Person 8 smith @BO ${'@'.repeat(1980)}`,
        '@'.repeat(2000),
        '@a'.repeat(1000),
        `@User_2001 ${'@Person 2 Smith '.repeat(120)}`,
      ];
      for (const message of bombs) {
        const started = Date.now();
        expect(await request(bo.socket, 'send_message', { message })).toMatchObject({ ok: true });
        // Each took about 2.4 s on one core when every name was keyed at every @.
        expect(Date.now() - started).toBeLessThan(500);
      }
      await settle(ada.socket);
      const mentions = seen
        .filter(([event]) => event === 'new_message')
        .map(([, payload]) => (payload as NewMessagePayload).mentions ?? []);
      expect(mentions).toEqual([['u-8', bo.userId], [], [], ['u-1', 'u-2']]);

      // Another node renames someone: the next message knows the new name, not the old one.
      const renamer = new Redis(REDIS_URL);
      try {
        await renamer.hset(
          `${redis.prefix}presence:lobby`,
          'fake-8',
          JSON.stringify({
            username: 'Grace',
            avatar: '/a.svg',
            user_id: 'u-8',
            node: 'elsewhere',
          }),
        );
      } finally {
        renamer.disconnect();
      }
      const heard = waitFor(ada.socket, 'new_message');
      await request(bo.socket, 'send_message', { message: '@Person 8 Smith @grace' });
      expect((await heard).mentions).toEqual(['u-8']);
    });

    it('follows the room as people come, rename themselves and go', async () => {
      const { ada, bo } = await adaAndBo();
      const mentions = async (message: string) => {
        const heard = waitFor(ada.socket, 'new_message');
        expect(await request(bo.socket, 'send_message', { message })).toMatchObject({ ok: true });
        return (await heard).mentions ?? [];
      };
      expect(await mentions('@Ada Lovelace')).toEqual([ada.userId]);
      const cy = await joined();
      expect(await mentions(`@${cy.username}`)).toEqual([cy.userId]);
      await request(ada.socket, 'update_username', { username: 'Grace' });
      expect(await mentions('@Ada Lovelace @grace')).toEqual([ada.userId]);
      expect(await mentions('@ada lovelace')).toEqual([]);
      const cyLeft = waitFor(ada.socket, 'user_left');
      cy.socket.disconnect();
      await cyLeft;
      expect(await mentions(`@${cy.username}`)).toEqual([]);
    });
  });

  describe('names', () => {
    it.each([
      ['capital I for l', 'AIice'],
      ['an accent', 'Alíce'],
      ['a combining mark', 'Ali\u0332ce'],
    ])(
      'refuses a name differing from an online one by %s, and tells nobody',
      async (_label, name) => {
        await start();
        const alice = await joined();
        expect(await request(alice.socket, 'update_username', { username: 'Alice' })).toMatchObject(
          {
            ok: true,
          },
        );
        const malloryJoined = waitFor(alice.socket, 'user_joined');
        const mallory = await joined();
        await malloryJoined;
        const seen = record(alice.socket);
        expect(await request(mallory.socket, 'update_username', { username: name })).toMatchObject({
          ok: false,
          error: ErrorCode.NameTaken,
        });
        await settle(alice.socket);
        expect(seen).toEqual([]);
      },
    );

    it.each([
      ['[System]', ErrorCode.NameReserved],
      ['System Bot', ErrorCode.NameReserved],
      ['ParIey', ErrorCode.NameReserved],
      ['Alice\u2800', ErrorCode.NameInvalid],
      ['\u17B4\u17B5', ErrorCode.NameInvalid],
    ])('refuses %j as %s', async (name, error) => {
      await start();
      const mallory = await joined();
      expect(await request(mallory.socket, 'update_username', { username: name })).toMatchObject({
        ok: false,
        error,
      });
    });
  });

  describe('message text', () => {
    it('relays and stores the cleaned text: no bidi controls, no Zalgo, at most 2 blank lines', async () => {
      const { ada, bo } = await adaAndBo();
      const heard = waitFor(ada.socket, 'new_message');
      const message = `\u202Eevil\u202C Z${'\u0301'.repeat(1900)}!${'\n'.repeat(40)}end`;
      expect(await request(bo.socket, 'send_message', { message })).toMatchObject({ ok: true });
      const cleaned = `evil Z${'\u0301'.repeat(4)}!\n\n\nend`;
      expect((await heard).message).toBe(cleaned);

      const edited = waitFor(ada.socket, 'message_edited');
      const { id } = await heard;
      expect(
        await request(bo.socket, 'edit_message', { id, message: `${message}\u2066` }),
      ).toMatchObject({
        ok: true,
      });
      expect((await edited).message).toBe(cleaned);
    });
  });
});
