import { describe, expect, it } from '@jest/globals';
import { ClientFeature, presenceChangedPayloadSchema } from '@parley/protocol';
import { io } from 'socket.io-client';

import {
  type ChatClient,
  chatHarness,
  record,
  request,
  until,
  waitFor,
} from './support/chat-test-app.js';

/**
 * What a client believes is online, kept the way the web app keeps it: `user_list` on connect,
 * then `user_joined` / `user_left` / `username_updated`, and `presence_changed` batches.
 */
class OnlineView {
  readonly users = new Map<string, string>();
  count = 0;
  readonly seen: Array<[string, unknown]>;
  userId = '';

  constructor(readonly socket: ChatClient) {
    this.seen = record(socket);
    socket.on('set_username', ({ user_id }) => {
      this.userId = user_id ?? '';
    });
    socket.on('user_list', ({ users, count }) => {
      this.users.clear();
      for (const user of users) {
        this.users.set(user.user_id, user.username);
      }
      this.count = count ?? users.length;
    });
    socket.on('user_joined', ({ user_id, username }) => {
      if (user_id && !this.users.has(user_id)) {
        this.users.set(user_id, username);
        this.count += 1;
      }
    });
    socket.on('user_left', ({ user_id }) => {
      if (user_id && this.users.delete(user_id)) {
        this.count -= 1;
      }
    });
    socket.on('username_updated', ({ user_id, new_username }) => {
      if (user_id && this.users.has(user_id)) {
        this.users.set(user_id, new_username);
      }
    });
    socket.on('presence_changed', (payload) => {
      expect(presenceChangedPayloadSchema.parse(payload)).toEqual(payload);
      for (const { user_id, username } of payload.joined) {
        this.users.set(user_id, username);
      }
      for (const { user_id } of payload.left) {
        this.users.delete(user_id);
      }
      this.count = payload.count;
    });
  }

  /** Names by user id, sorted, to compare with the truth. */
  snapshot(): Array<[string, string]> {
    return [...this.users.entries()].sort(([a], [b]) => a.localeCompare(b));
  }

  events(name: string): unknown[] {
    return this.seen.filter(([event]) => event === name).map(([, payload]) => payload);
  }
}

