import { describe, expect, it } from '@jest/globals';
import { ErrorCode } from '@parley/protocol';
import { io } from 'socket.io-client';

import {
  chatHarness,
  emitRaw,
  type Joined,
  record,
  request,
  settle,
  waitFor,
} from './support/chat-test-app.js';

/**
 * Owners and moderators acting on people (issue #13): who may do what to whom, what the room
 * hears, what the person acted on can still do, and that a refusal broadcasts nothing.
 */
describe('moderation: roles and powers over people (real app, real sockets)', () => {
  const chat = chatHarness({ KICK_COOLDOWN_S: '1', TRUST_PROXY: 'true' });
  /** A person in `room` connecting from `address` (through the trusted proxy header). */
  const person = (room: string, address = '198.51.100.1', session?: string) =>
    chat.joined({
      auth: { room, ...(session ? { session } : {}) },
      extraHeaders: { 'x-forwarded-for': address },
    });

  /** The owner (first in), a troublemaker and a bystander, each from its own address. */
  async function room(name = 'den'): Promise<{ owner: Joined; troll: Joined; other: Joined }> {
    await chat.start();
    const owner = await person(name, '198.51.100.1');
    const troll = await person(name, '198.51.100.2');
    const other = await person(name, '198.51.100.3');
    return { owner, troll, other };
  }

  it('makes the first person in a new room its owner, nobody the owner of the lobby', async () => {
    await chat.start();
    const named = await person('den');
    const joining = chat.track(
      io(chat.url, {
        transports: ['websocket'],
        forceNew: true,
        reconnection: false,
        auth: { room: 'den' },
      }),
    );
    expect((await waitFor(joining, 'user_list')).users).toContainEqual(
      expect.objectContaining({ user_id: named.userId, role: 'owner' }),
    );
    const lobby = await person('lobby');
    const roles = record(lobby.socket);
    expect(await request(lobby.socket, 'update_room', { topic: 'mine' })).toMatchObject({
      ok: false,
      error: ErrorCode.NotAllowed,
    });
    await settle(lobby.socket);
    expect(roles).toEqual([]);
  });

  it('tells the owner its role in set_username, and nobody else', async () => {
    await chat.start();
    const connect = (address: string) =>
      chat.track(
        io(chat.url, {
          transports: ['websocket'],
          forceNew: true,
          reconnection: false,
          auth: { room: 'den' },
          extraHeaders: { 'x-forwarded-for': address },
        }),
      );
    expect(await waitFor(connect('198.51.100.1'), 'set_username')).toMatchObject({
      role: 'owner',
    });
    expect(await waitFor(connect('198.51.100.2'), 'set_username')).not.toHaveProperty('role');
  });

  it('mutes: the room hears it, the muted person’s sends are refused with retry_after, nothing is broadcast', async () => {
    const { owner, troll, other } = await room();
    const heard = waitFor(other.socket, 'member_moderated');
    const ack = await request(owner.socket, 'moderate', {
      action: 'mute',
      user_id: troll.userId,
      duration_s: 60,
      reason: 'spam',
    });
    expect(ack).toMatchObject({ ok: true, action: 'mute', user_id: troll.userId });
    expect(await heard).toMatchObject({
      action: 'mute',
      user_id: troll.userId,
      username: troll.username,
      by: owner.userId,
      reason: 'spam',
    });
    const seen = record(other.socket);
    const refused = await request(troll.socket, 'send_message', { message: 'still here' });
    expect(refused).toMatchObject({ ok: false, error: ErrorCode.Muted });
    expect(refused.ok === false && refused.retry_after).toBeGreaterThan(55_000);
    expect(await request(troll.socket, 'edit_message', { id: 1, message: 'x' })).toMatchObject({
      error: ErrorCode.Muted,
    });
    await settle(other.socket);
    expect(seen.filter(([event]) => event === 'new_message')).toEqual([]);

    expect(
      await request(owner.socket, 'moderate', { action: 'unmute', user_id: troll.userId }),
    ).toMatchObject({ ok: true });
    expect(await request(troll.socket, 'send_message', { message: 'sorry' })).toMatchObject({
      ok: true,
    });
  });

  it('refuses people without a role, and anyone acting on an equal or higher role', async () => {
    const { owner, troll, other } = await room();
    const heard = record(other.socket);
    for (const action of ['mute', 'kick', 'ban'] as const) {
      expect(
        await request(troll.socket, 'moderate', { action, user_id: owner.userId }),
      ).toMatchObject({ ok: false, error: ErrorCode.NotAllowed });
    }
    expect(
      await request(owner.socket, 'set_role', { user_id: other.userId, role: 'moderator' }),
    ).toMatchObject({ ok: true, role: 'moderator' });
    expect(
      await request(owner.socket, 'set_role', { user_id: troll.userId, role: 'moderator' }),
    ).toMatchObject({ ok: true });
    // Moderator on moderator, moderator on owner: refused.
    expect(
      await request(other.socket, 'moderate', { action: 'mute', user_id: troll.userId }),
    ).toMatchObject({ ok: false, error: ErrorCode.NotAllowed });
    expect(
      await request(other.socket, 'moderate', { action: 'kick', user_id: owner.userId }),
    ).toMatchObject({ ok: false, error: ErrorCode.NotAllowed });
    // Only the owner hands out roles.
    expect(
      await request(other.socket, 'set_role', { user_id: troll.userId, role: null }),
    ).toMatchObject({ ok: false, error: ErrorCode.NotAllowed });
    await settle(other.socket);
    const moderated = heard.filter(([event]) => event === 'member_moderated');
    expect(moderated.map(([, payload]) => payload)).toEqual([
      expect.objectContaining({ action: 'role', user_id: other.userId, role: 'moderator' }),
      expect.objectContaining({ action: 'role', user_id: troll.userId, role: 'moderator' }),
    ]);
  });

  it('kicks: the person hears why, is disconnected, and may come back after the cool-down', async () => {
    const { owner, troll, other } = await room();
    const told = waitFor(troll.socket, 'member_moderated');
    const gone = new Promise((resolve) => troll.socket.once('disconnect', resolve));
    expect(
      await request(owner.socket, 'moderate', {
        action: 'kick',
        user_id: troll.userId,
        reason: 'cool off',
      }),
    ).toMatchObject({ ok: true, action: 'kick' });
    expect(await told).toMatchObject({ action: 'kick', user_id: troll.userId, reason: 'cool off' });
    expect(await gone).toBe('io server disconnect');
    const back = await chat.refused({
      auth: { room: 'den', session: troll.session },
      extraHeaders: { 'x-forwarded-for': '198.51.100.2' },
    });
    expect(back.message).toBe(ErrorCode.Kicked);
    expect(back.data).toMatchObject({ error: ErrorCode.Kicked, retry_after: expect.any(Number) });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const returned = await person('den', '198.51.100.2', troll.session);
    expect(returned.userId).toBe(troll.userId);
    void other;
  });

  it('bans by session and by address: a fresh browser from the same place is refused, others not', async () => {
    const { owner, troll } = await room();
    const gone = new Promise((resolve) => troll.socket.once('disconnect', resolve));
    const ack = await request(owner.socket, 'moderate', {
      action: 'ban',
      user_id: troll.userId,
      duration_s: 3600,
      reason: 'slurs',
    });
    expect(ack).toMatchObject({
      ok: true,
      action: 'ban',
      by_address: true,
      until: expect.any(Number),
    });
    await gone;
    const again = await chat.refused({
      auth: { room: 'den', session: troll.session },
      extraHeaders: { 'x-forwarded-for': '198.51.100.77' },
    });
    expect(again.message).toBe(ErrorCode.Banned);
    expect(again.data).toMatchObject({
      error: ErrorCode.Banned,
      until: expect.any(Number),
      reason: 'slurs',
    });
    const freshBrowser = await chat.refused({
      auth: { room: 'den' },
      extraHeaders: { 'x-forwarded-for': '198.51.100.2' },
    });
    expect(freshBrowser.message).toBe(ErrorCode.Banned);
    // Other rooms are not this room's to close; other places still come in.
    await person('elsewhere', '198.51.100.2', troll.session);
    await person('den', '198.51.100.40');

    const bans = await request(owner.socket, 'list_bans', {});
    expect(bans).toMatchObject({
      ok: true,
      bans: [expect.objectContaining({ user_id: troll.userId, reason: 'slurs', by_address: true })],
    });
    expect(
      await request(owner.socket, 'moderate', { action: 'unban', user_id: troll.userId }),
    ).toMatchObject({ ok: true });
    expect((await request(owner.socket, 'list_bans', {})).ok && true).toBe(true);
    await person('den', '198.51.100.2', troll.session);
  });

  it('removes anyone’s message and cleans up someone’s last messages; authors cannot remove a moderator’s', async () => {
    const { owner, troll, other } = await room();
    const ids: number[] = [];
    for (const text of ['one', 'two', 'three']) {
      const sent = await request(troll.socket, 'send_message', { message: text });
      if (sent.ok) {
        ids.push(sent.id);
      }
    }
    const mine = await request(owner.socket, 'send_message', { message: 'rules' });
    const heard = record(other.socket);
    expect(await request(owner.socket, 'delete_message', { id: ids[0] })).toMatchObject({
      ok: true,
    });
    expect(
      await request(troll.socket, 'delete_message', { id: mine.ok ? mine.id : 0 }),
    ).toMatchObject({ ok: false, error: ErrorCode.NotAllowed });
    const cleaned = await request(owner.socket, 'moderate', {
      action: 'clean_up',
      user_id: troll.userId,
      count: 5,
    });
    expect(cleaned).toMatchObject({ ok: true, ids: [ids[1], ids[2]] });
    await settle(other.socket);
    expect(heard.filter(([event]) => event === 'message_deleted').map(([, p]) => p)).toEqual([
      { id: ids[0], removed: true },
      { id: ids[1], removed: true },
      { id: ids[2], removed: true },
    ]);
    expect(heard).toContainEqual([
      'member_moderated',
      expect.objectContaining({ action: 'clean_up', count: 2 }),
    ]);
    const newcomer = await person('den', '198.51.100.50');
    const tombstones = newcomer.history.messages.filter((message) => message.removed);
    expect(tombstones.map((message) => [message.id, message.message, message.deleted])).toEqual([
      [ids[0], '', true],
      [ids[1], '', true],
      [ids[2], '', true],
    ]);
  });

  it('refuses malformed requests with invalid_payload and broadcasts nothing', async () => {
    const { owner, troll, other } = await room();
    const heard = record(other.socket);
    for (const payload of [
      null,
      'ban',
      { action: 'ban' },
      { action: 'explode', user_id: troll.userId },
      { action: 'mute', user_id: troll.userId, duration_s: -5 },
      { action: 'clean_up', user_id: troll.userId, count: 1000 },
    ]) {
      expect(await request(owner.socket, 'moderate', payload)).toMatchObject({
        ok: false,
        error: ErrorCode.InvalidPayload,
      });
    }
    expect(
      await request(owner.socket, 'moderate', { action: 'mute', user_id: 'nobody-here' }),
    ).toMatchObject({ ok: false, error: ErrorCode.UserNotFound });
    // A tutorial-era client (no ack) hears the refusal alone.
    const refusal = waitFor(troll.socket, 'request_refused');
    emitRaw(troll.socket, 'moderate', { action: 'ban', user_id: owner.userId });
    expect(await refusal).toMatchObject({ event: 'moderate', error: ErrorCode.NotAllowed });
    await settle(other.socket);
    expect(heard).toEqual([]);
  });
});
