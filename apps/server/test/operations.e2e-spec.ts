import { afterEach, describe, expect, it } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';

import { join, request, startApp } from './support/chat-test-app.js';
import { MetricsListener } from '../src/metrics/metrics-listener.js';
import { createTestDatabase } from '../src/testing/test-postgres.js';

const METRICS_TOKEN = 'test-metrics-token-0123456789';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

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
    const url = await start({ METRICS_TOKEN });
    const ada = await join(url);
    const bo = await join(url);
    await request(ada.socket, 'send_message', { message: 'counted' });
    await request(ada.socket, 'send_message', { message: '   ' });

    const response = await fetch(`${url}/metrics`, { headers: bearer(METRICS_TOKEN) });
    expect(response.status).toBe(200);
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
  describe('/metrics is not public', () => {
    it('is not served on the public port unless a token is set', async () => {
      const url = await start();
      expect((await fetch(`${url}/metrics`)).status).toBe(404);
      expect(
        (await fetch(`${url}/metrics`, { headers: bearer('anything-at-all-long') })).status,
      ).toBe(404);
    });

    it('asks for METRICS_TOKEN as a Bearer token on the public port', async () => {
      const url = await start({ METRICS_TOKEN });
      const anonymous = await fetch(`${url}/metrics`);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(await anonymous.text()).not.toMatch(/nodejs_version_info|parley_users_online/);
      for (const headers of [
        bearer(`${METRICS_TOKEN}x`),
        bearer(METRICS_TOKEN.slice(0, -1)),
        bearer(''),
        { authorization: `Basic ${METRICS_TOKEN}` },
        { authorization: METRICS_TOKEN },
      ]) {
        expect((await fetch(`${url}/metrics`, { headers })).status).toBe(401);
      }
      const scraped = await fetch(`${url}/metrics`, { headers: bearer(METRICS_TOKEN) });
      expect(scraped.status).toBe(200);
      expect(await scraped.text()).toMatch(/^parley_users_online 0$/m);
    });

    it('serves /metrics on METRICS_PORT, a listener of its own, and not on the public port', async () => {
      const url = await start({ METRICS_PORT: '0' });
      const app = apps.at(-1);
      const metricsUrl = app?.get(MetricsListener).url;
      expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(metricsUrl).not.toBe(url);
      const scraped = await fetch(`${metricsUrl}/metrics`);
      expect(scraped.status).toBe(200);
      expect(scraped.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await scraped.text()).toMatch(/^parley_users_online 0$/m);
      // Nothing else lives there, and the public port still has no /metrics.
      expect((await fetch(`${metricsUrl}/healthz`)).status).toBe(404);
      expect((await fetch(`${url}/metrics`)).status).toBe(404);
    });

    it('asks for METRICS_TOKEN on METRICS_PORT too when it is set', async () => {
      await start({ METRICS_PORT: '0', METRICS_TOKEN });
      const metricsUrl = apps.at(-1)?.get(MetricsListener).url;
      expect((await fetch(`${metricsUrl}/metrics`)).status).toBe(401);
      const scraped = await fetch(`${metricsUrl}/metrics`, { headers: bearer(METRICS_TOKEN) });
      expect(scraped.status).toBe(200);
    });

    it('closes the metrics listener with the app', async () => {
      await start({ METRICS_PORT: '0' });
      const app = apps.pop();
      const metricsUrl = app?.get(MetricsListener).url;
      await app?.close();
      await expect(fetch(`${metricsUrl}/metrics`)).rejects.toThrow();
    });
  });
});