describe('Presence in big rooms: batched, and every list stays right (real app, real sockets)', () => {
  const chat = chatHarness();
  const THRESHOLD = 4;
  const WINDOW_MS = 150;

  /** A client that announces `presence_batch` (like the web app) or not (like the tutorial's page). */
  async function connect(
    batched: boolean,
    auth: Record<string, unknown> = {},
  ): Promise<OnlineView> {
    const socket = io(chat.url, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      auth: batched ? { ...auth, features: [ClientFeature.PresenceBatch] } : auth,
    }) as ChatClient;
    chat.track(socket);
    const view = new OnlineView(socket);
    await waitFor(socket, 'history');
    return view;
  }

  it('keeps every client’s online list and count exact through a join and leave storm', async () => {
    await chat.start({
      PRESENCE_BATCH_THRESHOLD: String(THRESHOLD),
      PRESENCE_BATCH_MS: String(WINDOW_MS),
      PRESENCE_GRACE_MS: '0',
    });
    const views = [await connect(true), await connect(false)];
    for (let i = 0; i < THRESHOLD; i++) {
      views.push(await connect(i % 2 === 0));
    }
    const batched = views[0];
    const seed = views[1];
    if (!batched || !seed) {
      throw new Error('unreachable');
    }

    // The storm: a dozen arrive at once; some of them, and one old-timer, leave again; one is
    // renamed while its join is still waiting in a batch.
    const storm = await Promise.all(Array.from({ length: 12 }, (_, i) => connect(i % 3 !== 0)));
    views.push(...storm);
    const renamed = storm[1];
    await request(renamed!.socket, 'update_username', { username: 'Renamed in a batch' });
    const leaving = [...storm.slice(6, 10), views[3]!];
    for (const view of leaving) {
      view.socket.disconnect();
    }

    const online = views.filter((view) => !leaving.includes(view));
    const truth = JSON.stringify(online.map((view) => view.userId).sort());
    await until(() =>
      online.every(
        (view) =>
          JSON.stringify([...view.users.keys()].sort()) === truth && view.count === online.length,
      ),
    );
    for (const view of online) {
      expect(view.users.get(renamed!.userId)).toBe('Renamed in a batch');
      expect(view.users.size).toBe(online.length);
      expect(view.count).toBe(online.length);
    }

    // Batching clients heard of the others in batches, not one event per person ...
    // (one each for itself and those who came while the room was below the threshold)
    expect(batched.events('user_joined').length).toBeLessThanOrEqual(THRESHOLD);
    const batches = batched.events('presence_changed');
    expect(batches.length).toBeGreaterThan(0);
    expect(batches.length).toBeLessThan(storm.length + leaving.length);
    // The tutorial's client got the tutorial's events, never `presence_changed`.
    expect(seed.events('presence_changed')).toEqual([]);
    expect(seed.events('user_joined').length).toBeGreaterThan(1);
  });

  it('cancels out a join and a leave within one window', async () => {
    await chat.start({
      PRESENCE_BATCH_THRESHOLD: '3',
      PRESENCE_BATCH_MS: '1000',
      PRESENCE_GRACE_MS: '0',
    });
    const batched = await connect(true);
    const seed = await connect(false);
    const stays = await connect(true); // opens a window
    const blink = await connect(false);
    blink.socket.disconnect();

    await until(() => batched.users.has(stays.userId) && seed.users.has(stays.userId), 3000);
    const heardOf = (view: OnlineView) => JSON.stringify(view.seen).includes(blink.userId);
    expect([batched, seed, stays].filter(heardOf)).toEqual([]);
    expect(batched.events('presence_changed')).toEqual([
      { joined: [expect.objectContaining({ user_id: stays.userId })], left: [], count: 3 },
    ]);
  });

  it('announces the leave of a newcomer whom a user_list named within the same window', async () => {
    await chat.start({
      PRESENCE_BATCH_THRESHOLD: '3',
      PRESENCE_BATCH_MS: '600',
      PRESENCE_GRACE_MS: '0',
    });
    const ada = await connect(true);
    await connect(false);
    await connect(true);
    const blink = await connect(true); // opens a window
    // A rename makes the next newcomer's list a fresh one, which names `blink`.
    await request(ada.socket, 'update_username', { username: 'Ada' });
    const late = await connect(true);
    const lateSeed = await connect(false);
    expect(late.users.has(blink.userId)).toBe(true);
    expect(lateSeed.users.has(blink.userId)).toBe(true);
    blink.socket.disconnect();

    await until(() => !late.users.has(blink.userId) && !lateSeed.users.has(blink.userId), 3000);
    expect(late.count).toBe(5);
  });

  it('tells a newcomer of its own join on its own socket, not its tabs in other rooms', async () => {
    await chat.start({ PRESENCE_BATCH_THRESHOLD: '2', PRESENCE_BATCH_MS: '100' });
    const elsewhere = await connect(true, { room: 'games' });
    const session = elsewhere.events('set_username')[0] as { session: string };
    await connect(true);
    const newcomer = await connect(false, { session: session.session });
    // The same session, under the id it has in this room (ids differ from room to room).
    expect(newcomer.userId).not.toBe(elsewhere.userId);
    expect(newcomer.events('user_joined')).toEqual([
      expect.objectContaining({ user_id: newcomer.userId }),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(elsewhere.events('user_joined')).toHaveLength(1); // its own, in games
  });

  it('names at most USER_LIST_LIMIT people in user_list, with the whole count', async () => {
    await chat.start({
      USER_LIST_LIMIT: '3',
      PRESENCE_BATCH_THRESHOLD: '2',
      PRESENCE_BATCH_MS: '50',
    });
    const first = await connect(true);
    const early = [first];
    for (let i = 0; i < 3; i++) {
      early.push(await connect(true));
    }
    await until(() => first.count === 4);
    // Names that sort before every `User_NNNN`, so a newcomer is never among the first three.
    for (const [i, client] of early.entries()) {
      const ack = await request(client.socket, 'update_username', { username: `Aa ${i}` });
      expect(ack.ok).toBe(true);
    }
    const newcomer = await connect(true);
    const list = newcomer.events('user_list')[0] as {
      users: Array<{ user_id: string; username: string }>;
      count: number;
    };
    expect(list).toMatchObject({ count: 5, truncated: true });
    // The first names, and the newcomer itself, whatever its name.
    expect(list.users.map(({ username }) => username)).toEqual([
      'Aa 0',
      'Aa 1',
      expect.stringMatching(/^User_\d{4}$/),
    ]);
    expect(list.users[2]?.user_id).toBe(newcomer.userId);
  });

  it('announces every change at once in rooms below the threshold', async () => {
    await chat.start({ PRESENCE_BATCH_THRESHOLD: '50', PRESENCE_BATCH_MS: '5000' });
    const watcher = await connect(true);
    const newcomer = await connect(true);
    await until(() => watcher.events('user_joined').length === 2, 1000);
    expect(watcher.users.has(newcomer.userId)).toBe(true);
    expect(watcher.events('presence_changed')).toEqual([]);
  });
});
