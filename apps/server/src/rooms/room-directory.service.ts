import { Inject, Injectable } from '@nestjs/common';
import { type ActiveRoom, ROOM_LIST_MAX } from '@parley/protocol';

import { ClusterPresenceService } from '../cluster/cluster-presence.service.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { UsersService } from '../users/users.service.js';

/**
 * How long a cluster's room sizes, read from Redis, serve every asker on this node: the room
 * switcher asks each time it opens, and one read costs an `HLEN` per room.
 */
export const CLUSTER_SIZES_KEPT_MS = 1000;

/**
 * The room directory (`list_rooms`): the rooms people are in now and how many, most people first.
 * On one node that is this node's presence; in a cluster, every node's (Redis), each room counted
 * as the larger of Redis's count and this node's own (a newcomer reaches Redis a moment later).
 * Counts are people, not tabs, and include those within their grace period, as `user_list` does.
 * With `ROOM_DIRECTORY=off` it lists nothing: a room name shared privately stays unlisted.
 */
@Injectable()
export class RoomDirectoryService {
  private kept: { at: number; sizes: Promise<Map<string, number> | undefined> } | undefined;

  constructor(
    private readonly users: UsersService,
    private readonly cluster: ClusterPresenceService,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'roomDirectory'>,
  ) {}

  /** Up to `limit` rooms with people in them, but `except` (the asker's own room). */
  async list(except: string, limit = ROOM_LIST_MAX): Promise<ActiveRoom[]> {
    if (!this.config.roomDirectory) {
      return [];
    }
    const sizes = this.users.roomSizes();
    for (const [room, count] of (await this.clusterSizes()) ?? []) {
      sizes.set(room, Math.max(count, sizes.get(room) ?? 0));
    }
    sizes.delete(except);
    return [...sizes]
      .filter(([, count]) => count > 0)
      .sort(([a, countA], [b, countB]) => countB - countA || (a < b ? -1 : a > b ? 1 : 0))
      .slice(0, Math.min(limit, ROOM_LIST_MAX))
      .map(([room, count]) => ({ room, count }));
  }

  /** The cluster's sizes, shared by the askers of one second (and one read in flight). */
  private clusterSizes(): Promise<Map<string, number> | undefined> {
    if (!this.cluster.enabled) {
      return Promise.resolve(undefined);
    }
    const now = Date.now();
    if (!this.kept || now - this.kept.at >= CLUSTER_SIZES_KEPT_MS) {
      const sizes = this.cluster.roomSizes().catch(() => undefined);
      this.kept = { at: now, sizes };
    }
    return this.kept.sizes;
  }
}
