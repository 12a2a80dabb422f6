import { expect, test } from '@playwright/test';
import type {
  AckOf,
  ClientToServerEvents,
  NewMessagePayload,
  ServerToClientEvents,
} from '@parley/protocol';
import {
  createTestDatabase,
  type LocalCluster,
  REDIS_URL,
  startLocalCluster,
  testRedisPrefix,
} from '@parley/server/testing';
import type { BrowserContext, Page } from '@playwright/test';
import { io, type Socket } from 'socket.io-client';

import { screenshot } from './support/browser.js';
import { expectSteady } from './support/steady.js';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * Two production-build nodes sharing PostgreSQL and Redis behind the local fail-over proxy, as
 * `pnpm cluster` (and compose.yaml) run them; one node is killed with SIGKILL mid-conversation.
 */
test.describe('A two-node cluster (real processes, PostgreSQL, Redis)', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  const redis = testRedisPrefix();
  let cluster: LocalCluster;
  const clients: Client[] = [];

  test.beforeAll(async () => {
    database = await createTestDatabase();
    cluster = await startLocalCluster(2, {
      DATABASE_URL: database.url,
      REDIS_URL,
      REDIS_KEY_PREFIX: redis.prefix,
      MESSAGE_RATE_PER_SECOND: '100',
      MESSAGE_BURST: '100',
      LOG_LEVEL: 'warn',
      // Quick heartbeats, so a dead node's people are announced gone within a second or two.
      NODE_HEARTBEAT_MS: '300',
    });
  });

  test.afterAll(async () => {
    for (const client of clients) {
      client.disconnect();
    }
    await cluster.stop();
    await database.drop();
    await redis.clean();
  });

  async function say(client: Client, message: string): Promise<number> {
    const ack = (await client
      .timeout(10_000)
      .emitWithAck('send_message', { message })) as AckOf<'send_message'>;
    if (!ack.ok) {
      throw new Error(ack.message);
    }
    return ack.id;
  }

  test('lets two browsers on two nodes chat', async ({ browser }) => {
    const contexts: BrowserContext[] = [];
    try {
      const pages = await Promise.all(
        cluster.nodes.map(async (node) => {
          const context = await browser.newContext({ viewport: { width: 1100, height: 700 } });
          contexts.push(context);
          const page = await context.newPage();
          await page.goto(`${node.url}/r/spanning`);
          await page.locator('[data-testid="connection-status"][data-state="connected"]').waitFor();
          return page;
        }),
      );
      const [first, second] = pages as [Page, Page];
      const input = first.getByTestId('composer-input');
      await input.fill('Hello from node one');
      await input.press('Enter');
      await second.getByTestId('message').filter({ hasText: 'Hello from node one' }).waitFor();
      const reply = second.getByTestId('composer-input');
      await reply.fill('And back from node two');
      await reply.press('Enter');
      await first.getByTestId('message').filter({ hasText: 'And back from node two' }).waitFor();
      await screenshot(first, 'cluster-two-nodes');
    } finally {
      await Promise.all(contexts.map((context) => context.close()));
    }
  });

  /** A raw client of `room` on node `node`, once its name, the room's list and history came. */
  async function connect(node: number, room: string) {
    const client: Client = io(cluster.nodes[node]!.url, {
      transports: ['websocket'],
      auth: { room },
    });
    clients.push(client);
    // All three listeners before anything arrives: they come back to back.
    const [name, list] = await Promise.all([
      new Promise<{ username: string; user_id?: string }>((resolve) =>
        client.once('set_username', resolve),
      ),
      new Promise<{ users: Array<{ username: string }> }>((resolve) =>
        client.once('user_list', resolve),
      ),
      new Promise((resolve) => client.once('history', resolve)),
    ]);
    return { client, name, list };
  }

  test('lists people across nodes, and keeps names unique across them', async () => {
    const ada = await connect(0, 'across-names');
    await ada.client.timeout(5000).emitWithAck('update_username', { username: 'Ada' });
    const bo = await connect(1, 'across-names');
    expect(bo.list.users.map((user) => user.username)).toEqual(expect.arrayContaining(['Ada']));

    const taken = (await bo.client
      .timeout(5000)
      .emitWithAck('update_username', { username: 'ADA' })) as AckOf<'update_username'>;
    expect(taken).toMatchObject({ ok: false, error: 'name_taken' });

    const renamed = new Promise<{ new_username: string }>((resolve) =>
      ada.client.once('username_updated', resolve),
    );
    await bo.client.timeout(5000).emitWithAck('update_username', { username: 'Bo' });
    expect((await renamed).new_username).toBe('Bo');

    // Someone arriving later, on either node, is given both.
    const late = await connect(1, 'across-names');
    expect(late.list.users.map((user) => user.username)).toEqual(
      expect.arrayContaining(['Ada', 'Bo']),
    );
  });

  test('relays typing and mentions across nodes', async () => {
    const ada = await connect(0, 'across-talk');
    const bo = await connect(1, 'across-talk');
    await bo.client.timeout(5000).emitWithAck('update_username', { username: 'Bo' });

    const typing = new Promise<{ username: string }>((resolve) =>
      ada.client.once('user_typing', resolve),
    );
    bo.client.emit('typing', { is_typing: true });
    expect((await typing).username).toBe('Bo');

    const heard = new Promise<NewMessagePayload>((resolve) =>
      bo.client.once('new_message', resolve),
    );
    await say(ada.client, 'hello @Bo from node 1');
    expect(await heard).toMatchObject({
      message: 'hello @Bo from node 1',
      mentions: [bo.name.user_id],
    });
  });

  test('loses nothing when a node is killed: its clients fail over and get every missed message once', async () => {
    const talker: Client = io(cluster.nodes[1]!.url, { transports: ['websocket'] });
    clients.push(talker);
    await new Promise((resolve) => talker.once('history', resolve));
    const left: string[] = [];
    const joined: string[] = [];
    talker.on('user_left', ({ username }) => left.push(username));
    talker.on('user_joined', ({ username }) => joined.push(username));

    // Someone on node 1 who will not come back.
    const victim: Client = io(cluster.nodes[0]!.url, {
      transports: ['websocket'],
      reconnection: false,
    });
    clients.push(victim);
    const victimName = await new Promise<string>((resolve) =>
      victim.once('set_username', ({ username }) => resolve(username)),
    );
    await expect.poll(() => joined).toContain(victimName);

    // The mover reaches node 1 through the proxy and resumes like the web app does.
    const received: NewMessagePayload[] = [];
    let session: string | undefined;
    let name = '';
    const mover: Client = io(cluster.url, {
      transports: ['websocket'],
      reconnectionDelay: 100,
      reconnectionDelayMax: 300,
      auth: (cb) => cb({ session, server_offset: received.at(-1)?.id }),
    });
    clients.push(mover);
    mover.on('set_username', (payload) => {
      session = payload.session;
      name = payload.username;
    });
    mover.on('history', ({ messages }) => received.push(...messages));
    mover.on('new_message', (message) => received.push(message));
    await new Promise((resolve) => mover.once('history', resolve));
    expect(cluster.activeNode()).toBe(0);
    const firstName = name;

    const before = [await say(talker, 'before 1'), await say(talker, 'before 2')];
    await expect.poll(() => received.length).toBe(2);

    cluster.nodes[0]!.kill('SIGKILL');
    await cluster.nodes[0]!.exited;
    const during: number[] = [];
    for (let i = 0; i < 10; i++) {
      during.push(await say(talker, `while failing over ${i}`));
    }
    const seen = (id: number) => received.some((message) => message.id === id);
    await expect.poll(() => during.every(seen), { timeout: 20_000 }).toBe(true);
    const after = await say(talker, 'after');
    await expect.poll(() => seen(after)).toBe(true);

    expect(cluster.activeNode()).toBe(1);
    // Every message exactly once. Live messages may overtake the replayed ones on the new node
    // (the socket joins the room before its history is read, so nothing falls in between);
    // clients order by id, as the web app does.
    const ids = received.map((message) => message.id).sort((a, b) => a - b);
    expect(ids).toEqual([...before, ...during, after]);
    expect(name).toBe(firstName);

    // The dead node's people are announced gone once, by the surviving node; the mover, back on
    // the other node, is not (and was not announced as joining again either).
    await expect.poll(() => left, { timeout: 15_000 }).toContain(victimName);
    await expectSteady(() => [...left], [victimName], 1500);
    expect(joined.filter((username) => username === firstName)).toEqual([firstName]);
  });
});
