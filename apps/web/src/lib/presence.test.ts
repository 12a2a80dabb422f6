import { afterEach, describe, expect, it, vi } from 'vitest';

import { chatFixture } from './testing/chat-fixture';
import { wireMessage } from './testing/fake-socket';

const user = (id: string, username = id.toUpperCase()) => ({
  user_id: id,
  username,
  avatar: `/${id}.svg`,
});

/** A chat joined in a room where `others` are online, as `user_list` tells it. */
function joinedWith(others: ReturnType<typeof user>[], extra: Record<string, unknown> = {}) {
  const fixture = chatFixture();
  fixture.join();
  fixture.socket.fire('user_list', { users: [user('me', 'Me'), ...others], ...extra });
  return fixture;
}

const names = (chat: ReturnType<typeof chatFixture>['chat']) =>
  chat.presence.users.map((entry) => entry.username);

afterEach(() => {
  vi.useRealTimers();
});

describe('Presence', () => {
  it('follows the roster: the list, joins, renames and leaves, sorted by name', () => {
    const { chat, socket } = joinedWith([user('b', 'Bo')]);
    expect(names(chat)).toEqual(['Bo', 'Me']);
    socket.fire('user_joined', user('a', 'Al'));
    socket.fire('username_updated', {
      user_id: 'b',
      old_username: 'Bo',
      new_username: 'Zed',
    });
    expect(names(chat)).toEqual(['Al', 'Me', 'Zed']);
    expect(chat.presence.count).toBe(3);
    socket.fire('user_left', { user_id: 'a', username: 'Al' });
    expect(names(chat)).toEqual(['Me', 'Zed']);
    expect(chat.presence.count).toBe(2);
  });

  it('applies a presence batch and shows the server’s count, me first in a shortened list', () => {
    const { chat, socket } = joinedWith([user('b', 'Bo'), user('c', 'Cy')]);
    socket.fire('presence_changed', {
      joined: [user('d', 'Di')],
      left: [{ user_id: 'b' }],
      count: 40,
    });
    // More online than listed: I come first, then the others by name.
    expect(names(chat)).toEqual(['Me', 'Cy', 'Di']);
    expect(chat.presence.count).toBe(40);
  });

  it('shows who is typing until they send or go quiet', () => {
    vi.useFakeTimers();
    const { chat, socket } = joinedWith([user('b', 'Bo'), user('c', 'Cy')]);
    socket.fire('user_typing', { user_id: 'b', username: 'Bo', is_typing: true });
    socket.fire('user_typing', { user_id: 'c', username: 'Cy', is_typing: true });
    expect(chat.presence.typists.map((typist) => typist.username)).toEqual(['Bo', 'Cy']);
    socket.fire('new_message', wireMessage(1, { user_id: 'b' }));
    expect(chat.presence.typists.map((typist) => typist.username)).toEqual(['Cy']);
    vi.advanceTimersByTime(6000);
    expect(chat.presence.typists).toEqual([]);
  });
});
