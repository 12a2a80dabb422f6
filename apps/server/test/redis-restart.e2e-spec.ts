import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NewMessagePayload } from '@parley/protocol';

import { createTestDatabase } from '../src/testing/test-postgres.js';
import { join, type Joined, request, startApp, until } from './support/chat-test-app.js';

/** A free TCP port on loopback. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A private Redis of this test's own (restarting the shared one would disturb other tests). */
async function startRedis(port: number): Promise<ChildProcess> {
  const redis = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const deadline = Date.now() + 10_000;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const probe = spawn('redis-cli', ['-p', String(port), 'ping']);
      let out = '';
      probe.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      probe.on('close', () => resolve(out.includes('PONG')));
    });
    if (up) {
      return redis;
    }
    if (Date.now() > deadline) {
      redis.kill('SIGKILL');
      throw new Error(`redis-server did not start on port ${port}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function stopRedis(redis: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => redis.once('exit', resolve));
  redis.kill('SIGKILL');
  await exited;
}

describe('Redis restarted mid-conversation (two nodes, real Redis and PostgreSQL)', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let port: number;
  let redis: ChildProcess;
  const apps: NestExpressApplication[] = [];
  const clients: Joined[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    port = await freePort();
    redis = await startRedis(port);
    for (let node = 0; node < 2; node++) {
      const { app } = await startApp({
        DATABASE_URL: database.url,
        REDIS_URL: `redis://127.0.0.1:${port}`,
        REDIS_KEY_PREFIX: 'parley-restart:',
      });
      apps.push(app);
    }
  });

  afterAll(async () => {
    for (const client of clients) {
      client.socket.disconnect();
    }
    if (redis.exitCode === null) {
      await stopRedis(redis);
    }
    await Promise.all(apps.map((app) => app.close()));
    await database.drop();
  });

  it('resumes fan-out after the restart, and every acknowledged message reaches the other node', async () => {
    const [first, second] = await Promise.all(apps.map((app) => app.getUrl()));
    const talker = await join(first!);
    const listener = await join(second!);
    clients.push(talker, listener);
    const heard: NewMessagePayload[] = [];
    listener.socket.on('new_message', (message) => heard.push(message));

    const acked: number[] = [];
    const say = async (message: string) => {
      const ack = await request(talker.socket, 'send_message', { message }, 20_000);
      if (ack.ok) {
        acked.push(ack.id);
      }
    };
    await say('before');
    await until(() => heard.length === 1);

    await stopRedis(redis);
    // Messages sent while Redis is down are stored and acknowledged by their node...
    const during = Promise.all([say('during 1'), say('during 2')]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    redis = await startRedis(port);
    await during;
    await say('after');

    // ...and fan-out resumes: the other node's client gets every acknowledged message, once.
    await until(() => heard.length >= acked.length, 20_000);
    expect(heard.map((message) => message.id)).toEqual(acked);
    expect(acked).toHaveLength(4);
  }, 60_000);
});
