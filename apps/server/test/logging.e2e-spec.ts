import { Writable } from 'node:stream';

import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { PinoLogger } from 'nestjs-pino';

import { until } from './support/chat-test-app.js';
import { createApp } from '../src/app.factory.js';
import { AvatarsService } from '../src/avatars/avatars.service.js';
import { loadConfig } from '../src/config/app-config.js';

/** A header as big as Node lets through (14 KB), as the log flood used. */
const FILLER = 'f'.repeat(14 * 1024);

/** Everything the app's JSON logger writes, kept in memory. */
function logCapture() {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      text += chunk.toString();
      callback();
    },
  });
  return {
    stream,
    get text() {
      return text;
    },
  };
}

/** Requests `urls`, `concurrency` at a time; resolves with their statuses. */
async function hammer(urls: string[], init: RequestInit = {}, concurrency = 25) {
  const statuses: number[] = [];
  for (let i = 0; i < urls.length; i += concurrency) {
    const responses = await Promise.all(
      urls.slice(i, i + concurrency).map((url) => fetch(url, init)),
    );
    for (const response of responses) {
      await response.arrayBuffer();
      statuses.push(response.status);
    }
  }
  return statuses;
}

type LogLine = {
  level: number;
  msg?: string;
  req?: { url?: string };
  res?: { statusCode?: number };
};

/**
 * One app for the whole file: nestjs-pino keeps one logger per process (the first app's), so
 * every test here reads the same capture, each from where the previous one stopped.
 */
describe('Log amplification (real app at the default log level, logs captured)', () => {
  const logs = logCapture();
  let app: NestExpressApplication;
  let url: string;
  let from = 0;
  const written = () => logs.text.slice(from);
  const lines = () =>
    written()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as LogLine);

  beforeAll(async () => {
    app = await createApp(
      loadConfig({ WEB_DIST_DIR: '/nonexistent', DATA_DIR: ':memory:', LOG_FORMAT: 'json' }),
      {
        logDestination: logs.stream,
      },
    );
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
  });
  afterEach(() => {
    jest.restoreAllMocks();
    PinoLogger.root.level = 'info';
    from = logs.text.length;
  });
  afterAll(async () => {
    await app.close();
  });

  it('goes through the capture (boot logged there)', () => {
    expect(logs.text).toContain('Nest application successfully started');
  });

  it('writes nothing for a flood of 404s with huge headers, and never the headers', async () => {
    const urls = Array.from({ length: 300 }, (_, i) =>
      i % 2 ? `${url}/avatars/lorelei/%3Cbad${i}%3E.svg` : `${url}/avatars/nostyle/x${i}.svg`,
    );
    const statuses = await hammer(urls, { headers: { 'x-filler': FILLER } });
    expect(statuses.every((status) => status === 404)).toBe(true);
    // 300 requests × 14 KB of header were 4.3 MB of warnings before.
    expect(written().length).toBeLessThan(1000);
    expect(logs.text).not.toContain('fffffffff');
  });

  it('logs a 4xx at debug level as one short line, without headers or cookies', async () => {
    PinoLogger.root.level = 'debug';
    const response = await fetch(`${url}/avatars/nostyle/x.svg`, {
      headers: { 'x-filler': FILLER, cookie: 'secret=1' },
    });
    expect(response.status).toBe(404);
    await until(() => lines().some((line) => line.res?.statusCode === 404));
    expect(written().length).toBeLessThan(600);
    expect(written()).not.toContain('fffffffff');
    expect(written()).not.toContain('secret');
    expect(lines()).toContainEqual(
      expect.objectContaining({ level: 20, req: expect.objectContaining({ method: 'GET' }) }),
    );
  });

  it('still logs a 5xx, with the method and path but not the headers', async () => {
    jest.spyOn(app.get(AvatarsService), 'render').mockImplementation(() => {
      throw new Error('drawing failed');
    });
    const response = await fetch(`${url}/avatars/lorelei/Boom.svg`, {
      headers: { 'x-filler': FILLER },
    });
    expect(response.status).toBe(500);
    await until(() => lines().some((line) => line.res?.statusCode === 500));
    expect(written()).not.toContain('fffffffff');
    const errors = lines().filter((line) => line.level === 50);
    expect(errors.some((line) => JSON.stringify(line).includes('drawing failed'))).toBe(true);
    expect(errors).toContainEqual(
      expect.objectContaining({
        req: expect.objectContaining({ url: '/avatars/lorelei/Boom.svg' }),
        res: { statusCode: 500 },
      }),
    );
  });
});
