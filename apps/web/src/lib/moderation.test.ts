import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { summarize } from './notice-runs';
import { chatFixture } from './testing/chat-fixture';
import { settle, wireMessage } from './testing/fake-socket';
import type { TimelineItem } from './timeline-items';

/** The notices' lines, in order. */
const noticeLines = (items: readonly TimelineItem[]) =>
  items.flatMap((item) =>
    item.kind === 'notices'
      ? [
          summarize(item)
            .map((segment) => segment.text)
            .join(' · '),
        ]
      : [],
  );

const NOW = new Date(2026, 10, 28, 12).getTime();

describe('Moderation', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(NOW);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('knows everyone’s role from the list, joins, batches, my name and announcements', () => {
    const { chat, socket, join } = chatFixture();
    join();
    socket.fire('user_list', {
      users: [
        { username: 'Me', avatar: '', user_id: 'me' },
        { username: 'Ada', avatar: '', user_id: 'ada', role: 'owner' },
      ],
    });
    socket.fire('user_joined', { username: 'Bo', avatar: '', user_id: 'bo', role: 'moderator' });
    socket.fire('presence_changed', {
      joined: [{ username: 'Cy', avatar: '', user_id: 'cy', role: 'moderator' }],
      left: [],
      count: 4,
    });
    const m = chat.moderation;
    expect([m.roleOf('ada'), m.roleOf('bo'), m.roleOf('cy'), m.myRole]).toEqual([
      'owner',
      'moderator',
      'moderator',
      undefined,
    ]);
    expect(m.canModerate).toBe(false);
    socket.fire('member_moderated', {
      action: 'role',
      user_id: 'me',
      username: 'Me',
      by: 'ada',
      by_username: 'Ada',
      role: 'moderator',
    });
    expect(m.myRole).toBe('moderator');
    expect(m.canModerate).toBe(true);
    // A moderator outranks members only.
    expect([m.outranks('dee'), m.outranks('bo'), m.outranks('ada'), m.outranks('me')]).toEqual([
      true,
      false,
      false,
      false,
    ]);
    expect(noticeLines(chat.timeline.items)).toEqual(['Bo joined', 'Ada made you a moderator']);
    // Becoming a moderator asks for the open reports.
    expect(socket.next('list_reports').payload).toEqual({});
  });

  it('takes my role from set_username and loads the report queue, which follows the room', async () => {
    const { chat, socket } = chatFixture();
    chat.connect();
    socket.open();
    socket.fire('set_username', { username: 'Me', avatar: '', user_id: 'me', role: 'owner' });
    expect(chat.moderation.isOwner).toBe(true);
    const report = (id: number) => ({
      report_id: id,
      id: 10 + id,
      message: 'rude',
      author_user_id: 'bo',
      author_username: 'Bo',
      reporter_user_id: 'cy',
      reporter_username: 'Cy',
      ts: NOW,
    });
    socket
      .next('list_reports')
      .answer({ ok: true, reports: [report(2), report(1)], has_more: false });
    await settle();
    socket.fire('message_reported', report(3));
    expect(chat.moderation.reports.map((r) => r.report_id)).toEqual([3, 2, 1]);
    socket.fire('report_resolved', { report_id: 2 });
    expect(chat.moderation.reports.map((r) => r.report_id)).toEqual([3, 1]);
    const resolving = chat.moderation.resolveReport(3);
    expect(socket.next('resolve_report').payload).toEqual({ report_id: 3 });
    // Someone else resolved it first: it goes from the queue all the same.
    socket.requests.length = 0;
    await settle();
    void resolving;
  });

  it('announces room changes in the timeline, but not a newcomer’s copy', () => {
    const { chat, socket, join } = chatFixture();
    join([wireMessage(1)]);
    socket.fire('room_updated', { topic: 'Rust', slow_mode_s: 0, locked: false });
    expect(chat.moderation.settings.topic).toBe('Rust');
    expect(noticeLines(chat.timeline.items)).toEqual([]);
    socket.fire('room_updated', {
      topic: 'Rust and Go',
      slow_mode_s: 30,
      locked: true,
      by: 'ada',
      by_username: 'Ada',
    });
    expect(noticeLines(chat.timeline.items)).toEqual([
      'Ada set the topic: Rust and Go',
      'Ada turned on slow mode: one message every 30 s',
      'Ada locked the room: only people with an invite link can come in',
    ]);
  });

  it('forgets settings that changed while I was away: a new connection starts from the defaults', () => {
    const { chat, socket, join } = chatFixture();
    join([wireMessage(1)]);
    socket.fire('room_updated', { topic: 'Rust', slow_mode_s: 30, locked: false });
    // Reconnected after the topic and slow mode were cleared: no room_updated comes.
    join([wireMessage(1)]);
    expect(chat.moderation.settings).toEqual({ topic: '', slow_mode_s: 0, locked: false });
    expect(noticeLines(chat.timeline.items)).toEqual([]);
  });

  it('announces actions on people, with how long and why', () => {
    const { chat, socket, join } = chatFixture();
    join([wireMessage(1)]);
    socket.fire('member_moderated', {
      action: 'mute',
      user_id: 'bo',
      username: 'Bo',
      by: 'ada',
      by_username: 'Ada',
      until: NOW + 10 * 60_000,
      reason: 'spam',
    });
    socket.fire('member_moderated', {
      action: 'ban',
      user_id: 'cy',
      username: 'Cy',
      by: 'ada',
      by_username: 'Ada',
    });
    socket.fire('member_moderated', {
      action: 'clean_up',
      user_id: 'cy',
      username: 'Cy',
      by: 'me',
      by_username: 'Me',
      count: 5,
    });
    expect(noticeLines(chat.timeline.items)).toEqual([
      'Ada muted Bo for 10 min: spam',
      'Ada banned Cy for good',
      'You removed 5 messages by Cy',
    ]);
  });

  it('a mute about me disables sending with a countdown; unmute lifts it', () => {
    const { chat, socket, join } = chatFixture();
    join();
    socket.fire('member_moderated', {
      action: 'mute',
      user_id: 'me',
      by: 'ada',
      by_username: 'Ada',
      until: NOW + 5 * 60_000,
    });
    expect(chat.moderation.mutedFor).toBe(5 * 60_000);
    vi.advanceTimersByTime(60_000);
    expect(chat.moderation.mutedFor).toBe(4 * 60_000);
    expect(noticeLines(chat.timeline.items)).toEqual(['Ada muted you for 5 min']);
    socket.fire('member_moderated', {
      action: 'unmute',
      user_id: 'me',
      by: 'ada',
      by_username: 'Ada',
    });
    expect(chat.moderation.mutedFor).toBe(0);
  });

  it('a send refused as muted fails with the reason and starts the countdown; slow mode waits', async () => {
    const { chat, socket, join } = chatFixture();
    join();
    chat.outbox.send('hello');
    socket.next('send_message').answer({
      ok: false,
      error: 'muted',
      message: 'A moderator muted you in this room for now.',
      retry_after: 60_000,
      until: NOW + 60_000,
    });
    await settle();
    expect(chat.outbox.unsent[0]?.status).toBe('failed');
    expect(chat.moderation.mutedUntil).toBe(NOW + 60_000);

    vi.advanceTimersByTime(61_000);
    expect(chat.moderation.mutedFor).toBe(0);
    chat.outbox.send('again');
    socket.next('send_message').answer({
      ok: false,
      error: 'slow_mode',
      message: 'Slow mode is on.',
      retry_after: 20_000,
    });
    await settle();
    // Held, not failed: it goes again by itself once the wait is over.
    const again = chat.outbox.unsent.find((item) => item.text === 'again');
    expect(again?.status).toBe('pending');
    expect(chat.moderation.slowFor).toBe(20_000);
    vi.advanceTimersByTime(20_000);
    expect(socket.next('send_message').payload.message).toBe('again');
  });

  it('in slow mode, a stored message of mine starts the wait for the next (not for moderators)', async () => {
    const { chat, socket, join } = chatFixture();
    join();
    socket.fire('room_updated', { topic: '', slow_mode_s: 30, locked: false });
    chat.outbox.send('one');
    // Its new_message comes back before the ack (the usual order): the wait starts all the same.
    socket.fire('new_message', wireMessage(1, { user_id: 'me', client_id: 'c1', message: 'one' }));
    socket.next('send_message').answer({ ok: true, id: 1, ts: NOW });
    await settle();
    expect(chat.moderation.slowFor).toBe(30_000);
    socket.fire('room_updated', { topic: '', slow_mode_s: 0, locked: false, by: 'ada' });
    expect(chat.moderation.slowFor).toBe(0);
  });

  it('a kick about me shows why and, after the server closes us, how long to wait', () => {
    const { chat, socket, join } = chatFixture();
    join();
    socket.fire('member_moderated', {
      action: 'kick',
      user_id: 'me',
      by: 'ada',
      by_username: 'Ada',
      reason: 'calm down',
    });
    expect(chat.moderation.exclusion).toEqual({
      kind: 'kicked',
      retryAt: null,
      reason: 'calm down',
      by: 'Ada',
    });
    socket.drop('io server disconnect');
    // One try after the server closed us: the handshake says how long the cool-down lasts.
    vi.advanceTimersByTime(1000);
    expect(socket.active).toBe(true);
    socket.refuse('kicked', { error: 'kicked', message: 'Kicked', retry_after: 30_000 });
    expect(chat.moderation.exclusion).toEqual({
      kind: 'kicked',
      retryAt: NOW + 1000 + 30_000,
      reason: 'calm down',
      by: 'Ada',
    });
    // No more tries by itself: the page offers the way back.
    vi.advanceTimersByTime(60_000);
    expect(socket.active).toBe(false);
    chat.rejoin();
    expect(chat.moderation.exclusion).toBeNull();
    expect(socket.active).toBe(true);
  });

  it('a ban refused at the handshake says until when (absent: for good)', () => {
    const { chat, socket } = chatFixture();
    chat.connect();
    socket.refuse('banned', { error: 'banned', message: 'Banned', until: NOW + 3600_000 });
    expect(chat.moderation.exclusion).toEqual({
      kind: 'banned',
      until: NOW + 3600_000,
      reason: '',
      by: '',
    });
    expect(chat.connection.state).toBe('offline');
  });

  it('a ban refused after a reload still says why: the refusal carries the reason', () => {
    const { chat, socket } = chatFixture();
    chat.connect();
    socket.refuse('banned', { error: 'banned', message: 'Banned', reason: 'slurs' });
    expect(chat.moderation.exclusion).toMatchObject({
      kind: 'banned',
      until: null,
      reason: 'slurs',
    });
  });

  it('sends the kept invite in the handshake, and forgets one a locked room refuses', () => {
    const { chat, socket, kept } = chatFixture({ invite: 'abc' });
    chat.connect();
    expect(socket.handshake().invite).toBe('abc');
    socket.refuse('room_locked', { error: 'room_locked', message: 'Locked' });
    expect(chat.moderation.exclusion).toEqual({ kind: 'locked', hadInvite: true });
    expect(kept.invite).toBeNull();
    chat.rejoin('fresh');
    expect(socket.handshake().invite).toBe('fresh');
    expect(kept.invite).toBe('fresh');
  });

  it('keeps the ignore list in storage only, and follows renames', () => {
    const { chat, socket, join, kept } = chatFixture({
      ignored: JSON.stringify([{ userId: 'bo', username: 'Bo' }]),
    });
    join();
    const list = chat.moderation.ignored;
    expect(list.has('bo')).toBe(true);
    list.ignore('cy', 'Cy');
    socket.fire('username_updated', { old_username: 'Cy', new_username: 'Cyd', user_id: 'cy' });
    expect(JSON.parse(kept.ignored ?? '[]')).toEqual([
      { userId: 'bo', username: 'Bo' },
      { userId: 'cy', username: 'Cyd' },
    ]);
    list.unignore('bo');
    expect(list.people.map((person) => person.userId)).toEqual(['cy']);
    // Never told to anyone.
    expect(socket.requests.map((request) => request.event)).toEqual([]);
    expect(socket.emitted).toEqual([]);
  });

  it('marks a message removed by a moderator, live and from history', () => {
    const { chat, socket, join } = chatFixture();
    join([wireMessage(1), wireMessage(2, { deleted: true, removed: true, message: '' })]);
    socket.fire('message_deleted', { id: 1, removed: true });
    const removed = chat.timeline.items.map((item) =>
      item.kind === 'message' ? [item.deleted, item.removed] : null,
    );
    expect(removed).toEqual([
      [true, true],
      [true, true],
    ]);
  });

  it('makes the requests with their payloads and keeps what the answers say', async () => {
    const { chat, socket, join } = chatFixture();
    join();
    socket.fire('set_username', { username: 'Me', avatar: '', user_id: 'me', role: 'owner' });
    socket.next('list_reports');
    const m = chat.moderation;
    void m.moderate({ action: 'mute', user_id: 'bo', duration_s: 300, reason: 'spam' });
    expect(socket.next('moderate').payload).toEqual({
      action: 'mute',
      user_id: 'bo',
      duration_s: 300,
      reason: 'spam',
    });
    const handing = m.setRole('bo', 'owner');
    socket.next('set_role').answer({ ok: true, user_id: 'bo', role: 'owner' });
    await handing;
    expect([m.roleOf('bo'), m.myRole]).toEqual(['owner', 'moderator']);
    const updating = m.updateRoom({ slow_mode_s: 60 });
    socket
      .next('update_room')
      .answer({ ok: true, room: { topic: '', slow_mode_s: 60, locked: false } });
    await updating;
    expect(m.settings.slow_mode_s).toBe(60);
    void m.reportMessage(7, '  ');
    expect(socket.next('report_message').payload).toEqual({ id: 7 });
    void m.listAudit(40);
    expect(socket.next('list_audit').payload).toEqual({ before: 40 });
    const claiming = m.claimOwnership(' code ');
    const claim = socket.next('claim_ownership');
    expect(claim.payload).toEqual({ code: 'code' });
    claim.answer({ ok: true, role: 'owner' });
    await claiming;
    expect(m.isOwner).toBe(true);
  });
});
