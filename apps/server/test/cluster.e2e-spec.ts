import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { ErrorCode } from '@parley/protocol';
import { io } from 'socket.io-client';

import {
  type ChatClient,
  join,
  type Joined,
  request,
  startApp,
  waitFor,
} from './support/chat-test-app.js';
import { REDIS_URL, testRedisPrefix } from '../src/testing/test-redis.js';
import { startTwoNodes, type TwoNodes } from './support/two-nodes.js';

/**
 * Two nodes (two apps on two ports) sharing Redis for fan-out and PostgreSQL for history, each with
 * its own clients, as behind a load balancer.
 */
describe('Two nodes with REDIS_URL and DATABASE_URL (real Redis, real PostgreSQL)', () => {
  let nodes: TwoNodes;
  let urls: string[] = [];
  const clients: Joined[] = [];

  beforeAll(async () => {
    nodes = await startTwoNodes();
    urls = nodes.urls;
  });

  afterAll(async () => {
    for (const client of clients) {
      client.socket.disconnect();
    }
    await nodes.close();
  });

  async function joinNode(node: number, room = 'cluster'): Promise<Joined> {
    const client = await join(urls[node]!, { auth: { room } });
    clients.push(client);
    return client;
  }

  it('delivers messages, renames and typing across nodes, and shares history', async () => {
    const ada = await joinNode(0);
    const bo = await joinNode(1);

    const heardOnOtherNode = waitFor(bo.socket, 'new_message');
    const heardOnSameNode = waitFor(ada.socket, 'new_message');
    const sent = await request(ada.socket, 'send_message', { message: 'across the cluster' });
    expect(sent).toMatchObject({ ok: true });
    expect(await heardOnOtherNode).toMatchObject({
      message: 'across the cluster',
      user_id: ada.userId,
    });
    expect((await heardOnSameNode).id).toBe(sent.ok ? sent.id : -1);

    const renamed = waitFor(ada.socket, 'username_updated');
    await request(bo.socket, 'update_username', { username: 'Bo' });
    expect(await renamed).toMatchObject({ new_username: 'Bo', user_id: bo.userId });

    const typing = waitFor(bo.socket, 'user_typing');
    ada.socket.emit('typing', { is_typing: true });
    expect(await typing).toMatchObject({ user_id: ada.userId, is_typing: true });

    const late = await joinNode(1);
    expect(late.history.messages.map((m) => m.message)).toEqual(['across the cluster']);
  });

  it('shares who is online, and name uniqueness, across nodes', async () => {
    const ada = await joinNode(0, 'cluster-presence');
    await request(ada.socket, 'update_username', { username: 'Ada' });
    const socket = io(urls[1], {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      auth: { room: 'cluster-presence' },
    }) as ChatClient;
    const list = await waitFor(socket, 'user_list');
    socket.disconnect();
    expect(list.users.map((user) => user.username)).toContain('Ada');

    const bo = await joinNode(1, 'cluster-presence');
    expect(await request(bo.socket, 'update_username', { username: 'aDA' })).toMatchObject({
      ok: false,
      error: ErrorCode.NameTaken,
    });
    const heard = waitFor(ada.socket, 'new_message');
    await request(bo.socket, 'send_message', { message: 'hi @Ada' });
    expect((await heard).mentions).toEqual([ada.userId]);
  });

  it('holds one rate limit across nodes', async () => {
    const strict = testRedisPrefix();
    const pair = await Promise.all(
      [0, 1].map(() =>
        startApp({
          DATABASE_URL: nodes.databaseUrl,
          REDIS_URL,
          REDIS_KEY_PREFIX: strict.prefix,
          MESSAGE_RATE_PER_SECOND: '1',
          MESSAGE_BURST: '0',
        }),
      ),
    );
    try {
      const ada = await join(pair[0]!.url);
      const adaElsewhere = await join(pair[1]!.url, { auth: { session: ada.session } });
      expect(await request(ada.socket, 'send_message', { message: 'one' })).toMatchObject({
        ok: true,
      });
      expect(
        await request(adaElsewhere.socket, 'send_message', { message: 'two, other node' }),
      ).toMatchObject({ ok: false, error: ErrorCode.RateLimited });
      ada.socket.disconnect();
      adaElsewhere.socket.disconnect();
    } finally {
      await Promise.all(pair.map(({ app }) => app.close()));
      await strict.clean();
    }
  });

  it('keeps rooms apart across nodes', async () => {
    const here = await joinNode(0, 'cluster-a');
    const there = await joinNode(1, 'cluster-b');
    const sameRoom = await joinNode(1, 'cluster-a');
    const heard = waitFor(sameRoom.socket, 'new_message');
    let leaked = false;
    there.socket.on('new_message', () => {
      leaked = true;
    });
    await request(here.socket, 'send_message', { message: 'only room a' });
    expect((await heard).message).toBe('only room a');
    await request(there.socket, 'update_username', { username: 'Probe' });
    expect(leaked).toBe(false);
  });
});
