import type { NestExpressApplication } from '@nestjs/platform-express';

import { createTestDatabase } from '../../src/testing/test-postgres.js';
import { REDIS_URL, testRedisPrefix } from '../../src/testing/test-redis.js';
import { startApp } from './chat-test-app.js';

/** Two nodes (two apps on two ports) sharing a fresh PostgreSQL database and a Redis prefix. */
export interface TwoNodes {
  /** Each node's URL: clients pick one, as behind a load balancer. */
  urls: string[];
  /** The test database's URL, for more nodes of the same deployment or another one. */
  databaseUrl: string;
  /** Closes both apps, drops the database and deletes the Redis keys. */
  close: () => Promise<void>;
}

export async function startTwoNodes(): Promise<TwoNodes> {
  const database = await createTestDatabase();
  const redis = testRedisPrefix();
  const apps: NestExpressApplication[] = [];
  const urls: string[] = [];
  for (let node = 0; node < 2; node++) {
    const { app, url } = await startApp({
      DATABASE_URL: database.url,
      REDIS_URL,
      REDIS_KEY_PREFIX: redis.prefix,
    });
    apps.push(app);
    urls.push(url);
  }
  return {
    urls,
    databaseUrl: database.url,
    close: async () => {
      await Promise.all(apps.map((app) => app.close()));
      await database.drop();
      await redis.clean();
    },
  };
}
