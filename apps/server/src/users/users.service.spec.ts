import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { ErrorCode } from '@parley/protocol';

import { type Identity, type RoomMember, UsersService } from './users.service.js';

/** A random source that replays `values` (then repeats the last), to force collisions. */
function scripted(...values: number[]): () => number {
  let i = 0;
  return () => values[Math.min(i++, values.length - 1)] ?? 0;
}

/** Value of Math.random() that makes the service pick `User_<n>`. */
const pick = (n: number) => (n - 1000 + 0.5) / 9000;
const GRACE_MS = 5000;
const ROOM = 'lobby';

const identity = (sessionId: string, username: string): Identity => ({
  sessionId,
  username,
  avatar: `/avatars/lorelei/${username}.svg`,
});

describe(UsersService.name, () => {
  let sut: UsersService;
  const make = (random?: () => number) => new UsersService({ presenceGraceMs: GRACE_MS }, random);

  beforeEach(() => {
    jest.useFakeTimers();
    sut = make();
  });

  afterEach(() => {
    sut.onModuleDestroy();
    jest.useRealTimers();
  });

  describe('generateUsername', () => {
    it('gives User_NNNN between 1000 and 9999', () => {
      const name = sut.generateUsername(ROOM);
      expect(name).toMatch(/^User_\d{4}$/);
      expect(Number(name.slice(5))).toBeGreaterThanOrEqual(1000);
      expect(Number(name.slice(5))).toBeLessThanOrEqual(9999);
      expect(make(scripted(0)).generateUsername(ROOM)).toBe('User_1000');
      expect(make(scripted(0.99999)).generateUsername(ROOM)).toBe('User_9999');
    });

    it('never hands out a name already online, drawing again on a collision', () => {
      sut = make(scripted(pick(1234), pick(1234), pick(4321)));
      sut.attach('a', ROOM, identity('s1', sut.generateUsername(ROOM)));
      expect(sut.generateUsername(ROOM)).toBe('User_4321');
    });

    it('avoids a generated name that someone chose by hand, in any case', () => {
      sut = make(scripted(pick(5000), pick(5001)));
      sut.attach('a', ROOM, identity('s1', 'user_5000'));
      expect(sut.generateUsername(ROOM)).toBe('User_5001');
    });

    it('still finds the free names when the random draws keep colliding', () => {
      sut = make(scripted(pick(1000)));
      const names = new Set<string>();
      for (let i = 0; i < 50; i++) {
        const name = sut.generateUsername(ROOM);
        names.add(name);
        sut.attach(`socket-${i}`, ROOM, identity(`s${i}`, name));
      }
      expect(names.size).toBe(50);
    });
  });

  describe('attach', () => {
    it('brings a session online with its remembered identity', () => {
      const result = sut.attach('a', ROOM, identity('s1', 'Ada'));
      expect(result).toMatchObject({ cameOnline: true, nameChanged: false });
      expect(result.user).toMatchObject({ sessionId: 's1', username: 'Ada' });
      expect(sut.get('a')?.sessionId).toBe('s1');
    });

    it('treats a second tab of the same session as the same user', () => {
      sut.attach('tab-1', ROOM, identity('s1', 'Ada'));
      const second = sut.attach('tab-2', ROOM, identity('s1', 'Ada'));
      expect(second.cameOnline).toBe(false);
      expect([...second.user.sockets]).toEqual(['tab-1', 'tab-2']);
      expect(sut.online(ROOM)).toHaveLength(1);
    });

    it('gives a fresh name when the remembered one is held by someone else online', () => {
      sut.attach('a', ROOM, identity('s1', 'Ada'));
      const result = sut.attach('b', ROOM, identity('s2', 'ADA'));
      expect(result.nameChanged).toBe(true);
      expect(result.user.username).toMatch(/^User_\d{4}$/);
    });
  });

  describe('detach', () => {
    it('keeps the session online through the grace period, then announces it offline', () => {
      const offline: RoomMember[] = [];
      sut.onWentOffline((user) => offline.push(user));
      sut.attach('a', ROOM, identity('s1', 'Ada'));

      sut.detach('a');
      jest.advanceTimersByTime(GRACE_MS - 1);
      expect(offline).toEqual([]);
      expect(sut.isTaken(ROOM, 'Ada')).toBe(true);

      jest.advanceTimersByTime(1);
      expect(offline).toMatchObject([identity('s1', 'Ada')]);
      expect(sut.isTaken(ROOM, 'Ada')).toBe(false);
      expect(sut.online(ROOM)).toEqual([]);
    });

    it('does not announce a reload: a socket of the session back within the grace period', () => {
      const offline: RoomMember[] = [];
      sut.onWentOffline((user) => offline.push(user));
      sut.attach('a', ROOM, identity('s1', 'Ada'));
      sut.detach('a');
      jest.advanceTimersByTime(GRACE_MS / 2);
      expect(sut.attach('b', ROOM, identity('s1', 'Ada')).cameOnline).toBe(false);
      jest.advanceTimersByTime(GRACE_MS * 2);
      expect(offline).toEqual([]);
    });

    it('waits for the last tab of a session', () => {
      const offline: RoomMember[] = [];
      sut.onWentOffline((user) => offline.push(user));
      sut.attach('tab-1', ROOM, identity('s1', 'Ada'));
      sut.attach('tab-2', ROOM, identity('s1', 'Ada'));
      sut.detach('tab-1');
      jest.advanceTimersByTime(GRACE_MS * 2);
      expect(offline).toEqual([]);
      sut.detach('tab-2');
      jest.advanceTimersByTime(GRACE_MS);
      expect(offline).toHaveLength(1);
    });

    it('ignores an unknown socket', () => {
      expect(sut.detach('nobody')).toBeUndefined();
    });
  });

  describe('rooms', () => {
    it('keeps presence and names per room: the same name may be used in two rooms', () => {
      sut.attach('a', ROOM, identity('s1', 'Ada'));
      const elsewhere = sut.attach('b', 'games', identity('s2', 'ada'));
      expect(elsewhere).toMatchObject({ cameOnline: true, nameChanged: false });
      expect(sut.online(ROOM).map((user) => user.username)).toEqual(['Ada']);
      expect(sut.online('games').map((user) => user.username)).toEqual(['ada']);
      expect(sut.isTaken('games', 'ADA')).toBe(true);
      expect(sut.isTaken('other', 'ADA')).toBe(false);
    });

    it('treats one session in two rooms as present in each, leaving each on its own', () => {
      const offline: RoomMember[] = [];
      sut.onWentOffline((user) => offline.push(user));
      sut.attach('a', ROOM, identity('s1', 'Ada'));
      expect(sut.attach('b', 'games', identity('s1', 'Ada')).cameOnline).toBe(true);
      sut.detach('b');
      jest.advanceTimersByTime(GRACE_MS);
      expect(offline.map((user) => user.room)).toEqual(['games']);
      expect(sut.online(ROOM)).toHaveLength(1);
    });
  });

  describe('setTyping', () => {
    it('relays a start, repeats at most once a second, and a stop only after a start', () => {
      sut.attach('a', ROOM, identity('s1', 'Ada'));
      expect(sut.setTyping('a', false, 0)).toBeUndefined();
      expect(sut.setTyping('a', true, 1000)?.typing).toBe(true);
      expect(sut.setTyping('a', true, 1500)).toBeUndefined();
      expect(sut.setTyping('a', true, 2000)?.username).toBe('Ada');
      expect(sut.setTyping('a', false, 2100)?.typing).toBe(false);
      expect(sut.setTyping('a', false, 2200)).toBeUndefined();
      expect(sut.setTyping('ghost', true, 3000)).toBeUndefined();
    });

    it('relays at most one start a second however the value alternates', () => {
      sut.attach('a', ROOM, identity('s1', 'Ada'));
      const relayed = [];
      // A hostile client toggling true/false 4,000 times within 2 s.
      for (let i = 0; i < 4000; i++) {
        const user = sut.setTyping('a', i % 2 === 0, Math.floor(i / 2));
        if (user) {
          relayed.push(user.typing);
        }
      }
      // Starts at 0 and 1000 ms, each followed by its stop: four relays, not 4,000.
      expect(relayed).toEqual([true, false, true, false]);
      // The last toggle was a stop: no held-back start follows.
      const due: RoomMember[] = [];
      sut.onTypingDue((user) => due.push(user));
      jest.advanceTimersByTime(1000);
      expect(due).toEqual([]);
    });

    it('relays a start that came too soon once the second is over, unless a stop came first', () => {
      const due: boolean[] = [];
      sut.onTypingDue((user) => due.push(user.typing));
      sut.attach('a', ROOM, identity('s1', 'Ada'));
      expect(sut.setTyping('a', true, 0)?.typing).toBe(true);
      expect(sut.setTyping('a', false, 100)?.typing).toBe(false);
      // Typing again at once (the box was cleared, then filled): held back, not dropped.
      expect(sut.setTyping('a', true, 200)).toBeUndefined();
      expect(sut.setTyping('a', true, 300)).toBeUndefined();
      jest.advanceTimersByTime(799);
      expect(due).toEqual([]);
      jest.advanceTimersByTime(1);
      expect(due).toEqual([true]);
      expect(sut.get('a')?.typing).toBe(true);
      // A stop before it is due cancels it.
      expect(sut.setTyping('a', false, 1100)?.typing).toBe(false);
      expect(sut.setTyping('a', true, 1200)).toBeUndefined();
      expect(sut.setTyping('a', false, 1300)).toBeUndefined();
      jest.advanceTimersByTime(2000);
      expect(due).toEqual([true]);
    });
  });

  describe('rename', () => {
    it('renames the session and reports the old name', () => {
      sut.attach('a', ROOM, identity('s1', 'User_1234'));
      expect(sut.rename('a', 'Ada')).toMatchObject({
        ok: true,
        oldUsername: 'User_1234',
        changed: true,
      });
      expect(sut.get('a')?.username).toBe('Ada');
      expect(sut.isTaken(ROOM, 'User_1234')).toBe(false);
      expect(sut.isTaken(ROOM, 'ADA')).toBe(true);
    });

    it('should reject a name another session holds, case- and width-insensitively', () => {
      sut.attach('a', ROOM, identity('s1', 'Ada'));
      sut.attach('b', ROOM, identity('s2', 'Bo'));
      expect(sut.rename('b', 'aDa')).toMatchObject({ ok: false, error: ErrorCode.NameTaken });
      expect(sut.rename('b', 'ＡＤＡ')).toMatchObject({ ok: false, error: ErrorCode.NameTaken });
    });

    it('lets a session change the case of its own name, from any of its tabs', () => {
      sut.attach('tab-1', ROOM, identity('s1', 'ada'));
      sut.attach('tab-2', ROOM, identity('s1', 'ada'));
      expect(sut.rename('tab-2', 'Ada')).toMatchObject({ ok: true, changed: true });
      expect(sut.get('tab-1')?.username).toBe('Ada');
    });

    it('reports no change for the same name, and keeps the avatar', () => {
      sut.attach('a', ROOM, identity('s1', 'Ada'));
      expect(sut.rename('a', 'Ada')).toMatchObject({ ok: true, changed: false });
      sut.rename('a', 'Grace');
      expect(sut.get('a')?.avatar).toBe('/avatars/lorelei/Ada.svg');
    });

    it('refuses an unknown socket without inventing a user', () => {
      expect(sut.rename('ghost', 'Ada')).toMatchObject({ ok: false, error: ErrorCode.Internal });
      expect(sut.online(ROOM)).toEqual([]);
    });
  });
});
