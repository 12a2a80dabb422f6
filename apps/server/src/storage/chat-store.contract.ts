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

    it('keeps rooms apart, with ids still growing across them', async () => {
      const here = await store.appendMessage(message({ message: 'here' }));
      const there = await store.appendMessage(message({ room: 'elsewhere', message: 'there' }));
      expect(there.message.id).toBeGreaterThan(here.message.id);
      expect((await store.latestMessages(ROOM, 10)).messages.map((m) => m.message)).toEqual([
        'here',
      ]);
      expect((await store.latestMessages('elsewhere', 10)).messages.map((m) => m.message)).toEqual([
        'there',
      ]);
      expect((await store.messagesAfter(ROOM, 0, 10)).messages).toHaveLength(1);
      expect(
        (await store.messagesBefore('elsewhere', there.message.id + 1, 10)).messages,
      ).toHaveLength(1);
    });

    it('edits and deletes a message in place, keeping its id', async () => {
      const { message: original } = await store.appendMessage(
        message({ message: 'tpyo', mentions: ['u1'] }),
      );
      expect(original).toMatchObject({ editedTs: null, deleted: false, mentions: ['u1'] });
      await store.editMessage(original.id, 'typo', ['u2'], 1234);
      expect(await store.getMessage(original.id)).toMatchObject({
        message: 'typo',
        mentions: ['u2'],
        editedTs: 1234,
        deleted: false,
      });
      await store.deleteMessage(original.id, 1300);
      expect(await store.getMessage(original.id)).toMatchObject({
        id: original.id,
        message: '',
        mentions: [],
        deleted: true,
      });
      expect((await store.latestMessages(ROOM, 10)).messages.map((m) => m.id)).toEqual([
        original.id,
      ]);
      expect(await store.getMessage(original.id + 1000)).toBeUndefined();
    });

    it('finds the messages edited or deleted since a time, up to an id, latest changes first kept', async () => {
      const ids: number[] = [];
      for (const text of ['a', 'b', 'c', 'd']) {
        ids.push((await store.appendMessage(message({ message: text }))).message.id);
      }
      const [a, b, c, d] = ids as [number, number, number, number];
      const other = (await store.appendMessage(message({ room: 'elsewhere', message: 'x' })))
        .message;
      await store.editMessage(a, 'a1', [], 1000); // before the time asked: not found
      await store.editMessage(b, 'b1', [], 2000);
      await store.deleteMessage(c, 2500);
      await store.editMessage(d, 'd1', [], 3000); // after the id asked: not found
      await store.editMessage(other.id, 'x1', [], 2200); // another room: not found
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
