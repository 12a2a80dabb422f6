import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { type AckError, ErrorCode, type OnlineUser, ServerEvent } from '@parley/protocol';

import {
  batchChannel,
  roomChannel,
  sessionChannel,
  tutorialPresenceChannel,
} from '../chat/channels.js';
import { ClusterPresenceService } from '../cluster/cluster-presence.service.js';
import type { AppConfig } from '../config/app-config.js';
import { publicUserId } from '../users/public-user-id.js';
import { type Identity, UsersService } from '../users/users.service.js';
import type { Emission } from './emission.js';
import { type Arrival, PresenceService, type Renamed } from './presence.service.js';
import { RoomRolesService } from '../moderation/room-roles.service.js';
import type { ChatStore } from '../storage/chat-store.js';

const GRACE_MS = 5000;
const BATCH_MS = 200;
const ROOM = 'lobby';
const ROOM_CHANNEL = roomChannel(ROOM);
const TUTORIAL = tutorialPresenceChannel(ROOM);
const BATCH = batchChannel(ROOM);
const config = {
  presenceGraceMs: GRACE_MS,
  presenceBatchThreshold: 3,
  presenceBatchMs: BATCH_MS,
  userListLimit: 100,
} as AppConfig;

const identity = (sessionId: string, username: string): Identity => ({
  sessionId,
  username,
  avatar: `/avatars/${username}.svg`,
});

/** A cluster whose other nodes hold `elsewhere` (people online there, by room). */
class FakeCluster {
  readonly enabled = true;
  readonly elsewhere: OnlineUser[] = [];
  readonly set = jest.fn((user: { userId: string }) =>
    Promise.resolve(this.elsewhere.some((other) => other.user_id === user.userId)),
  );
  readonly remove = jest.fn(() => Promise.resolve());
  private gone?: (room: string, user: OnlineUser) => void;
  onGone(listener: (room: string, user: OnlineUser) => void): void {
    this.gone = listener;
  }
  nodeDied(room: string, user: OnlineUser): void {
    this.gone?.(room, user);
  }
  online(): Promise<OnlineUser[]> {
    return Promise.resolve(this.elsewhere);
  }
  isTaken(_room: string, username: string, exceptUserId: string): Promise<boolean> {
    return Promise.resolve(
      this.elsewhere.some((u) => u.user_id !== exceptUserId && u.username === username),
    );
  }
}

const NO_ROLES_STORE = {} as ChatStore;

const events = (emissions: readonly Emission[]) =>
  emissions.map(({ event, to, except }) => ({ event, to, except }));

