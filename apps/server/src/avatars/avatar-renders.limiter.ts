import { Inject, Injectable } from '@nestjs/common';
import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

import { APP_CONFIG, type AppConfig } from '../config/app-config.js';

/** Seconds over which an address's render burst refills. */
const BURST_WINDOW_SECONDS = 10;

/**
 * Renders of avatars that are not in the cache, per client address: each costs about half a
 * millisecond of CPU, and unique seeds once gave one client 2,450 renders a second (11 s of CPU
 * in 10 s) while pushing everyone's avatars out of the cache. The burst covers a big room opened
 * with a cold cache; cached avatars cost nothing and are never counted. Counted in this node's
 * memory, even with Redis: the CPU being protected is this node's.
 */
@Injectable()
export class AvatarRendersLimiter {
  private readonly limiter: BurstyRateLimiter | RateLimiterMemory;

  constructor(@Inject(APP_CONFIG) { avatarRendersPerSecond, avatarRenderBurst }: AppConfig) {
    const steady = new RateLimiterMemory({
      keyPrefix: 'avatar',
      points: avatarRendersPerSecond,
      duration: 1,
    });
    this.limiter =
      avatarRenderBurst === 0
        ? steady
        : new BurstyRateLimiter(
            steady,
            new RateLimiterMemory({
              keyPrefix: 'avatar:burst',
              points: avatarRenderBurst,
              duration: BURST_WINDOW_SECONDS,
            }),
          );
  }

  /** Counts one render for `address`: undefined if allowed, else the ms to wait. */
  async take(address: string): Promise<number | undefined> {
    try {
      await this.limiter.consume(address);
      return undefined;
    } catch (refusal) {
      if (refusal instanceof RateLimiterRes) {
        return Math.max(1, Math.ceil(refusal.msBeforeNext));
      }
      throw refusal;
    }
  }
}
