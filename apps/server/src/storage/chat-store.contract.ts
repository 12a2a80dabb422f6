import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';

import type { ChatStore, NewStoredMessage } from './chat-store.js';

const ROOM = 'lobby';

/**
 * The behaviour every {@link ChatStore} must have. Each implementation's spec calls this with a
 * factory giving a fresh, empty store.
 */
export function describeChatStoreContract(
  name: string,
  createEmptyStore: () => Promise<ChatStore>,
): void {
  describe(`${name} (ChatStore contract)`, () => {
    let store: ChatStore;
    let clock = 1_700_000_000_000;

    const message = (overrides: Partial<NewStoredMessage> = {}): NewStoredMessage => ({
      room: ROOM,
      ts: clock++,
      mentions: [],
      sessionId: 'session-a',
      clientId: null,
      username: 'Ada',
      avatar: '/avatars/lorelei/Ada.svg',
      message: 'hello',
      ...overrides,
    });

    async function appendMany(count: number): Promise<number[]> {
      const ids: number[] = [];
      for (let i = 0; i < count; i++) {
        ids.push((await store.appendMessage(message({ message: `m${i}` }))).message.id);
      }
      return ids;
    }

    beforeEach(async () => {
      store = await createEmptyStore();
    });

    afterEach(async () => {
      await store.close();
    });

    it('gives increasing ids in the order messages are appended, and keeps every field', async () => {
      const first = await store.appendMessage(message({ message: 'one' }));
      const second = await store.appendMessage(message({ message: 'two', clientId: 'c2' }));
      expect(first.duplicate).toBe(false);
      expect(second.message.id).toBeGreaterThan(first.message.id);
      const { messages } = await store.latestMessages(ROOM, 10);
      expect(messages).toEqual([first.message, second.message]);
      expect(messages[1]).toMatchObject({ message: 'two', clientId: 'c2', sessionId: 'session-a' });
    });

    it('stores a client_id once per session and returns the original on a retry', async () => {
      const original = await store.appendMessage(message({ clientId: 'abc', message: 'once' }));
      const retry = await store.appendMessage(message({ clientId: 'abc', message: 'once' }));
      expect(retry).toEqual({ message: original.message, duplicate: true });
      expect((await store.latestMessages(ROOM, 10)).messages).toHaveLength(1);
    });

    it('keeps client_ids of different sessions apart', async () => {
      await store.appendMessage(message({ clientId: 'same', sessionId: 'a' }));
      const other = await store.appendMessage(message({ clientId: 'same', sessionId: 'b' }));
      expect(other.duplicate).toBe(false);
    });

    it('keeps client_ids of one session in different rooms apart, and dedups within each', async () => {
      const here = await store.appendMessage(message({ clientId: 'same', message: 'here' }));
      const there = await store.appendMessage(
        message({ clientId: 'same', room: 'elsewhere', message: 'there' }),
      );
      expect(there.duplicate).toBe(false);
      expect(there.message).toMatchObject({ room: 'elsewhere', message: 'there' });
      const retry = await store.appendMessage(
        message({ clientId: 'same', room: 'elsewhere', message: 'there' }),
      );
      expect(retry).toEqual({ message: there.message, duplicate: true });
      expect((await store.latestMessages(ROOM, 10)).messages).toEqual([here.message]);
      expect((await store.latestMessages('elsewhere', 10)).messages).toEqual([there.message]);
    });

    it('pages the newest messages, oldest first, and says whether older ones exist', async () => {
      const ids = await appendMany(5);
      expect(await store.latestMessages(ROOM, 3)).toMatchObject({
        messages: ids.slice(2).map((id) => ({ id })),
        more: true,
      });
      expect((await store.latestMessages(ROOM, 5)).more).toBe(false);
      expect(await store.latestMessages(ROOM, 10)).toMatchObject({ more: false });
    });

    it('pages back before an id', async () => {
      const ids = await appendMany(6);
      const page = await store.messagesBefore(ROOM, ids[4]!, 2);
      expect(page.messages.map((m) => m.id)).toEqual([ids[2], ids[3]]);
      expect(page.more).toBe(true);
      const first = await store.messagesBefore(ROOM, ids[2]!, 5);
      expect(first.messages.map((m) => m.id)).toEqual([ids[0], ids[1]]);
      expect(first.more).toBe(false);
    });

    it('pages forward after an id, for resuming', async () => {
      const ids = await appendMany(6);
      const page = await store.messagesAfter(ROOM, ids[1]!, 3);
      expect(page.messages.map((m) => m.id)).toEqual([ids[2], ids[3], ids[4]]);
      expect(page.more).toBe(true);
      expect(await store.messagesAfter(ROOM, ids[5]!, 3)).toEqual({ messages: [], more: false });
      expect((await store.messagesAfter(ROOM, 0, 10)).messages).toHaveLength(6);
    });

    it('keeps rooms apart, each numbering its own messages from 1', async () => {
      const here = await store.appendMessage(message({ message: 'here' }));
      const there = await store.appendMessage(message({ room: 'elsewhere', message: 'there' }));
      const again = await store.appendMessage(message({ message: 'again' }));
      expect([here.message.id, there.message.id, again.message.id]).toEqual([1, 1, 2]);
      expect((await store.getMessage('elsewhere', 1))?.message).toBe('there');
      expect((await store.getMessage(ROOM, 1))?.message).toBe('here');
      expect(await store.getMessage('elsewhere', 2)).toBeUndefined();
      await store.editMessage('elsewhere', 1, 'there1', [], 50);
      await store.deleteMessage(ROOM, 2, 60);
      expect((await store.latestMessages(ROOM, 10)).messages.map((m) => m.message)).toEqual([
        'here',
        '',
      ]);
      expect((await store.changedMessages(ROOM, 0, 2, 10)).map((m) => m.message)).toEqual(['']);
      expect(await store.changedMessages('elsewhere', 0, 1, 10)).toMatchObject([
        { id: 1, message: 'there1', editedTs: 50 },
      ]);
      expect((await store.latestMessages('elsewhere', 10)).messages.map((m) => m.message)).toEqual([
        'there1',
      ]);
      expect((await store.messagesAfter(ROOM, 0, 10)).messages).toHaveLength(2);
      expect(
        (await store.messagesBefore('elsewhere', there.message.id + 1, 10)).messages,
      ).toHaveLength(1);
    });

    it('edits and deletes a message in place, keeping its id', async () => {
      const { message: original } = await store.appendMessage(
        message({ message: 'tpyo', mentions: ['u1'] }),
      );
      expect(original).toMatchObject({ editedTs: null, deleted: false, mentions: ['u1'] });
      await store.editMessage(ROOM, original.id, 'typo', ['u2'], 1234);
      expect(await store.getMessage(ROOM, original.id)).toMatchObject({
        message: 'typo',
        mentions: ['u2'],
        editedTs: 1234,
        deleted: false,
      });
      await store.deleteMessage(ROOM, original.id, 1300);
      expect(await store.getMessage(ROOM, original.id)).toMatchObject({
        id: original.id,
        message: '',
        mentions: [],
        deleted: true,
      });
      expect((await store.latestMessages(ROOM, 10)).messages.map((m) => m.id)).toEqual([
        original.id,
      ]);
      expect(await store.getMessage(ROOM, original.id + 1000)).toBeUndefined();
    });

    it('finds the messages edited or deleted since a time, up to an id, latest changes first kept', async () => {
      const ids: number[] = [];
      for (const text of ['a', 'b', 'c', 'd']) {
        ids.push((await store.appendMessage(message({ message: text }))).message.id);
      }
      const [a, b, c, d] = ids as [number, number, number, number];
      const other = (await store.appendMessage(message({ room: 'elsewhere', message: 'x' })))
        .message;
      await store.editMessage(ROOM, a, 'a1', [], 1000); // before the time asked: not found
      await store.editMessage(ROOM, b, 'b1', [], 2000);
      await store.deleteMessage(ROOM, c, 2500);
      await store.editMessage(ROOM, d, 'd1', [], 3000); // after the id asked: not found
      await store.editMessage('elsewhere', other.id, 'x1', [], 2200); // another room: not found
      const changed = await store.changedMessages(ROOM, 2000, c, 10);
      expect(changed.map((m) => [m.id, m.message, m.deleted])).toEqual([
        [b, 'b1', false],
        [c, '', true],
      ]);
      // Over the limit: the latest changes, still oldest first.
      expect((await store.changedMessages(ROOM, 0, d, 2)).map((m) => m.id)).toEqual([c, d]);
      expect(await store.changedMessages(ROOM, 4000, d, 10)).toEqual([]);
    });

    it('is empty when new', async () => {
      expect(await store.latestMessages(ROOM, 50)).toEqual({ messages: [], more: false });
      expect(await store.messagesBefore(ROOM, 100, 50)).toEqual({ messages: [], more: false });
    });

    it('deletes sessions unused past the TTL and silent ones sooner, in batches, keeping their messages', async () => {
      const session = (id: string, seenAt: number) =>
        store.createSession(
          { id, username: id, avatar: '/a.svg', createdAt: seenAt, lastSeenAt: seenAt },
          `hash-${id}`,
        );
      await session('silent-old', 1000); // never sent anything, idle an hour: collected
      await session('silent-older', 900);
      await session('silent-recent', 5000); // never sent anything, seen recently: kept
      await session('poster', 1000); // wrote a message: kept until the TTL
      await session('named', 1000); // chose a name: kept until the TTL
      await session('gone-poster', 100); // unused past the TTL: collected
      await store.appendMessage(message({ sessionId: 'poster' }));
      const kept = await store.appendMessage(
        message({ sessionId: 'gone-poster', message: 'still here', clientId: 'k' }),
      );
      await store.updateSessionIdentity('named', 'Named', '/b.svg');
      const cutoffs = { seenBefore: 500, silentSeenBefore: 2000 };
      expect(await store.deleteExpiredSessions(cutoffs, 2)).toBe(2);
      expect(await store.deleteExpiredSessions(cutoffs, 2)).toBe(1);
      expect(await store.deleteExpiredSessions(cutoffs, 2)).toBe(0);
      const left: string[] = [];
      for (const id of [
        'silent-old',
        'silent-older',
        'silent-recent',
        'poster',
        'named',
        'gone-poster',
      ]) {
        if (await store.findSession(`hash-${id}`, 0)) {
          left.push(id);
        }
      }
      expect(left).toEqual(['silent-recent', 'poster', 'named']);
      // The author's messages stay as they were, name, avatar and session id included.
      expect(await store.getMessage(ROOM, kept.message.id)).toEqual(kept.message);
      expect(
        await store.appendMessage(
          message({ sessionId: 'gone-poster', message: 'still here', clientId: 'k' }),
        ),
      ).toEqual({ message: kept.message, duplicate: true });
    });

    it('marks many sessions as seen at once', async () => {
      for (const id of ['x', 'y', 'z']) {
        await store.createSession(
          { id, username: id, avatar: '/a.svg', createdAt: 10, lastSeenAt: 10 },
          `hash-${id}`,
        );
      }
      await store.touchSessions(['x', 'z'], 5000);
      await store.touchSessions([], 6000);
      expect(await store.deleteExpiredSessions({ seenBefore: 0, silentSeenBefore: 1000 }, 10)).toBe(
        1,
      );
      expect(await store.findSession('hash-x', 4999)).toMatchObject({ lastSeenAt: 5000 });
      expect(await store.findSession('hash-y', 0)).toBeUndefined();
      expect(await store.findSession('hash-z', 4999)).toMatchObject({ lastSeenAt: 5000 });
    });

    it('finds a session by token hash until it expires, and updates it', async () => {
      const now = Date.now();
      await store.createSession(
        { id: 's1', username: 'User_1234', avatar: '/a.svg', createdAt: now, lastSeenAt: now },
        'hash-1',
      );
      expect(await store.findSession('hash-1', now - 1000)).toMatchObject({
        id: 's1',
        username: 'User_1234',
      });
      expect(await store.findSession('hash-2', 0)).toBeUndefined();
      expect(await store.findSession('hash-1', now + 1)).toBeUndefined();

      await store.updateSessionIdentity('s1', 'Ada', '/b.svg');
      await store.touchSession('s1', now + 5000);
      expect(await store.findSession('hash-1', now + 1)).toMatchObject({
        username: 'Ada',
        avatar: '/b.svg',
        lastSeenAt: now + 5000,
      });
    });
  });
}