describe(PresenceService.name, () => {
  let users: UsersService;
  let sut: PresenceService;
  let later: Emission[];

  const make = (cluster: ClusterPresenceService) => {
    // No room has roles here (roles on presence are covered by the gateway tests).
    sut = new PresenceService(users, cluster, config, new RoomRolesService(NO_ROLES_STORE));
    sut.bind({ emit: (emissions) => later.push(...emissions), localListeners: () => 1 });
  };

  const arrive = (socketId: string, id: Identity, batched = false): Arrival =>
    sut.arrive(socketId, ROOM, id, batched);

  beforeEach(() => {
    jest.useFakeTimers();
    later = [];
    users = new UsersService(config);
    make(new ClusterPresenceService(null, config));
  });

  afterEach(() => {
    sut.onModuleDestroy();
    users.onModuleDestroy();
    jest.useRealTimers();
  });

  describe('on one node', () => {
    it('announces a first tab to the whole room, newcomer included, in the channels it joins', () => {
      const { channels, emissions } = arrive('a1', identity('s1', 'Alice'));
      expect(channels).toEqual(expect.arrayContaining([ROOM_CHANNEL, TUTORIAL]));
      expect(emissions).toEqual([
        {
          event: ServerEvent.UserJoined,
          payload: expect.objectContaining({ username: 'Alice', avatar: '/avatars/Alice.svg' }),
          to: ROOM_CHANNEL,
        },
      ]);
    });

    it('puts clients that understand presence_changed in the batch channel', () => {
      const { channels } = arrive('a1', identity('s1', 'Alice'), true);
      expect(channels).toContain(BATCH);
      expect(channels).not.toContain(TUTORIAL);
    });

    it('tells nobody when a second tab of the same session joins', () => {
      arrive('a1', identity('s1', 'Alice'));
      expect(arrive('a2', identity('s1', 'Alice')).emissions).toEqual([]);
    });

    it('sends user_left only when the last tab has been gone for the grace period', () => {
      const { user } = arrive('a1', identity('s1', 'Alice'));
      arrive('a2', identity('s1', 'Alice'));
      sut.depart('a1');
      jest.advanceTimersByTime(GRACE_MS * 2);
      expect(later).toEqual([]);
      sut.depart('a2');
      jest.advanceTimersByTime(GRACE_MS - 1);
      expect(later).toEqual([]);
      jest.advanceTimersByTime(1);
      expect(later).toEqual([
        {
          event: ServerEvent.UserLeft,
          payload: { username: 'Alice', user_id: user.userId },
          to: ROOM_CHANNEL,
        },
      ]);
    });

    it('announces nothing for a tab back within the grace period', () => {
      arrive('a1', identity('s1', 'Alice'));
      sut.depart('a1');
      jest.advanceTimersByTime(GRACE_MS - 1);
      expect(arrive('a2', identity('s1', 'Alice')).emissions).toEqual([]);
      jest.advanceTimersByTime(GRACE_MS * 2);
      expect(later).toEqual([]);
    });

    it('renames to the room, and every tab of the session follows', async () => {
      arrive('a1', identity('s1', 'Alice'));
      arrive('a2', identity('s1', 'Alice'));
      const renamed = (await sut.rename('a1', 'Alicia')) as Renamed;
      expect(renamed.tabs).toEqual(['a1', 'a2']);
      expect(renamed.emissions).toEqual([
        {
          event: ServerEvent.UsernameUpdated,
          payload: expect.objectContaining({ old_username: 'Alice', new_username: 'Alicia' }),
          to: ROOM_CHANNEL,
        },
      ]);
      const same = (await sut.rename('a1', 'Alicia')) as Renamed;
      expect(same).toMatchObject({ changed: false, emissions: [] });
    });

    it('relays typing to the room but the typist’s own tabs', () => {
      const { user } = arrive('a1', identity('s1', 'Alice'));
      expect(sut.typing('a1', true)).toEqual({
        event: ServerEvent.UserTyping,
        payload: { username: 'Alice', user_id: user.userId, is_typing: true },
        to: ROOM_CHANNEL,
        except: sessionChannel('s1'),
      });
      expect(sut.typing('a1', true)).toBeUndefined();
    });

    it('over the rate limit, drops a start but still relays a stop', () => {
      arrive('a1', identity('s1', 'Alice'));
      expect(sut.typing('a1', true, true)).toBeUndefined();
      expect(sut.typing('a1', true)).toBeDefined();
      expect(sut.typing('a1', false, true)).toMatchObject({ payload: { is_typing: false } });
    });

    it('in a big room, tells the newcomer at once and the others once per window', async () => {
      // The threshold is 3: the third person's join is the first one batched.
      for (const n of [1, 2]) {
        expect(arrive(`s${n}`, identity(`s${n}`, `P${n}`)).emissions).toHaveLength(1);
      }
      const { emissions } = arrive('s3', identity('s3', 'P3'));
      expect(events(emissions)).toEqual([
        { event: ServerEvent.UserJoined, to: 's3', except: undefined },
      ]);
      expect(later).toEqual([]);
      await jest.advanceTimersByTimeAsync(BATCH_MS);
      expect(events(later)).toEqual([
        { event: ServerEvent.PresenceChanged, to: BATCH, except: undefined },
        { event: ServerEvent.UserJoined, to: TUTORIAL, except: 's3' },
      ]);
      expect(later[0]?.payload).toMatchObject({ count: 3, left: [] });
    });
  });

  describe('in a cluster', () => {
    let cluster: FakeCluster;

    beforeEach(() => {
      sut.onModuleDestroy();
      cluster = new FakeCluster();
      make(cluster as unknown as ClusterPresenceService);
    });

    it('announces a newcomer once no node had it online', async () => {
      const { emissions } = arrive('a1', identity('s1', 'Alice'));
      expect(emissions).toEqual([]);
      await jest.advanceTimersByTimeAsync(0);
      expect(events(later)).toEqual([
        { event: ServerEvent.UserJoined, to: ROOM_CHANNEL, except: undefined },
      ]);
    });

    it('does not announce someone already online on another node', async () => {
      cluster.elsewhere.push({ username: 'Alice', avatar: '', user_id: publicUserId('s1', ROOM) });
      arrive('a1', identity('s1', 'Alice'));
      await jest.advanceTimersByTimeAsync(0);
      expect(later).toEqual([]);
    });

    it('refuses a name held on another node', async () => {
      arrive('a1', identity('s1', 'Alice'));
      cluster.elsewhere.push({ username: 'Bob', avatar: '', user_id: 'someone-else' });
      const refused = (await sut.rename('a1', 'Bob')) as AckError;
      expect(refused).toMatchObject({ ok: false, error: ErrorCode.NameTaken });
      expect(users.get('a1')?.username).toBe('Alice');
    });

    it('announces the people of a dead node as gone', () => {
      cluster.nodeDied(ROOM, { username: 'Bob', avatar: '', user_id: 'u-bob' });
      expect(later).toEqual([
        {
          event: ServerEvent.UserLeft,
          payload: { username: 'Bob', user_id: 'u-bob' },
          to: ROOM_CHANNEL,
        },
      ]);
    });

    it('forgets its own people in the cluster when they go offline', () => {
      arrive('a1', identity('s1', 'Alice'));
      sut.depart('a1');
      jest.advanceTimersByTime(GRACE_MS);
      expect(cluster.remove).toHaveBeenCalledTimes(1);
    });
  });
});
