import { randomUUID } from 'node:crypto';

import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { type OnlineUser, usernameKey } from '@parley/protocol';
import type { Redis } from 'ioredis';

import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { REDIS } from '../redis/redis.module.js';
import type { RoomMember } from '../users/users.service.js';

/** How long a presence read may wait for Redis before the node's own view is used instead. */
const READ_TIMEOUT_MS = 1000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return Promise.race([
    promise,
    new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms).unref()),
  ]);
}

/** One person online somewhere in the cluster, as stored in Redis. */
interface Entry extends OnlineUser {
  node: string;
}

/**
 * Who is online across all nodes (when REDIS_URL is set). Each node keeps its own presence
 * (`UsersService`) and mirrors it into one Redis hash per room; nodes send heartbeats, and when a
 * node stops (crash, kill -9) another node claims its entries once and reports those people gone
 * (`onGone`; `PresenceService` announces them). Without Redis every method is a no-op and the
 * node's own view is the whole truth.
 */
@Injectable()
export class ClusterPresenceService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ClusterPresenceService.name);
  readonly nodeId = randomUUID();
  private readonly prefix: string;
  private readonly heartbeatMs: number;
  private timer: NodeJS.Timeout | undefined;
  private readonly goneListeners: Array<(room: string, user: OnlineUser) => void> = [];

  constructor(
    @Inject(REDIS) private readonly redis: Redis | null,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.prefix = config.redisKeyPrefix;
    this.heartbeatMs = config.nodeHeartbeatMs;
  }

  get enabled(): boolean {
    return this.redis !== null;
  }

  /** Called once per person of a dead node, by the one node that claimed that node. */
  onGone(listener: (room: string, user: OnlineUser) => void): void {
    this.goneListeners.push(listener);
  }

  onApplicationBootstrap(): void {
    if (!this.redis) {
      return;
    }
    // Not awaited: a node must start (and serve its own users) while Redis is away.
    this.beat().catch((error: unknown) => this.logger.warn(`Heartbeat failed: ${String(error)}`));
    this.timer = setInterval(() => {
      this.beat()
        .then(() => this.reap())
        .catch((error: unknown) => this.logger.warn(`Presence upkeep failed: ${String(error)}`));
    }, this.heartbeatMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    // A clean stop: our entries go now (clients reconnect elsewhere and re-register there).
    // Bounded, and skipped while Redis is away: a stop must always finish.
    if (this.redis?.status === 'ready') {
      await withTimeout(this.forgetNode(this.nodeId, false), READ_TIMEOUT_MS * 2).catch(
        () => undefined,
      );
    }
  }

  /**
   * Records `user` as online here. Returns true when the person was already online in the room on
   * some node (another tab there, or a node that died and has not been reaped).
   */
  async set(user: RoomMember): Promise<boolean> {
    if (!this.redis) {
      return false;
    }
    const entry: Entry = {
      username: user.username,
      avatar: user.avatar,
      user_id: user.userId,
      node: this.nodeId,
    };
    const [[, previous]] = (await this.redis
      .multi()
      .hget(this.roomKey(user.room), user.sessionId)
      .hset(this.roomKey(user.room), user.sessionId, JSON.stringify(entry))
      .sadd(this.nodeRoomsKey(this.nodeId), user.room)
      .exec()) as [[Error | null, string | null], ...unknown[]];
    return previous !== null;
  }

  /** Forgets `user` in its room, if this node is the one that holds it. */
  async remove(user: RoomMember): Promise<void> {
    if (!this.redis) {
      return;
    }
    const raw = await this.redis.hget(this.roomKey(user.room), user.sessionId);
    if (raw && (JSON.parse(raw) as Entry).node === this.nodeId) {
      await this.redis.hdel(this.roomKey(user.room), user.sessionId);
    }
  }

  /**
   * Everyone online in `room` across the cluster; undefined without Redis, or when Redis does
   * not answer quickly (callers then use this node's own view rather than wait).
   */
  async online(room: string): Promise<OnlineUser[] | undefined> {
    if (!this.redis || this.redis.status !== 'ready') {
      return undefined;
    }
    const all = await withTimeout(this.redis.hgetall(this.roomKey(room)), READ_TIMEOUT_MS);
    if (!all) {
      return undefined;
    }
    return Object.values(all).map((raw) => {
      const { username, avatar, user_id } = JSON.parse(raw) as Entry;
      return { username, avatar, user_id };
    });
  }

  /**
   * Each room with people online on any node, and how many (entries of nodes not reaped yet
   * included, as in {@link online}); undefined without Redis or when it does not answer quickly.
   * The rooms are those the live nodes have had people in, so a read costs one `HLEN` per room.
   */
  async roomSizes(): Promise<Map<string, number> | undefined> {
    const redis = this.redis;
    if (!redis || redis.status !== 'ready') {
      return undefined;
    }
    const read = async (): Promise<Map<string, number>> => {
      const nodes = new Set(await redis.smembers(`${this.prefix}nodes`)).add(this.nodeId);
      const rooms = await redis.sunion(...[...nodes].map((node) => this.nodeRoomsKey(node)));
      const pipeline = redis.pipeline();
      for (const room of rooms) {
        pipeline.hlen(this.roomKey(room));
      }
      const counts = (await pipeline.exec()) ?? [];
      const sizes = new Map<string, number>();
      rooms.forEach((room, index) => {
        const [error, count] = counts[index] ?? [null, 0];
        if (!error && typeof count === 'number' && count > 0) {
          sizes.set(room, count);
        }
      });
      return sizes;
    };
    return withTimeout(read(), READ_TIMEOUT_MS);
  }

  /** Whether another session online in `room` on any node uses (a look-alike of) `username`. */
  async isTaken(room: string, username: string, exceptUserId: string): Promise<boolean> {
    const users = await this.online(room);
    const key = usernameKey(username);
    return (users ?? []).some(
      (user) => user.user_id !== exceptUserId && usernameKey(user.username) === key,
    );
  }

  private async beat(): Promise<void> {
    // While Redis is away nothing is queued (the queue would only grow); beats resume after.
    if (this.redis?.status !== 'ready') {
      return;
    }
    await this.redis
      .multi()
      .set(this.nodeKey(this.nodeId), '1', 'PX', this.heartbeatMs * 3)
      .sadd(`${this.prefix}nodes`, this.nodeId)
      .exec();
  }

  /** Claims nodes whose heartbeat expired, once cluster-wide, and announces their people gone. */
  private async reap(): Promise<void> {
    const redis = this.redis;
    if (redis?.status !== 'ready') {
      return;
    }
    for (const node of await redis.smembers(`${this.prefix}nodes`)) {
      if (node === this.nodeId || (await redis.exists(this.nodeKey(node)))) {
        continue;
      }
      const claimed = await redis.set(
        `${this.prefix}reap:${node}`,
        this.nodeId,
        'PX',
        60_000,
        'NX',
      );
      if (claimed === 'OK') {
        await this.forgetNode(node, true);
      }
    }
  }

  private async forgetNode(node: string, announce: boolean): Promise<void> {
    const redis = this.redis;
    if (!redis) {
      return;
    }
    for (const room of await redis.smembers(this.nodeRoomsKey(node))) {
      const entries = await redis.hgetall(this.roomKey(room));
      for (const [sessionId, raw] of Object.entries(entries)) {
        const entry = JSON.parse(raw) as Entry;
        // Someone who already came back on another node overwrote the entry: not gone.
        if (
          entry.node === node &&
          (await redis.hdel(this.roomKey(room), sessionId)) === 1 &&
          announce
        ) {
          const { username, avatar, user_id } = entry;
          for (const listener of this.goneListeners) {
            listener(room, { username, avatar, user_id });
          }
        }
      }
    }
    await redis.multi().del(this.nodeRoomsKey(node)).srem(`${this.prefix}nodes`, node).exec();
  }

  private roomKey(room: string): string {
    return `${this.prefix}presence:${room}`;
  }

  private nodeKey(node: string): string {
    return `${this.prefix}node:${node}`;
  }

  private nodeRoomsKey(node: string): string {
    return `${this.prefix}node-rooms:${node}`;
  }
}
