import { describe, expect, it, vi } from 'vitest';

import { chatFixture } from './testing/chat-fixture';
import { settle, wireMessage } from './testing/fake-socket';
import { TIMELINE_LIMIT } from './timeline.svelte';

const ids = (chat: ReturnType<typeof chatFixture>['chat']) =>
  chat.timeline.messages.map((message) => message.id);

describe('Timeline', () => {
  it('keeps each message once, in id order, whether replayed, live or late', () => {
    const { chat, socket, join } = chatFixture();
    join([wireMessage(1), wireMessage(2), wireMessage(3)]);
    socket.fire('new_message', wireMessage(5));
    socket.fire('new_message', wireMessage(3, { message: 'again' }));
    socket.fire('new_message', wireMessage(4));
    expect(ids(chat)).toEqual([1, 2, 3, 4, 5]);
    // The server's later copy wins, in the same row.
    expect(chat.timeline.messages[2]?.text).toBe('again');
    // Live messages from others count as unread; the first page does not.
    expect(chat.timeline.received).toBe(2);
  });

  it('counts no unread message or mention from someone I ignore', () => {
    const { chat, socket, join } = chatFixture();
    join([wireMessage(1)]);
    chat.moderation.ignored.ignore('bo', 'Bo');
    socket.fire('new_message', wireMessage(2, { user_id: 'bo', username: 'Bo' }));
    socket.fire('new_message', wireMessage(3));
    expect(chat.timeline.received).toBe(1);
  });

  it('places a notice after the message it followed', () => {
    const { chat, socket, join } = chatFixture();
    join([wireMessage(1)]);
    socket.fire('user_joined', { username: 'Bo', avatar: '/b.svg' });
    socket.fire('new_message', wireMessage(2));
    expect(
      chat.timeline.items.map((item) =>
        item.kind === 'message' ? item.id : item.notices[0]?.text,
      ),
    ).toEqual([1, 'Bo joined', 2]);
  });

  it('applies edits and deletes, and ignores an edit older than the one shown', () => {
    const { chat, socket, join } = chatFixture();
    join([wireMessage(1), wireMessage(2)]);
    socket.fire('message_edited', { id: 1, message: 'newer', edited_ts: 20 });
    socket.fire('message_edited', { id: 1, message: 'older', edited_ts: 10 });
    socket.fire('message_deleted', { id: 2 });
    const [first, second] = chat.timeline.messages;
    expect(first).toMatchObject({ text: 'newer', editedTs: 20 });
    expect(second).toMatchObject({ text: '', deleted: true });
  });

  it('marks messages that mention me, and counts the live ones', () => {
    const { chat, socket, join } = chatFixture();
    join([wireMessage(1, { mentions: ['me'] })]);
    socket.fire('new_message', wireMessage(2, { mentions: ['me'] }));
    expect(chat.timeline.messages.map((message) => message.mentionsMe)).toEqual([true, true]);
    expect(chat.timeline.mentionsReceived).toBe(1);
    expect(chat.timeline.lastMention?.id).toBe(2);
  });

  it(`keeps the newest ${TIMELINE_LIMIT} items while the reader follows, and none are lost to paging`, () => {
    const { chat, socket, join } = chatFixture();
    join([wireMessage(1)]);
    for (let id = 2; id <= TIMELINE_LIMIT + 20; id++) {
      socket.fire('new_message', wireMessage(id));
    }
    expect(chat.timeline.messages).toHaveLength(TIMELINE_LIMIT);
    expect(chat.timeline.messages[0]?.id).toBe(21);
    expect(chat.timeline.hasMore).toBe(true);
  });

  it('trims nothing while the reader is scrolled up', () => {
    const { chat, socket, join } = chatFixture();
    join([wireMessage(1)]);
    chat.timeline.setFollowing(false);
    for (let id = 2; id <= TIMELINE_LIMIT + 20; id++) {
      socket.fire('new_message', wireMessage(id));
    }
    expect(chat.timeline.messages).toHaveLength(TIMELINE_LIMIT + 20);
    chat.timeline.setFollowing(true);
    expect(chat.timeline.messages).toHaveLength(TIMELINE_LIMIT);
  });

  it('pages back: the older page goes before the oldest shown', async () => {
    const { chat, socket, join } = chatFixture();
    join([wireMessage(51), wireMessage(52)], { has_more: true });
    const loading = chat.timeline.loadOlder();
    const request = socket.next('load_history');
    expect(request.payload).toMatchObject({ before: 51 });
    request.answer({ ok: true, messages: [wireMessage(49), wireMessage(50)], has_more: false });
    await loading;
    expect(ids(chat)).toEqual([49, 50, 51, 52]);
    expect(chat.timeline.hasMore).toBe(false);
  });

  it('pages back through a rate limit: the same page is asked again once allowed', async () => {
    vi.useFakeTimers();
    try {
      const { chat, socket, join } = chatFixture();
      join([wireMessage(51)], { has_more: true });
      const loading = chat.timeline.loadOlder();
      socket.next('load_history').answer({
        ok: false,
        error: 'rate_limited',
        message: 'Slow down.',
        retry_after: 1000,
      });
      await settle();
      expect(socket.requests).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(1000);
      const again = socket.next('load_history');
      expect(again.payload).toMatchObject({ before: 51 });
      again.answer({ ok: true, messages: [wireMessage(50)], has_more: false });
      await loading;
      expect(ids(chat)).toEqual([50, 51]);
      expect(chat.timeline.olderError).toBe('');
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('Resume offsets', () => {
  it('asks for the newest page until a history came, then resumes from the last message seen', () => {
    const { socket, join } = chatFixture();
    expect(socket.handshake()).not.toHaveProperty('server_offset');
    join([wireMessage(1), wireMessage(2)]);
    expect(socket.handshake()).toMatchObject({ server_offset: 2, room: 'lobby' });
    socket.fire('new_message', wireMessage(3));
    expect(socket.handshake()).toMatchObject({ server_offset: 3, session: 'token' });
  });

  it('confirms a paged replay only after its last frame, whatever comes live meanwhile', () => {
    const { chat, socket, join } = chatFixture();
    join([wireMessage(1)]);
    socket.drop();
    expect(socket.handshake()).toMatchObject({ server_offset: 1 });
    socket.open();
    socket.fire('history', { messages: [wireMessage(2), wireMessage(3)], more_follows: true });
    socket.fire('new_message', wireMessage(9));
    // Messages 4 to 8 are still to come: resuming from 9 would skip them.
    expect(socket.handshake()).toMatchObject({ server_offset: 1 });
    socket.fire('history', { messages: [wireMessage(4), wireMessage(5)] });
    expect(socket.handshake()).toMatchObject({ server_offset: 9 });
    expect(ids(chat)).toEqual([1, 2, 3, 4, 5, 9]);
  });

  it('starts over from a truncated replay, showing the gap', () => {
    const { chat, socket, join } = chatFixture();
    join([wireMessage(1)]);
    socket.drop();
    socket.open();
    socket.fire('history', {
      messages: [wireMessage(900), wireMessage(901)],
      truncated: true,
      has_more: true,
    });
    expect(ids(chat)).toEqual([900, 901]);
    expect(chat.timeline.gap).toBe(true);
    expect(socket.handshake()).toMatchObject({ server_offset: 901 });
  });
});
