import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';

import { afterEach, describe, expect, it } from '@jest/globals';

import { runCli } from '../src/cli/operator-cli.js';
import { join, type Joined, request, startApp, waitFor } from './support/chat-test-app.js';

/**
 * The operator's command line against a running server's own store (SQLite, no Redis): the
 * server picks the change up from the audit log, tells its clients, and the new role acts.
 */
describe('pnpm parley: the operator grants roles to a running server', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup();
    }
  });

  it('makes someone a moderator of the lobby; the room hears it and the moderator can mute', async () => {
    const dataDir = mkdtempSync(joinPath(tmpdir(), 'parley-operator-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const node = await startApp({ DATA_DIR: dataDir, MODERATION_POLL_MS: '100' });
    cleanups.push(() => node.app.close());
    const people: Joined[] = [];
    for (let i = 0; i < 2; i++) {
      people.push(await join(node.url));
    }
    cleanups.push(() => people.forEach(({ socket }) => socket.disconnect()));
    const [helper, troll] = people as [Joined, Joined];
    // Nobody owns the lobby: nobody may mute there.
    expect(
      await request(helper.socket, 'moderate', { action: 'mute', user_id: troll.userId }),
    ).toMatchObject({ ok: false, error: 'not_allowed' });

    const heard = waitFor(troll.socket, 'member_moderated', 5000);
    const out: string[] = [];
    const code = await runCli(
      ['moderators', 'add', '--room', 'lobby', '--user', helper.userId],
      { DATA_DIR: dataDir },
      { out: (line) => out.push(line), err: (line) => out.push(line) },
    );
    expect(code).toBe(0);
    expect(await heard).toMatchObject({
      action: 'role',
      user_id: helper.userId,
      role: 'moderator',
      by: 'operator',
    });
    expect(
      await request(helper.socket, 'moderate', { action: 'mute', user_id: troll.userId }),
    ).toMatchObject({ ok: true });
    expect(await request(troll.socket, 'send_message', { message: 'hi' })).toMatchObject({
      error: 'muted',
    });
  });
});
