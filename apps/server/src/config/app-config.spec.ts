import { describe, expect, it } from '@jest/globals';

import { InvalidConfigError, loadConfig } from './app-config.js';

describe(loadConfig.name, () => {
  it('uses the defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 3000, host: '0.0.0.0', logLevel: 'log' });
    expect(config.webDistDir).toMatch(/web[/\\]dist$/);
  });

  it('logs lines for people on a terminal and JSON otherwise, unless LOG_FORMAT says', () => {
    expect(loadConfig({}, true).logFormat).toBe('text');
    expect(loadConfig({}, false).logFormat).toBe('json');
    expect(loadConfig({ LOG_FORMAT: 'json' }, true).logFormat).toBe('json');
    expect(loadConfig({ LOG_FORMAT: 'text' }, false).logFormat).toBe('text');
  });

  it('reads PORT and HOST, treating empty values as unset', () => {
    expect(loadConfig({ PORT: '8080', HOST: '127.0.0.1', LOG_LEVEL: '' })).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      logLevel: 'log',
    });
  });

  it.each(['abc', '-1', '65536', '3.5'])('fails fast on PORT=%s, naming the variable', (port) => {
    expect(() => loadConfig({ PORT: port })).toThrow(InvalidConfigError);
    expect(() => loadConfig({ PORT: port })).toThrow(/PORT=/);
  });

  it('bounds SLOW_CLIENT_BUFFER_BYTES (default 4 MiB)', () => {
    expect(loadConfig({}).slowClientBufferBytes).toBe(4 * 1024 * 1024);
    expect(loadConfig({ SLOW_CLIENT_BUFFER_BYTES: '65536' }).slowClientBufferBytes).toBe(65536);
    expect(() => loadConfig({ SLOW_CLIENT_BUFFER_BYTES: '100' })).toThrow(
      /SLOW_CLIENT_BUFFER_BYTES=/,
    );
  });

  it('lists the rooms people are in unless ROOM_DIRECTORY is off', () => {
    expect(loadConfig({}).roomDirectory).toBe(true);
    expect(loadConfig({ ROOM_DIRECTORY: 'off' }).roomDirectory).toBe(false);
    expect(loadConfig({ ROOM_DIRECTORY: 'false' }).roomDirectory).toBe(false);
    expect(loadConfig({ ROOM_DIRECTORY: 'on' }).roomDirectory).toBe(true);
    expect(() => loadConfig({ ROOM_DIRECTORY: 'maybe' })).toThrow(/ROOM_DIRECTORY=/);
  });

  it('lists every bad variable at once', () => {
    expect(() => loadConfig({ PORT: 'x', LOG_LEVEL: 'loud' })).toThrow(/PORT=[\s\S]*LOG_LEVEL=/);
  });
});
