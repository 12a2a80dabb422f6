import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';

import { SqliteChatStore } from '../storage/sqlite-chat-store.js';
import { UsersService } from '../users/users.service.js';
import {
  SessionCollector,
  SILENT_SESSION_MS,
  SWEEP_BATCH,
  SWEEP_EVERY_MS,
} from './session-collector.service.js';

const MINUTE = 60 * 1000;
const DAY = 24 * 60 * MINUTE;
const TTL_MS = 30 * DAY;
const START = 1_700_000_000_000;

describe(SessionCollector.name, () => {
  let store: SqliteChatStore;
  let users: UsersService;
  let now: number;
  let collector: SessionCollector;

  const session = (id: string) =>
    store.createSession(
      { id, username: `U_${id}`, avatar: '/a.svg', createdAt: now, lastSeenAt: now },
      `hash-${id}`,
    );
  const alive = async (...ids: string[]) => {
    const found: string[] = [];
    for (const id of ids) {
      if (await store.findSession(`hash-${id}`, 0)) {
        found.push(id);
      }
    }
    return found;
  };

  beforeEach(() => {
    now = START;
    store = new SqliteChatStore(':memory:');
    users = new UsersService({ presenceGraceMs: 0 });
    collector = new SessionCollector(store, { sessionTtlMs: TTL_MS }, users, () => now);
  });

  afterEach(async () => {
    await collector.onModuleDestroy();
    users.onModuleDestroy();
    await store.close();
  });

  it('forgets silent sessions after an hour and all others after the TTL, never the online', async () => {
    for (const id of ['silent', 'poster', 'named', 'reader']) {
      await session(id);
    }
    const { message } = await store.appendMessage({
      room: 'lobby',
      ts: now,
      sessionId: 'poster',
      clientId: 'c1',
      username: 'U_poster',
      avatar: '/a.svg',
      message: 'hello',
      mentions: [],
    });
    await store.updateSessionIdentity('named', 'Named', '/b.svg');
    // Reads for weeks without ever writing.
    users.attach('socket-1', 'lobby', { sessionId: 'reader', username: 'U_reader', avatar: '/a' });

    now = START + SILENT_SESSION_MS - MINUTE;
    expect(await collector.sweep()).toBe(0);
    now = START + SILENT_SESSION_MS + MINUTE;
    expect(await collector.sweep()).toBe(1);
    expect(await alive('silent', 'poster', 'named', 'reader')).toEqual([
      'poster',
      'named',
      'reader',
    ]);

    // Each sweep marks the online reader seen, so only the TTL's sessions go.
    for (now = START + DAY; now < START + TTL_MS; now += DAY) {
      await collector.sweep();
    }
    expect(await alive('poster', 'named', 'reader')).toEqual(['poster', 'named', 'reader']);
    now = START + TTL_MS + MINUTE;
    expect(await collector.sweep()).toBe(2);
    expect(await alive('poster', 'named', 'reader')).toEqual(['reader']);
    // What the gone session wrote is still there, as it was.
    expect(await store.getMessage('lobby', message.id)).toEqual(message);
  });

  it('deletes in batches, letting the event loop run between them', async () => {
    const count = 2 * SWEEP_BATCH + 7;
    for (let i = 0; i < count; i++) {
      await session(`s${i}`);
    }
    now += SILENT_SESSION_MS + 1;
    // Other work (one step per turn of the event loop) gets a turn between every two batches.
    const seen: string[] = [];
    let done = false;
    const other = () => {
      seen.push('other');
      if (!done) {
        setImmediate(other);
      }
    };
    setImmediate(other);
    const deleteBatch = store.deleteExpiredSessions.bind(store);
    jest.spyOn(store, 'deleteExpiredSessions').mockImplementation((cutoffs, limit) => {
      seen.push('batch');
      return deleteBatch(cutoffs, limit);
    });
    const deleting = collector.sweep();
    // A sweep asked for meanwhile joins the running one.
    expect(collector.sweep()).toBe(deleting);
    expect(await deleting).toBe(count);
    done = true;
    const batches = seen.filter((step) => step === 'batch').length;
    expect(batches).toBe(Math.ceil((count + 1) / SWEEP_BATCH));
    expect(seen.join(' ')).not.toContain('batch batch');
    expect(await collector.sweep()).toBe(0);
  });

  it('sweeps every ten minutes from boot until shutdown', () => {
    jest.useFakeTimers();
    try {
      const sweep = jest.spyOn(collector, 'sweep').mockResolvedValue(0);
      collector.onApplicationBootstrap();
      jest.advanceTimersByTime(SWEEP_EVERY_MS - 1);
      expect(sweep).not.toHaveBeenCalled();
      jest.advanceTimersByTime(1);
      expect(sweep).toHaveBeenCalledTimes(1);
      void collector.onModuleDestroy();
      jest.advanceTimersByTime(3 * SWEEP_EVERY_MS);
      expect(sweep).toHaveBeenCalledTimes(1);
    } finally {
      jest.useRealTimers();
    }
  });
});
