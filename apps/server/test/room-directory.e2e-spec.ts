import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ErrorCode, ROOM_LIST_MAX } from '@parley/protocol';

import {
  chatHarness,
  emitRaw,
  join,
  type Joined,
  record,
  request,
  settle,
  waitFor,
} from './support/chat-test-app.js';
import { startTwoNodes, type TwoNodes } from './support/two-nodes.js';

/** The room names of a `list_rooms` answer with their counts, or the refusal. */
async function listed(joined: Joined, payload: unknown = {}) {
  const ack = await request(joined.socket, 'list_rooms', payload);
  return ack.ok ? ack.rooms : ack;
}

/**
 * Asks until the answer is `expected` (presence changes land after a grace period, or on another
 * node) or `ms` have passed; returns the last answer for the test to check.
 */
async function listedOnce(joined: Joined, expected: unknown, ms = 3000): Promise<unknown> {
  const deadline = Date.now() + ms;
  let rooms = await listed(joined);
  while (JSON.stringify(rooms) !== JSON.stringify(expected) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    rooms = await listed(joined);
  }
  return rooms;
}

describe('list_rooms: the rooms people are in (real app, real sockets)', () => {
  const chat = chatHarness();
  const inRoom = (room: string) => chat.joined({ auth: { room } });

  it('names the other rooms with people, most first, each person once, not the asker’s', async () => {
    await chat.start();
    const asker = await inRoom('lobby');
    await inRoom('games');
    await inRoom('games');
    await inRoom('work');
    const session = await inRoom('music');
    // A second tab of the same session counts once.
    await chat.joined({ auth: { room: 'music', session: session.session } });

    expect(await listed(asker)).toEqual([
      { room: 'games', count: 2 },
      { room: 'music', count: 1 },
      { room: 'work', count: 1 },
    ]);
    expect(await listed(asker, { limit: 1 })).toEqual([{ room: 'games', count: 2 }]);
  });

  it('drops a room once its last person has left (after the grace period)', async () => {
    await chat.start();
    const asker = await inRoom('lobby');
    const visitor = await inRoom('passing');
    expect(await listed(asker)).toEqual([{ room: 'passing', count: 1 }]);
    visitor.socket.disconnect();
    expect(await listedOnce(asker, [])).toEqual([]);
  });

  it('answers only the asker: nothing is broadcast, to its room or the listed ones', async () => {
    await chat.start();
    const asker = await inRoom('lobby');
    const neighbour = await inRoom('lobby');
    const listedOne = await inRoom('games');
    const heardByNeighbour = record(neighbour.socket);
    const heardByListed = record(listedOne.socket);
    const heardByAsker = record(asker.socket);
    expect(await listed(asker)).toEqual([{ room: 'games', count: 1 }]);
    await settle(neighbour.socket, listedOne.socket, asker.socket);
    expect(heardByNeighbour).toEqual([]);
    expect(heardByListed).toEqual([]);
    expect(heardByAsker).toEqual([]);
  });

  it.each([
    ['a string', 'rooms'],
    ['null', null],
    ['a zero limit', { limit: 0 }],
    ['a limit over the most', { limit: ROOM_LIST_MAX + 1 }],
    ['a text limit', { limit: 'all' }],
  ])('refuses %s with invalid_payload, broadcasting nothing', async (_label, payload) => {
    await chat.start();
    const asker = await inRoom('lobby');
    const other = await inRoom('games');
    const heard = record(other.socket);
    expect(await listed(asker, payload)).toMatchObject({
      ok: false,
      error: ErrorCode.InvalidPayload,
    });
    await settle(other.socket);
    expect(heard).toEqual([]);
  });

  it('tells a client that sends without an ack why it was refused, and it alone', async () => {
    await chat.start();
    const asker = await inRoom('lobby');
    const other = await inRoom('lobby');
    const heard = record(other.socket);
    const refused = waitFor(asker.socket, 'request_refused');
    emitRaw(asker.socket, 'list_rooms', 'rooms');
    expect(await refused).toMatchObject({ event: 'list_rooms', error: ErrorCode.InvalidPayload });
    await settle(other.socket);
    expect(heard).toEqual([]);
  });

  it('is rate-limited like other reads, with retry_after', async () => {
    await chat.start();
    const asker = await inRoom('lobby');
    const answers = await Promise.all(
      Array.from({ length: 30 }, () => request(asker.socket, 'list_rooms', {})),
    );
    const refusal = answers.find((answer) => !answer.ok);
    expect(answers.filter((answer) => answer.ok).length).toBeGreaterThanOrEqual(20);
    expect(refusal).toMatchObject({ ok: false, error: ErrorCode.RateLimited });
    expect(refusal && !refusal.ok && refusal.retry_after).toBeGreaterThan(0);
  });

  it('lists nothing with ROOM_DIRECTORY=off', async () => {
    await chat.start({ ROOM_DIRECTORY: 'off' });
    const asker = await inRoom('lobby');
    await inRoom('secret-plans');
    expect(await listed(asker)).toEqual([]);
  });

  it('answers a request that carries only the ack', async () => {
    await chat.start();
    const asker = await inRoom('lobby');
    await inRoom('games');
    // Untyped on purpose: typed clients always pass a payload.
    const bare = asker.socket.timeout(3000) as unknown as {
      emitWithAck: (event: string) => Promise<unknown>;
    };
    const ack = await bare.emitWithAck('list_rooms');
    expect(ack).toEqual({ ok: true, rooms: [{ room: 'games', count: 1 }] });
  });
});

describe('list_rooms in a cluster (two nodes, real Redis and PostgreSQL)', () => {
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

  async function joinNode(node: number, room: string): Promise<Joined> {
    const client = await join(urls[node]!, { auth: { room } });
    clients.push(client);
    return client;
  }

  it('counts the people of every node, and forgets a room emptied on another node', async () => {
    const asker = await joinNode(0, 'lobby');
    const far = await joinNode(1, 'shared');
    await joinNode(0, 'shared');
    await joinNode(1, 'far-only');

    const both = [
      { room: 'shared', count: 2 },
      { room: 'far-only', count: 1 },
    ];
    expect(await listedOnce(asker, both, 5000)).toEqual(both);

    far.socket.disconnect();
    const after = [
      { room: 'far-only', count: 1 },
      { room: 'shared', count: 1 },
    ];
    expect(await listedOnce(asker, after, 5000)).toEqual(after);
  });
});
