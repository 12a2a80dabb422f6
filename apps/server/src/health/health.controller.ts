import { Controller, Get, Header, HttpCode, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { Redis } from 'ioredis';

import { REDIS } from '../redis/redis.module.js';
import { CHAT_STORE } from '../storage/storage.module.js';
import type { ChatStore } from '../storage/chat-store.js';

/** How long a readiness probe waits for Redis before calling it unreachable. */
const REDIS_PING_TIMEOUT_MS = 1000;

@Controller()
export class HealthController {
  constructor(
    @Inject(CHAT_STORE) private readonly store: ChatStore,
    @Inject(REDIS) private readonly redis: Redis | null,
  ) {}

  /** Liveness: the process is up and serving HTTP. */
  @Get(['healthz', 'health'])
  @Header('Cache-Control', 'no-store')
  @HttpCode(200)
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /**
   * Readiness: the store answers, and Redis too when configured; load balancers send no traffic
   * to a node that is not ready.
   */
  @Get('readyz')
  @Header('Cache-Control', 'no-store')
  async ready(@Res() response: Response): Promise<void> {
    const [store, redis] = await Promise.all([this.store.ping(), this.pingRedis()]);
    const ready = store && redis !== false;
    response.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'unready',
      store,
      ...(redis === undefined ? {} : { redis }),
    });
  }

  /** True or false when Redis is configured, undefined when it is not. */
  private async pingRedis(): Promise<boolean | undefined> {
    const redis = this.redis;
    if (!redis) {
      return undefined;
    }
    if (redis.status !== 'ready') {
      return false;
    }
    const timeout = new Promise<false>((resolve) =>
      setTimeout(() => resolve(false), REDIS_PING_TIMEOUT_MS).unref(),
    );
    const pong = redis.ping().then(
      (reply) => reply === 'PONG',
      () => false,
    );
    return Promise.race([pong, timeout]);
  }
}
