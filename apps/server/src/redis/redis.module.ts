import { Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';

import { APP_CONFIG, type AppConfig } from '../config/app-config.js';

/** Nest injection token for the shared ioredis client, `null` when REDIS_URL is not set. */
export const REDIS = Symbol('REDIS');

/** Quits the client once the app (and the Socket.IO adapter using it) has shut down. */
@Injectable()
class RedisCloser implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis | null) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.redis?.status === 'ready') {
      await this.redis.quit().catch(() => this.redis?.disconnect());
    } else {
      // Not connected (Redis away): quitting would wait for a connection that may never come.
      this.redis?.disconnect();
    }
  }
}

@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): Redis | null =>
        config.redisUrl
          ? new Redis(config.redisUrl, {
              // Keep retrying while Redis restarts; commands queue meanwhile.
              maxRetriesPerRequest: null,
              retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
            })
          : null,
    },
    RedisCloser,
  ],
  exports: [REDIS],
})
export class RedisModule {}
