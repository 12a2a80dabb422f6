import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { HISTORY_PAGE_SIZE } from '@parley/protocol';

import type { AppConfig } from '../config/app-config.js';
import { SqliteChatStore } from '../storage/sqlite-chat-store.js';
import { MessagesService } from './messages.service.js';

const LONG = 'x'.repeat(2000);

describe('MessagesService newest-page cache', () => {
  let store: SqliteChatStore;
  /** The rooms whose newest page was read from the store, in order, since the last reset. */
  let reads: string[];

  function service(historyCacheBytes: number): MessagesService {
    const config = { historyCacheBytes, resumeMaxMessages: 500 };
    return new MessagesService(store, config as AppConfig);
  }

  async function fill(room: string, count: number, text = LONG): Promise<void> {
    for (let i = 0; i < count; i++) {
      await store.appendMessage({
        room,
        ts: i,
        sessionId: `s-${room}`,
        clientId: null,
        username: 'User_1234',
        avatar: '/avatars/lorelei/User_1234.svg',
        message: `${room}:${i}:${text}`,
        mentions: [],
      });
    }
  }

  beforeEach(() => {
    store = new SqliteChatStore(':memory:');
    reads = [];
    const latest = store.latestMessages.bind(store);
    jest.spyOn(store, 'latestMessages').mockImplementation((room, limit) => {
      reads.push(room);
      return latest(room, limit);
    });
  });

  afterEach(async () => {
    await store.close();
  });

  it('keeps pages of long messages within its byte budget, least recently used first out', async () => {
    const rooms = Array.from({ length: 40 }, (_, i) => `room-${i}`);
    for (const room of rooms) {
      await fill(room, HISTORY_PAGE_SIZE + 1);
    }
    // A page here is ≈200 KB (estimated): a 1 MiB budget holds 4 or 5 of them.
    const budget = 1024 * 1024;
    const messages = service(budget);
    for (const room of rooms) {
      const page = await messages.latest(room);
      expect(page.hasMore).toBe(true);
      expect(page.messages).toHaveLength(HISTORY_PAGE_SIZE);
      expect(page.messages[0]?.message).toBe(`${room}:1:${LONG}`);
      expect(messages.cachedPageBytes).toBeLessThanOrEqual(budget);
    }
    expect(messages.cachedPageBytes).toBeGreaterThan(budget / 2);
    expect(reads).toEqual(rooms);

    // The most recent rooms come from memory; reading one keeps it longer than the others.
    reads = [];
    const recent = rooms.slice(-3);
    for (const room of recent) {
      expect((await messages.latest(room)).messages.at(-1)?.message).toBe(`${room}:50:${LONG}`);
    }
    expect(reads).toEqual([]);
    // The oldest rooms were let go, and come back from the store, correct.
    const first = await messages.latest(rooms[0]!);
    expect(first.messages[0]?.message).toBe(`${rooms[0]}:1:${LONG}`);
    expect(reads).toEqual([rooms[0]]);
    expect(messages.cachedPageBytes).toBeLessThanOrEqual(budget);
    // Room 0 just pushed out the least recently used page, not the ones read again.
    reads = [];
    for (const room of recent) {
      await messages.latest(room);
    }
    expect(reads).toEqual([]);
  });

  it('keeps no page bigger than the whole budget, and serves it correctly anyway', async () => {
    await fill('big', 10);
    const messages = service(1000);
    for (let i = 0; i < 2; i++) {
      expect((await messages.latest('big')).messages.map((m) => m.id)).toEqual([
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
      ]);
    }
    expect(reads).toEqual(['big', 'big']);
    expect(messages.cachedPageBytes).toBe(0);
  });

  it('drops a room’s page when a message there changes', async () => {
    await fill('lobby', 3, 'short');
    const messages = service(1024 * 1024);
    await messages.latest('lobby');
    await messages.latest('lobby');
    expect(reads).toEqual(['lobby']);
    const author = {
      sessionId: 's-lobby',
      room: 'lobby',
      username: 'User_1234',
      avatar: '/a.svg',
    } as Parameters<MessagesService['post']>[0];
    await messages.post(author, 'new', undefined, []);
    expect((await messages.latest('lobby')).messages.at(-1)).toMatchObject({
      id: 4,
      message: 'new',
    });
    expect(reads).toEqual(['lobby', 'lobby']);
  });
});

describe('MessagesService write order', () => {
  const author = (room: string) => ({
    sessionId: `s-${room}`,
    username: 'User_1234',
    avatar: '/avatars/lorelei/User_1234.svg',
    room,
    userId: 'u',
    sockets: ['a'],
    typing: false,
  });
  const config = { historyCacheBytes: 1024 * 1024, resumeMaxMessages: 500 } as AppConfig;
  let store: SqliteChatStore;
  /** Resolves the held write of each room that is being held. */
  const held = new Map<string, () => void>();

  beforeEach(() => {
    store = new SqliteChatStore(':memory:');
    const append = store.appendMessage.bind(store);
    // Writes of a room named `slow…` wait until the test lets them through.
    jest.spyOn(store, 'appendMessage').mockImplementation(async (message) => {
      if (message.room.startsWith('slow')) {
        await new Promise<void>((resolve) => held.set(message.room, resolve));
      }
      return append(message);
    });
  });

  afterEach(async () => {
    held.clear();
    await store.close();
  });

  it("doesn't make a room wait for another room's slow write", async () => {
    const messages = new MessagesService(store, config);
    const slow = messages.post(author('slow-room'), 'held', undefined, []);
    const fast = await messages.post(author('fast-room'), 'not held', undefined, []);
    expect(fast.message.message).toBe('not held');
    expect(held.has('slow-room')).toBe(true);
    held.get('slow-room')?.();
    expect((await slow).message.message).toBe('held');
  });

  it('keeps the arrival order within a room, and keeps nothing for rooms with no write', async () => {
    const messages = new MessagesService(store, config);
    const first = messages.post(author('slow-room'), 'first', undefined, []);
    const second = messages.post(author('slow-room'), 'second', undefined, []);
    const third = messages.post(author('slow-room'), 'third', undefined, []);
    expect(messages.roomsWriting).toBe(1);
    // Each write is let through only once it is the one being made.
    for (let i = 0; i < 3; i++) {
      await new Promise<void>((resolve) => {
        const poll = () => (held.has('slow-room') ? resolve() : setImmediate(poll));
        poll();
      });
      const release = held.get('slow-room');
      held.delete('slow-room');
      release?.();
    }
    const ids = (await Promise.all([first, second, third])).map((result) => result.message.id);
    expect(ids).toEqual([1, 2, 3]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(messages.roomsWriting).toBe(0);
  });

  it('keeps no newest page when the store has other writers', async () => {
    const shared = Object.assign(Object.create(store) as SqliteChatStore, { onlyWriter: false });
    const latest = jest.spyOn(store, 'latestMessages');
    const messages = new MessagesService(shared, config);
    await messages.latest('lobby');
    await messages.latest('lobby');
    expect(latest).toHaveBeenCalledTimes(2);
    latest.mockClear();
    const own = new MessagesService(store, config);
    await own.latest('lobby');
    await own.latest('lobby');
    expect(latest).toHaveBeenCalledTimes(1);
  });
});
