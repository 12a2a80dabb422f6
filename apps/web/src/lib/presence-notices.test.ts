import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { RECONNECT_WINDOW_MS, summarize } from './notice-runs';
import { chatFixture } from './testing/chat-fixture';
import { wireMessage } from './testing/fake-socket';
import type { TimelineItem } from './timeline-items';

/** What the list shows: a message's id, or a run's line (its segments joined by " · "). */
const shown = (items: readonly TimelineItem[]) =>
  items.map((item) =>
    item.kind === 'message'
      ? item.id
      : summarize(item)
          .map((segment) => segment.text)
          .join(' · '),
  );

describe('Presence notices', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date(2026, 10, 28, 12));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('never shows me my own join: not on the first connection, where it comes before my name', () => {
    const { chat, socket } = chatFixture();
    chat.connect();
    socket.open();
    // The room hears of me before I learn who I am.
    socket.fire('user_joined', { username: 'Me', user_id: 'me' });
    socket.fire('set_username', { username: 'Me', session: 'token', user_id: 'me' });
    socket.fire('history', { messages: [wireMessage(1)], has_more: false });
    socket.fire('user_joined', { username: 'Bo', user_id: 'bo' });
    expect(shown(chat.timeline.items)).toEqual([1, 'Bo joined']);
  });

  it('after a drop that outlasted the grace period, says "Reconnected" once instead of my join', () => {
    const { chat, socket, join } = chatFixture();
    join([wireMessage(1)]);
    socket.drop();
    vi.advanceTimersByTime(60_000);
    socket.open();
    socket.fire('user_joined', { username: 'Me', user_id: 'me' });
    socket.fire('set_username', { username: 'Me', session: 'token', user_id: 'me' });
    socket.fire('history', { messages: [], has_more: false });
    const runs = chat.timeline.items.filter((item) => item.kind === 'notices');
    expect(shown(runs)).toEqual(['Reconnected']);
    expect(runs[0]?.mine).toBe(true);
  });

  it('shows a left then a join of the same person soon after as one "reconnected"', () => {
    const { chat, socket, join } = chatFixture();
    join([wireMessage(1)]);
    socket.fire('user_left', { username: 'Bo', user_id: 'bo' });
    socket.fire('new_message', wireMessage(2));
    vi.advanceTimersByTime(2 * 60_000);
    socket.fire('user_joined', { username: 'Bo', user_id: 'bo' });
    // No dangling "left": the pair is one line, where the join happened.
    expect(shown(chat.timeline.items)).toEqual([1, 2, 'Bo reconnected']);
    expect(chat.timeline.notices.map((notice) => notice.kind)).toEqual(['reconnected']);
  });

  it('keeps left and joined apart when the join comes after the window', () => {
    const { chat, socket, join } = chatFixture();
    join([wireMessage(1)]);
    socket.fire('user_left', { username: 'Bo', user_id: 'bo' });
    socket.fire('new_message', wireMessage(2));
    vi.advanceTimersByTime(RECONNECT_WINDOW_MS + 1);
    socket.fire('user_joined', { username: 'Bo', user_id: 'bo' });
    expect(shown(chat.timeline.items)).toEqual([1, 'Bo left', 2, 'Bo joined']);
  });

  it('keeps left and joined apart when they wrote in between', () => {
    const { chat, socket, join } = chatFixture();
    join([wireMessage(1)]);
    socket.fire('user_left', { username: 'Bo', user_id: 'bo' });
    socket.fire('new_message', wireMessage(2, { username: 'Bo', user_id: 'bo' }));
    socket.fire('user_joined', { username: 'Bo', user_id: 'bo' });
    expect(shown(chat.timeline.items)).toEqual([1, 'Bo left', 2, 'Bo joined']);
  });

  it('matches by user_id when given: a namesake after a rename is someone else', () => {
    const { chat, socket, join } = chatFixture();
    join([wireMessage(1)]);
    socket.fire('user_left', { username: 'Bo', user_id: 'bo' });
    socket.fire('user_joined', { username: 'Bo', user_id: 'other' });
    expect(shown(chat.timeline.items)).toEqual([1, 'Bo left · Bo joined']);
    socket.fire('user_left', { username: 'Cy', user_id: 'cy' });
    socket.fire('user_joined', { username: 'Cy', user_id: 'cy' });
    expect(shown(chat.timeline.items)).toEqual([1, 'Bo left · Bo joined · Cy reconnected']);
  });

  it('collapses a run of joins, leaves and renames into one row with one stable key', () => {
    const { chat, socket, join } = chatFixture();
    join([wireMessage(1)]);
    const names = ['Ada', 'Bo', 'Cy', 'Dee', 'Eve', 'Fay', 'Gus'];
    socket.fire('user_joined', { username: names[0], user_id: 'u0' });
    const [run] = chat.timeline.items.filter((item) => item.kind === 'notices');
    for (const [index, username] of names.slice(1).entries()) {
      socket.fire('user_joined', { username, user_id: `u${index + 1}` });
    }
    socket.fire('user_left', { username: 'Hal', user_id: 'hal' });
    socket.fire('username_updated', { old_username: 'Ivy', new_username: 'Ivo' });
    const runs = chat.timeline.items.filter((item) => item.kind === 'notices');
    expect(runs).toHaveLength(1);
    expect(runs[0]?.key).toBe(run?.key);
    expect(runs[0]?.notices).toHaveLength(9);
    expect(shown(chat.timeline.items)).toEqual([
      1,
      'Ada, Bo and 5 others joined · Hal left · Ivy is now Ivo',
    ]);
    expect(summarize(runs[0]!).map((segment) => segment.truncated)).toEqual([true, false, false]);
  });

  it('lists up to three names in full', () => {
    const { chat, socket, join } = chatFixture();
    join([]);
    socket.fire('user_joined', { username: 'Ada' });
    socket.fire('user_joined', { username: 'Bo' });
    expect(shown(chat.timeline.items)).toEqual(['Ada and Bo joined']);
    socket.fire('user_joined', { username: 'Cy' });
    expect(shown(chat.timeline.items)).toEqual(['Ada, Bo and Cy joined']);
    socket.fire('user_joined', { username: 'Dee' });
    expect(shown(chat.timeline.items)).toEqual(['Ada, Bo and 2 others joined']);
  });

  it('breaks a run at a message, and keeps my own notices on a row of their own', () => {
    const { chat, socket, join } = chatFixture();
    join([wireMessage(1)]);
    socket.fire('user_joined', { username: 'Ada' });
    socket.fire('user_joined', { username: 'Bo' });
    socket.fire('new_message', wireMessage(2));
    socket.fire('user_joined', { username: 'Cy' });
    socket.fire('username_updated', { old_username: 'Me', new_username: 'Mo' });
    socket.fire('user_left', { username: 'Dee' });
    expect(shown(chat.timeline.items)).toEqual([
      1,
      'Ada and Bo joined',
      2,
      'Cy joined',
      'Me is now Mo',
      'Dee left',
    ]);
  });
});
