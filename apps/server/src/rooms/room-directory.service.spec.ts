import { describe, expect, it, jest } from '@jest/globals';

import type { ClusterPresenceService } from '../cluster/cluster-presence.service.js';
import type { UsersService } from '../users/users.service.js';
import { CLUSTER_SIZES_KEPT_MS, RoomDirectoryService } from './room-directory.service.js';

function directory(
  local: Record<string, number>,
  cluster?: Record<string, number> | (() => Promise<Map<string, number> | undefined>),
  roomDirectory = true,
) {
  const users = { roomSizes: () => new Map(Object.entries(local)) } as unknown as UsersService;
  const read = jest.fn(
    typeof cluster === 'function'
      ? cluster
      : () => Promise.resolve(cluster && new Map(Object.entries(cluster))),
  );
  const presence = {
    enabled: cluster !== undefined,
    roomSizes: read,
  } as unknown as ClusterPresenceService;
  return { service: new RoomDirectoryService(users, presence, { roomDirectory }), read };
}

describe(RoomDirectoryService.name, () => {
  it('lists rooms most people first, then by name, without the asker’s, up to the limit', async () => {
    const { service } = directory({ lobby: 9, b: 2, a: 2, c: 5 });
    expect(await service.list('lobby')).toEqual([
      { room: 'c', count: 5 },
      { room: 'a', count: 2 },
      { room: 'b', count: 2 },
    ]);
    expect(await service.list('lobby', 2)).toEqual([
      { room: 'c', count: 5 },
      { room: 'a', count: 2 },
    ]);
  });

  it('in a cluster counts every node, taking this node’s count when Redis lags behind', async () => {
    const { service } = directory({ here: 2, both: 1 }, { both: 3, far: 1, here: 1 });
    expect(await service.list('lobby')).toEqual([
      { room: 'both', count: 3 },
      { room: 'here', count: 2 },
      { room: 'far', count: 1 },
    ]);
  });

  it('falls back to this node’s view when Redis does not answer', async () => {
    const { service } = directory({ here: 1 }, () => Promise.reject(new Error('down')));
    expect(await service.list('lobby')).toEqual([{ room: 'here', count: 1 }]);
  });

  it('reads Redis at most once a second, whoever asks', async () => {
    jest.useFakeTimers({ now: 0 });
    try {
      const { service, read } = directory({}, { far: 1 });
      await Promise.all([service.list('a'), service.list('b'), service.list('c')]);
      expect(read).toHaveBeenCalledTimes(1);
      jest.setSystemTime(CLUSTER_SIZES_KEPT_MS);
      await service.list('a');
      expect(read).toHaveBeenCalledTimes(2);
    } finally {
      jest.useRealTimers();
    }
  });

  it('lists nothing when the directory is switched off', async () => {
    const { service, read } = directory({ secret: 3 }, { far: 1 }, false);
    expect(await service.list('lobby')).toEqual([]);
    expect(read).not.toHaveBeenCalled();
  });
});
