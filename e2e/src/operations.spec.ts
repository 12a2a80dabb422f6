import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect, test } from '@playwright/test';
import type { ClientToServerEvents, ServerToClientEvents } from '@parley/protocol';
import { startServer } from '@parley/server/testing';
import { io, type Socket } from 'socket.io-client';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

/** The production build as operators run it: `node apps/server/dist/main.js`. */
test.describe('Operating the production build', () => {
  test('stops gracefully on SIGTERM: clients are told, the store is flushed, a restart has it all', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-ops-'));
    const server = await startServer({ DATA_DIR: dataDir });
    const client: Client = io(server.url, { transports: ['websocket'], reconnection: false });
    await new Promise((resolve) => client.once('history', resolve));
    for (const message of ['one', 'two', 'three']) {
      await client.timeout(5000).emitWithAck('send_message', { message });
    }
    const disconnected = new Promise<string>((resolve) => client.once('disconnect', resolve));

    const started = Date.now();
    await server.stop();
    const { code } = await server.exited;

    expect(await disconnected).toMatch(/transport close|io server disconnect/);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(code === 0 || code === null).toBe(true);
    // The write-ahead log was folded back into the database file on the way out.
    const wal = join(dataDir, 'parley.sqlite-wal');
    expect(!existsSync(wal) || statSync(wal).size === 0).toBe(true);

    const again = await startServer({ DATA_DIR: dataDir });
    const late: Client = io(again.url, { transports: ['websocket'], reconnection: false });
    const history = await new Promise<{ messages: Array<{ message: string }> }>((resolve) =>
      late.once('history', resolve),
    );
    expect(history.messages.map((m) => m.message)).toEqual(['one', 'two', 'three']);
    late.disconnect();
    await again.stop();
  });

  test('refuses to start on a bad setting, naming it', async () => {
    await expect(startServer({ PORT: 'eighty' })).rejects.toThrow(
      /PORT="eighty": must be a whole number/,
    );
  });
});
