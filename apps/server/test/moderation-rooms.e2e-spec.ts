import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ErrorCode } from '@parley/protocol';
import { io } from 'socket.io-client';

import {
  chatHarness,
  join,
  type Joined,
  record,
  request,
  settle,
  startApp,
  waitFor,
} from './support/chat-test-app.js';
import { startTwoNodes, type TwoNodes } from './support/two-nodes.js';

/**
 * A room's settings, lock and invite, reports, the audit log and the owner's recovery code, on
 * one node; then roles, bans and mutes across two nodes, and roles across a restart (issue #13).
 */
describe('moderation: the room itself (real app, real sockets)', () => {
  const chat = chatHarness();
  const inRoom = (room = 'den', session?: string) =>
    chat.joined({ auth: { room, ...(session ? { session } : {}) } });

  it('sets the topic and slow mode: the room hears room_updated, newcomers get it after set_username', async () => {
    await chat.start();
    const owner = await inRoom();
    const member = await inRoom();
    const heard = waitFor(member.socket, 'room_updated');
    expect(
      await request(owner.socket, 'update_room', {
        topic: 'Board games on Friday',
        slow_mode_s: 30,
      }),
    ).toEqual({
      ok: true,
      room: { topic: 'Board games on Friday', slow_mode_s: 30, locked: false },
    });
    expect(await heard).toEqual({
      topic: 'Board games on Friday',
      slow_mode_s: 30,
      locked: false,
      by: owner.userId,
      by_username: owner.username,
    });
    // Slow mode: one message per 30 s for members; the owner is exempt.
    expect(await request(member.socket, 'send_message', { message: 'one' })).toMatchObject({
      ok: true,
    });
    const second = await request(member.socket, 'send_message', { message: 'two' });
    expect(second).toMatchObject({ ok: false, error: ErrorCode.SlowMode });
    expect(second.ok === false && second.retry_after).toBeGreaterThan(25_000);
    for (const text of ['a', 'b']) {
      expect(await request(owner.socket, 'send_message', { message: text })).toMatchObject({
        ok: true,
      });
    }
    // A member cannot change the room; nothing is broadcast.
    const seen = record(owner.socket);
    expect(await request(member.socket, 'update_room', { topic: 'mine now' })).toMatchObject({
      ok: false,
      error: ErrorCode.NotAllowed,
    });
    expect(await request(owner.socket, 'update_room', {})).toMatchObject({
      error: ErrorCode.InvalidPayload,
    });
    await settle(owner.socket);
    expect(seen).toEqual([]);
    const newcomer = chat.track(
      io(chat.url, { transports: ['websocket'], forceNew: true, auth: { room: 'den' } }),
    );
    const order: string[] = [];
    newcomer.onAny((event: string) => order.push(event));
    expect(await waitFor(newcomer, 'room_updated')).toMatchObject({
      topic: 'Board games on Friday',
    });
    expect(order.indexOf('set_username')).toBeLessThan(order.indexOf('room_updated'));
  });

  it('locks the room: no invite, no entry; the invite lets in, and once in, a reload needs none', async () => {
    await chat.start();
    const owner = await inRoom();
    const locked = await request(owner.socket, 'update_room', { locked: true });
    expect(locked).toMatchObject({ ok: true, room: { locked: true } });
    const invite = await request(owner.socket, 'room_invite', {});
    expect(invite).toMatchObject({ ok: true, invite: expect.stringMatching(/^[\w-]{20,}$/) });
    const refused = await chat.refused({ auth: { room: 'den' } });
    expect(refused.message).toBe(ErrorCode.RoomLocked);
    const invited = await chat.joined({
      auth: { room: 'den', invite: invite.ok ? invite.invite : '' },
    });
    // Its pass holds after a reload without the invite.
    await inRoom('den', invited.session);
    // Rotating makes the old link useless.
    const rotated = await request(owner.socket, 'room_invite', { rotate: true });
    expect(rotated.ok && invite.ok && rotated.invite !== invite.invite).toBe(true);
    const stale = await chat.refused({
      auth: { room: 'den', invite: invite.ok ? invite.invite : '' },
    });
    expect(stale.message).toBe(ErrorCode.RoomLocked);
    expect(await request(invited.socket, 'room_invite', {})).toMatchObject({
      error: ErrorCode.NotAllowed,
    });
  });

  it('sends a report to the moderators present at once, keeps it for later ones, and resolves it', async () => {
    await chat.start();
    const owner = await inRoom();
    const author = await inRoom();
    const reporter = await inRoom();
    const sent = await request(author.socket, 'send_message', { message: 'buy cheap pills' });
    const id = sent.ok ? sent.id : 0;
    const toOwner = waitFor(owner.socket, 'message_reported');
    const heardByAuthor = record(author.socket);
    const filed = await request(reporter.socket, 'report_message', { id, reason: 'spam' });
    expect(filed).toMatchObject({ ok: true, report_id: expect.any(Number) });
    expect(await toOwner).toMatchObject({
      id,
      message: 'buy cheap pills',
      author_user_id: author.userId,
      reporter_user_id: reporter.userId,
      reason: 'spam',
    });
    await settle(author.socket);
    expect(heardByAuthor).toEqual([]);
    // Twice is once; one's own message and a missing one are refused.
    expect(await request(reporter.socket, 'report_message', { id })).toEqual(filed);
    expect(await request(author.socket, 'report_message', { id })).toMatchObject({
      error: ErrorCode.NotAllowed,
    });
    expect(await request(reporter.socket, 'report_message', { id: 999 })).toMatchObject({
      error: ErrorCode.MessageNotFound,
    });
    // A moderator made later finds it in the list.
    await request(owner.socket, 'set_role', { user_id: reporter.userId, role: 'moderator' });
    const list = await request(reporter.socket, 'list_reports', {});
    expect(list).toMatchObject({
      ok: true,
      has_more: false,
      reports: [expect.objectContaining({ id })],
    });
    expect(await request(author.socket, 'list_reports', {})).toMatchObject({
      error: ErrorCode.NotAllowed,
    });
    const reportId = filed.ok ? filed.report_id : 0;
    const resolved = waitFor(owner.socket, 'report_resolved');
    expect(await request(reporter.socket, 'resolve_report', { report_id: reportId })).toEqual({
      ok: true,
      report_id: reportId,
    });
    expect(await resolved).toEqual({ report_id: reportId });
    expect(await request(owner.socket, 'list_reports', {})).toMatchObject({ reports: [] });
    expect(await request(owner.socket, 'resolve_report', { report_id: reportId })).toMatchObject({
      error: ErrorCode.ReportNotFound,
    });
  });

  it('keeps an audit log, newest first, for owners and moderators only', async () => {
    await chat.start();
    const owner = await inRoom();
    const member = await inRoom();
    await request(owner.socket, 'update_room', { topic: 'hello' });
    await request(owner.socket, 'moderate', {
      action: 'mute',
      user_id: member.userId,
      reason: 'calm',
    });
    const log = await request(owner.socket, 'list_audit', {});
    expect(log).toMatchObject({
      ok: true,
      has_more: false,
      entries: [
        expect.objectContaining({
          action: 'mute',
          user_id: member.userId,
          reason: 'calm',
          by: owner.userId,
        }),
        expect.objectContaining({ action: 'room_updated', detail: 'topic “hello”' }),
      ],
    });
    expect(await request(member.socket, 'list_audit', {})).toMatchObject({
      error: ErrorCode.NotAllowed,
    });
    expect(await request(owner.socket, 'list_audit', { before: 'x' })).toMatchObject({
      error: ErrorCode.InvalidPayload,
    });
  });

  it('restores ownership on another browser with the recovery code, once', async () => {
    await chat.start();
    const owner = await inRoom();
    const other = await inRoom();
    const code = await request(owner.socket, 'recovery_code', {});
    expect(code).toMatchObject({ ok: true, code: expect.any(String) });
    expect(await request(other.socket, 'recovery_code', {})).toMatchObject({
      error: ErrorCode.NotAllowed,
    });
    const laptop = await inRoom();
    expect(await request(laptop.socket, 'claim_ownership', { code: 'guess' })).toMatchObject({
      error: ErrorCode.NotAllowed,
    });
    const heard = record(other.socket);
    expect(
      await request(laptop.socket, 'claim_ownership', { code: code.ok ? code.code : '' }),
    ).toEqual({ ok: true, role: 'owner' });
    await settle(other.socket);
    expect(heard.map(([, payload]) => payload)).toEqual([
      expect.objectContaining({ action: 'role', user_id: owner.userId }),
      expect.objectContaining({ action: 'role', user_id: laptop.userId, role: 'owner' }),
    ]);
    expect(heard[0]?.[1]).not.toHaveProperty('role');
    // Used up.
    expect(
      await request(other.socket, 'claim_ownership', { code: code.ok ? code.code : '' }),
    ).toMatchObject({ error: ErrorCode.NotAllowed });
  });
});

