import { randomBytes } from 'node:crypto';

import { Redis } from 'ioredis';

/** Where the test Redis answers (`.ci/run` starts it when it does not). */
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix of its own for one test run, and a function deleting everything under it. */
export function testRedisPrefix(): { prefix: string; clean: () => Promise<void> } {
  const prefix = `parley-test:${process.pid}:${randomBytes(4).toString('hex')}:`;
  return {
    prefix,
    clean: async () => {
      const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
      try {
        await redis.connect();
        const keys = await redis.keys(`${prefix}*`);
        if (keys.length > 0) {
          await redis.del(...keys);
        }
      } finally {
        redis.disconnect();
      }
    },
  };
}
