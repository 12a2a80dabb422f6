import { afterEach, describe, expect, it } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';

import { join, request, startApp } from './support/chat-test-app.js';
import { createTestDatabase } from '../src/testing/test-postgres.js';

describe('Operations: health, readiness, metrics (real app)', () => {
  const apps: NestExpressApplication[] = [];

  async function start(env: NodeJS.ProcessEnv = {}): Promise<string> {
    const { app, url } = await startApp(env);
    apps.push(app);
    return url;
  }

  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  it('answers /healthz and /readyz', async () => {
    const url = await start();
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', store: true });
  });

  it('goes unready when PostgreSQL is gone, and alive stays alive', async () => {
    const database = await createTestDatabase();
    const url = await start({ DATABASE_URL: database.url });
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    await database.drop();
    const unready = await fetch(`${url}/readyz`);
    expect(unready.status).toBe(503);
    expect(await unready.json()).toEqual({ status: 'unready', store: false });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  it('is unready while Redis does not answer', async () => {
    // Nothing listens on port 1: the client keeps retrying, the node stays alive but unready.
    const url = await start({
      REDIS_URL: 'redis://127.0.0.1:1',
      REDIS_KEY_PREFIX: 'parley-test-down:',
    });
    const unready = await fetch(`${url}/readyz`);
    expect(unready.status).toBe(503);
    expect(await unready.json()).toEqual({ status: 'unready', store: true, redis: false });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  it('exposes Prometheus metrics of the traffic', async () => {
    const url = await start();
    const ada = await join(url);
    const bo = await join(url);
    await request(ada.socket, 'send_message', { message: 'counted' });
    await request(ada.socket, 'send_message', { message: '   ' });

    const response = await fetch(`${url}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    const value = (line: string) => Number(new RegExp(`^${line} (\\S+)$`, 'm').exec(text)?.[1]);
    expect(value('parley_messages_in_total')).toBe(1);
    expect(value('parley_deliveries_out_total')).toBe(2);
    expect(value('parley_refusals_total\\{code="empty_message"\\}')).toBe(1);
    expect(value('parley_connected_sockets')).toBe(2);
    expect(value('parley_users_online')).toBe(2);
    expect(value('parley_store_latency_seconds_count\\{operation="appendMessage"\\}')).toBe(1);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds \S+$/m);
    // The broadcasts went through the coalescing writer: at most one write per frame.
    const frames = value('parley_fanout_frames_total');
    expect(frames).toBeGreaterThanOrEqual(2);
    expect(value('parley_fanout_writes_total')).toBeGreaterThanOrEqual(1);
    expect(value('parley_fanout_writes_total')).toBeLessThanOrEqual(frames);
    ada.socket.disconnect();
    bo.socket.disconnect();
  });
});
