import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';

import { join, request, startApp } from './support/chat-test-app.js';
import { createTestDatabase } from '../src/testing/test-postgres.js';

describe('With DATABASE_URL: PostgreSQL history and sessions (real app, real sockets)', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    await database.drop();
  });

  it('shares history and sessions between two nodes, and keeps them across a restart', async () => {
    const apps: NestExpressApplication[] = [];
    const node = async () => {
      const started = await startApp({ DATABASE_URL: database.url });
      apps.push(started.app);
      return started.url;
    };
    const [first, second] = [await node(), await node()];

    const ada = await join(first);
    await request(ada.socket, 'update_username', { username: 'Ada' });
    const sent = await request(ada.socket, 'send_message', { message: 'stored in postgres' });
    expect(sent).toMatchObject({ ok: true });
    ada.socket.disconnect();

    const elsewhere = await join(second, { auth: { session: ada.session } });
    expect(elsewhere.username).toBe('Ada');
    expect(elsewhere.history.messages.map((m) => m.message)).toEqual(['stored in postgres']);
    const next = await request(elsewhere.socket, 'send_message', { message: 'second node' });
    expect(next.ok && sent.ok && next.id > sent.id).toBe(true);
    elsewhere.socket.disconnect();

    await Promise.all(apps.splice(0).map((app) => app.close()));
    const restarted = await node();
    const late = await join(restarted);
    expect(late.history.messages.map((m) => m.message)).toEqual([
      'stored in postgres',
      'second node',
    ]);
    late.socket.disconnect();
    await Promise.all(apps.map((app) => app.close()));
  });
});
