import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';

import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type { Emission } from '../presence/emission.js';
import { REDIS } from '../redis/redis.module.js';
import { CHAT_STORE } from '../storage/storage.module.js';
import type { ChatStore } from '../storage/chat-store.js';
import type { NewAuditRecord } from '../storage/moderation-store.js';

/** What moderation does to sockets, as the gateway (which holds the server) carries it out. */
export interface ModerationOutlet {
  /** Sends to channels of the whole cluster. */
  emit(emissions: readonly Emission[]): void;
  /** Sends to this node's sockets only (each node relays what the operator did, once). */
  emitLocal(emissions: readonly Emission[]): void;
  /** Keyed address hashes of the person's sockets in the room, on every node. */
  addressHashes(room: string, userId: string): Promise<string[]>;
  /** Disconnects the person's sockets in the room, on every node. */
  disconnect(room: string, userId: string): void;
  /** Puts the person's sockets in (or out of) the room's moderators' channel; `local`: this node's. */
  moderatorChannel(room: string, userId: string, join: boolean, local?: boolean): void;
}

/** The Redis channel (under the key prefix) on which a moderation change names its room. */
export const MODERATION_CHANNEL = 'moderation';

/**
 * Where moderation's decisions leave the services: the gateway's outlet for sockets, the audit log
 * for the record, and Redis to tell the other nodes (and so their caches) at once; nodes also
 * follow the audit log, which is what carries the operator's command line on a single node.
 */
@Injectable()
export class ModerationRelay {
  private readonly logger = new Logger(ModerationRelay.name);
  private outlet?: ModerationOutlet;

  constructor(
    @Inject(CHAT_STORE) private readonly store: ChatStore,
    @Inject(REDIS) private readonly redis: Redis | null,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  bind(outlet: ModerationOutlet): void {
    this.outlet = outlet;
  }

  emit(emissions: readonly Emission[]): void {
    this.outlet?.emit(emissions);
  }

  emitLocal(emissions: readonly Emission[]): void {
    this.outlet?.emitLocal(emissions);
  }

  async addressHashes(room: string, userId: string): Promise<string[]> {
    return (await this.outlet?.addressHashes(room, userId)) ?? [];
  }

  disconnect(room: string, userId: string): void {
    this.outlet?.disconnect(room, userId);
  }

  moderatorChannel(room: string, userId: string, join: boolean, local = false): void {
    this.outlet?.moderatorChannel(room, userId, join, local);
  }

  /** Writes the change to the audit log, then tells the other nodes that `room` changed. */
  async record(entry: NewAuditRecord): Promise<number> {
    const id = await this.store.moderation.audit(entry);
    this.redis
      ?.publish(`${this.config.redisKeyPrefix}${MODERATION_CHANNEL}`, entry.room)
      .catch((error: unknown) => this.logger.warn(`publish failed: ${String(error)}`));
    return id;
  }
}