describe('moderation survives a restart (SQLite file)', () => {
  it('keeps the owner and the moderators', async () => {
    const dataDir = mkdtempSync(joinPath(tmpdir(), 'parley-moderation-'));
    try {
      let node = await startApp({ DATA_DIR: dataDir });
      const owner = await join(node.url, { auth: { room: 'den' } });
      const mod = await join(node.url, { auth: { room: 'den' } });
      await request(owner.socket, 'set_role', { user_id: mod.userId, role: 'moderator' });
      owner.socket.disconnect();
      mod.socket.disconnect();
      await node.app.close();
      node = await startApp({ DATA_DIR: dataDir });
      const list = join(node.url, { auth: { room: 'den', session: mod.session } });
      const back = await join(node.url, { auth: { room: 'den', session: owner.session } });
      expect(await request(back.socket, 'update_room', { topic: 'still mine' })).toMatchObject({
        ok: true,
      });
      const modBack = await list;
      expect(await request(modBack.socket, 'list_bans', {})).toEqual({ ok: true, bans: [] });
      back.socket.disconnect();
      modBack.socket.disconnect();
      await node.app.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('moderation across two nodes (Redis + PostgreSQL)', () => {
  let nodes: TwoNodes;
  const sockets: Joined[] = [];
  const on = async (node: number, auth: Record<string, string>) => {
    const joined = await join(nodes.urls[node] ?? '', { auth });
    sockets.push(joined);
    return joined;
  };

  beforeAll(async () => {
    nodes = await startTwoNodes();
  }, 30_000);
  afterAll(async () => {
    for (const { socket } of sockets) {
      socket.disconnect();
    }
    await nodes.close();
  });

  it('a ban on node A holds on node B, a mute too, and roles show on both', async () => {
    const owner = await on(0, { room: 'den' });
    const troll = await on(1, { room: 'den' });
    const watcher = await on(1, { room: 'den' });
    const muted = waitFor(watcher.socket, 'member_moderated');
    expect(
      await request(owner.socket, 'moderate', { action: 'mute', user_id: troll.userId }),
    ).toMatchObject({ ok: true });
    await muted;
    // Node B learns of the mute through Redis (at once) or the audit log (within 2 s).
    let refused = await request(troll.socket, 'send_message', { message: 'hi' });
    for (let tries = 0; refused.ok && tries < 30; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      refused = await request(troll.socket, 'send_message', { message: 'hi' });
    }
    expect(refused).toMatchObject({ ok: false, error: ErrorCode.Muted });

    const gone = new Promise((resolve) => troll.socket.once('disconnect', resolve));
    expect(
      await request(owner.socket, 'moderate', { action: 'ban', user_id: troll.userId }),
    ).toMatchObject({ ok: true, by_address: true });
    expect(await gone).toBe('io server disconnect');
    const again = io(nodes.urls[1] ?? '', {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      auth: { room: 'den', session: troll.session },
    });
    const error = await new Promise<Error & { data?: unknown }>((resolve) =>
      again.once('connect_error', resolve),
    );
    again.disconnect();
    expect(error.message).toBe(ErrorCode.Banned);
    expect(error.data).not.toHaveProperty('until');

    // The owner, from the banned address too (roles are exempt from address bans), sees roles on B.
    const roster = io(nodes.urls[1] ?? '', {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      auth: { room: 'den', session: owner.session },
    });
    const users = await waitFor(roster, 'user_list');
    roster.disconnect();
    expect(users.users).toContainEqual(
      expect.objectContaining({ user_id: owner.userId, role: 'owner' }),
    );
  });
});
