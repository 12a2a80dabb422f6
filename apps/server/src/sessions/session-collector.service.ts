import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
  Optional,
} from '@nestjs/common';
import { setImmediate as nextTurn } from 'node:timers/promises';

import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { CHAT_STORE } from '../storage/storage.module.js';
import type { ChatStore } from '../storage/chat-store.js';
import { UsersService } from '../users/users.service.js';

/** Nest token for the clock the collector reads (tests inject their own). */
export const SESSION_CLOCK = Symbol('SESSION_CLOCK');
export type SessionClock = () => number;

/** A session that never wrote a message nor chose a name is forgotten this long after last seen. */
export const SILENT_SESSION_MS = 60 * 60 * 1000;
/** How often a node sweeps. Shorter than {@link SILENT_SESSION_MS}: see `sweep`. */
export const SWEEP_EVERY_MS = 10 * 60 * 1000;
/**
 * Rows per statement, then the event loop runs again. Deleting a backlog of 86,400 sessions from
 * a SQLite file: 100 a batch took 1.4–1.9 ms each (p50), 500 a batch 17–19 ms.
 */
export const SWEEP_BATCH = 100;

/**
 * Forgets sessions nobody will come back to. A connection without `auth.session` creates one,
 * so a client reconnecting in a loop at the connection limit left ≈86,000 rows a day per address,
 * forever. Silent sessions go an hour after they were last seen, all others after
 * `SESSION_TTL_DAYS` unused (their token is refused from then on anyway). Their messages stay:
 * name and avatar are copied into each message, and `user_id` derives from the session id the
 * message keeps.
 *
 * Every node sweeps on its own timer; sweeps are idempotent, so two nodes sweeping at once only
 * delete each row once.
 */
@Injectable()
export class SessionCollector implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SessionCollector.name);
  private readonly clock: SessionClock;
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<number> | undefined;

  constructor(
    @Inject(CHAT_STORE) private readonly store: ChatStore,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'sessionTtlMs'>,
    private readonly users: UsersService,
    @Optional() @Inject(SESSION_CLOCK) clock?: SessionClock,
  ) {
    this.clock = clock ?? Date.now;
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.sweep().catch((error: unknown) =>
        this.logger.error('session sweep failed', error instanceof Error ? error.stack : error),
      );
    }, SWEEP_EVERY_MS);
    // Never what keeps a process alive.
    this.timer.unref();
  }

  /** Stops the timer and lets a sweep under way finish before the store closes. */
  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping?.catch(() => undefined);
  }

  /**
   * Marks this node's online sessions as seen (a person reading for hours without writing is
   * still there: each node does it every sweep, well within the silent hour), then deletes the
   * expired sessions batch by batch, yielding to the event loop between batches. Resolves with
   * how many were deleted; a sweep asked for while one runs joins it.
   */
  sweep(): Promise<number> {
    this.sweeping ??= this.sweepNow().finally(() => {
      this.sweeping = undefined;
    });
    return this.sweeping;
  }

  private async sweepNow(): Promise<number> {
    const now = this.clock();
    const online = [...this.users.onlineSessionIds()];
    for (let start = 0; start < online.length; start += SWEEP_BATCH) {
      await this.store.touchSessions(online.slice(start, start + SWEEP_BATCH), now);
      await nextTurn();
    }
    const cutoffs = {
      seenBefore: now - this.config.sessionTtlMs,
      silentSeenBefore: now - SILENT_SESSION_MS,
    };
    let deleted = 0;
    for (;;) {
      const batch = await this.store.deleteExpiredSessions(cutoffs, SWEEP_BATCH);
      deleted += batch;
      if (batch < SWEEP_BATCH) {
        return deleted;
      }
      await nextTurn();
    }
  }
}
