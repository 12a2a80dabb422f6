import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { MemberAction, OPERATOR, ServerEvent } from '@parley/protocol';
import type { Redis } from 'ioredis';

import { roomChannel } from '../chat/channels.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { REDIS } from '../redis/redis.module.js';
import { CHAT_STORE } from '../storage/storage.module.js';
import type { ChatStore } from '../storage/chat-store.js';
import type { AuditRecord } from '../storage/moderation-store.js';
import { MODERATION_CHANNEL, ModerationRelay } from './moderation-relay.service.js';
import { RoomRolesService } from './room-roles.service.js';
import { RoomStateService } from './room-state.service.js';

/** Entries read per poll; a backlog is read over the next polls. */
const FEED_BATCH = 500;
/** Entries of one room looked at for the operator's changes at each poll. */
const OPERATOR_ENTRIES_READ = 50;

/**
 * Keeps this node's view of moderation current when the change was made elsewhere: another node
 * (which told its clients across the cluster already) or the operator's command line (which has
 * no sockets: each node tells its own clients). It follows the audit log, every
 * `MODERATION_POLL_MS` and at once when a room is named on Redis's moderation channel, and reloads
 * the kept roles and state of the rooms that changed.
 */
@Injectable()
export class ModerationFeedService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ModerationFeedService.name);
  private lastId = 0;
  private timer?: NodeJS.Timeout;
  private subscriber?: Redis;
  private running?: Promise<void>;
  private again = false;

  constructor(
    @Inject(CHAT_STORE) private readonly store: ChatStore,
    @Inject(REDIS) private readonly redis: Redis | null,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly roles: RoomRolesService,
    private readonly state: RoomStateService,
    private readonly relay: ModerationRelay,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.lastId = await this.store.moderation.lastAuditId();
    this.timer = setInterval(() => this.poll(), this.config.moderationPollMs);
    this.timer.unref();
    if (this.redis) {
      const subscriber = this.redis.duplicate();
      this.subscriber = subscriber;
      subscriber.on('message', () => this.poll());
      subscriber.on('error', (error: unknown) => this.logger.warn(`subscriber: ${String(error)}`));
      // Not awaited: a node boots (and polls) while Redis is away; it subscribes once Redis is back.
      subscriber
        .subscribe(`${this.config.redisKeyPrefix}${MODERATION_CHANNEL}`)
        .catch((error: unknown) => this.logger.warn(`subscribe failed: ${String(error)}`));
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.subscriber?.disconnect();
    await this.running;
  }

  /** Reads what changed since the last poll (one read at a time; a call meanwhile reads again). */
  poll(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.read()
      .catch((error: unknown) => this.logger.warn(`moderation feed: ${String(error)}`))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.poll();
        }
      });
  }

  private async read(): Promise<void> {
    const entries = await this.store.moderation.auditSince(this.lastId, FEED_BATCH);
    if (entries.length === 0) {
      return;
    }
    const after = this.lastId;
    this.lastId = entries[entries.length - 1]?.id ?? after;
    const rooms = new Set(entries.map((entry) => entry.room));
    for (const room of rooms) {
      if (!this.roles.has(room) && !this.state.has(room)) {
        continue; // Nobody here has entered it: it is read fresh when someone does.
      }
      await Promise.all([this.roles.reload(room), this.state.reload(room)]);
      const page = await this.store.moderation.auditPage(room, undefined, OPERATOR_ENTRIES_READ);
      const operators = page.items
        .filter((entry) => entry.id > after && entry.byUserId === OPERATOR)
        .reverse();
      for (const entry of operators) {
        this.relayOperator(entry);
      }
    }
    if (entries.length === FEED_BATCH) {
      this.again = true;
    }
  }

  /** Tells this node's clients in the room what the operator did (every node does, for its own). */
  private relayOperator(entry: AuditRecord): void {
    if (entry.userId === null) {
      return;
    }
    const action = entry.action as MemberAction;
    if (action !== MemberAction.Role && action !== MemberAction.Unban) {
      return;
    }
    const role =
      entry.detail === 'owner' || entry.detail === 'moderator' ? entry.detail : undefined;
    this.relay.emitLocal([
      {
        event: ServerEvent.MemberModerated,
        payload: {
          action,
          user_id: entry.userId,
          ...(entry.username !== null ? { username: entry.username } : {}),
          by: OPERATOR,
          by_username: entry.byUsername,
          ...(role ? { role } : {}),
        },
        to: roomChannel(entry.room),
      },
    ]);
    if (action === MemberAction.Role) {
      this.relay.moderatorChannel(entry.room, entry.userId, role !== undefined, true);
    }
  }
}
