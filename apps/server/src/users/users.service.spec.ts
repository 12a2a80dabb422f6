import { beforeEach, describe, expect, it } from '@jest/globals';
import { ErrorCode } from '@parley/protocol';

import { AvatarsService } from '../avatars/avatars.service.js';
import { UsersService } from './users.service.js';

/** A random source that replays `values` (then repeats the last), to force collisions. */
function scripted(...values: number[]): () => number {
  let i = 0;
  return () => values[Math.min(i++, values.length - 1)] ?? 0;
}

/** Value of Math.random() that makes the service pick `User_<n>`. */
// Each connect draws once per name attempt, then once for the avatar style.
const pick = (n: number) => (n - 1000 + 0.5) / 9000;

describe(UsersService.name, () => {
  let sut: UsersService;

  beforeEach(() => {
    sut = new UsersService(new AvatarsService());
  });

  describe('connect', () => {
    it('gives a User_NNNN name between 1000 and 9999 and a same-origin avatar', () => {
      const user = sut.connect('s1');
      expect(user.username).toMatch(/^User_\d{4}$/);
      const n = Number(user.username.slice(5));
      expect(n).toBeGreaterThanOrEqual(1000);
      expect(n).toBeLessThanOrEqual(9999);
      expect(user.avatar).toMatch(/^\/avatars\/(lorelei|notionists)\/User_\d{4}\.svg$/);
    });

    it('covers both ends of the range', () => {
      expect(new UsersService(new AvatarsService(), scripted(0)).connect('a').username).toBe(
        'User_1000',
      );
      expect(new UsersService(new AvatarsService(), scripted(0.99999)).connect('a').username).toBe(
        'User_9999',
      );
    });

    it('never hands out a name already online, drawing again on a collision', () => {
      sut = new UsersService(
        new AvatarsService(),
        scripted(pick(1234), 0, pick(1234), pick(4321), 0),
      );
      expect(sut.connect('a').username).toBe('User_1234');
      expect(sut.connect('b').username).toBe('User_4321');
    });

    it('avoids a generated name that someone chose by hand, in any case', () => {
      sut = new UsersService(
        new AvatarsService(),
        scripted(pick(2000), 0, pick(5000), pick(5001), 0),
      );
      sut.connect('a'); // User_2000
      expect(sut.rename('a', 'user_5000')).toMatchObject({ ok: true });
      expect(sut.connect('b').username).toBe('User_5001');
    });

    it('still finds the free names when the random draws keep colliding', () => {
      sut = new UsersService(new AvatarsService(), scripted(pick(1000)));
      const names = new Set<string>();
      for (let i = 0; i < 50; i++) {
        names.add(sut.connect(`s${i}`).username);
      }
      expect(names.size).toBe(50);
    });

    it('returns the same user for a socket already registered', () => {
      expect(sut.connect('a')).toBe(sut.connect('a'));
      expect(sut.online()).toHaveLength(1);
    });
  });

  describe('disconnect', () => {
    it('forgets the user and frees the name', () => {
      const { username } = sut.connect('a');
      expect(sut.disconnect('a')).toMatchObject({ username });
      expect(sut.get('a')).toBeUndefined();
      expect(sut.isTaken(username)).toBe(false);
    });

    it('returns undefined for an unknown socket', () => {
      expect(sut.disconnect('nobody')).toBeUndefined();
    });
  });

  describe('rename', () => {
    it('renames and reports the old name', () => {
      const { username } = sut.connect('a');
      expect(sut.rename('a', 'Ada')).toMatchObject({
        ok: true,
        oldUsername: username,
        changed: true,
      });
      expect(sut.get('a')?.username).toBe('Ada');
      expect(sut.isTaken(username)).toBe(false);
      expect(sut.isTaken('ADA')).toBe(true);
    });

    it('should reject a name another user holds, case-insensitively', () => {
      sut.connect('a');
      sut.connect('b');
      sut.rename('a', 'Ada');
      expect(sut.rename('b', 'aDa')).toMatchObject({ ok: false, error: ErrorCode.NameTaken });
      expect(sut.rename('b', 'ＡＤＡ')).toMatchObject({ ok: false, error: ErrorCode.NameTaken });
    });

    it('lets a user change the case of its own name', () => {
      sut.connect('a');
      sut.rename('a', 'ada');
      expect(sut.rename('a', 'Ada')).toMatchObject({ ok: true, changed: true });
      expect(sut.get('a')?.username).toBe('Ada');
    });

    it('reports no change for the same name', () => {
      const { username } = sut.connect('a');
      expect(sut.rename('a', username)).toMatchObject({ ok: true, changed: false });
    });

    it('keeps the avatar', () => {
      const { avatar } = sut.connect('a');
      sut.rename('a', 'Ada');
      expect(sut.get('a')?.avatar).toBe(avatar);
    });

    it('refuses an unknown socket without inventing a user', () => {
      expect(sut.rename('ghost', 'Ada')).toMatchObject({ ok: false, error: ErrorCode.Internal });
      expect(sut.online()).toEqual([]);
    });
  });
});
