import { afterEach, describe, expect, it, vi } from 'vitest';

import { chatFixture } from './testing/chat-fixture';
import { settle, wireMessage } from './testing/fake-socket';

afterEach(() => {
  vi.useRealTimers();
});

describe('Outbox', () => {
  it('shows a message at once, sends it once connected, and gives it its place by id', async () => {
    const { chat, socket, join, stored } = chatFixture();
    expect(chat.outbox.send('hello')).toEqual({ ok: true });
    expect(chat.outbox.unsent.map((item) => item.status)).toEqual(['pending']);
    expect(stored.size).toBe(1);
    expect(socket.requests).toHaveLength(0);
    join([wireMessage(1)]);
    const request = socket.next('send_message');
    expect(request.payload).toEqual({ message: 'hello', client_id: 'c1' });
    request.answer({ ok: true, id: 2, ts: 5 });
    await settle();
    expect(chat.outbox.unsent).toEqual([]);
    expect(stored.size).toBe(0);
    expect(
      chat.timeline.messages.map((message) => [message.id, message.text, message.mine]),
    ).toEqual([
      [1, 'message 1', false],
      [2, 'hello', true],
    ]);
  });

  it('sends again with the same client id after the connection dropped before the ack', async () => {
    const { chat, socket, join } = chatFixture();
    join();
    chat.outbox.send('once');
    expect(socket.requests[0]?.payload.client_id).toBe('c1');
    // The connection goes while the request waits for its answer.
    socket.drop();
    await settle();
    expect(chat.outbox.unsent.map((item) => item.status)).toEqual(['pending']);
    socket.open();
    socket.fire('history', { messages: [] });
    const again = socket.next('send_message');
    expect(again.payload).toEqual({ message: 'once', client_id: 'c1' });
    // Its own broadcast confirms it before the ack: one row, not two.
    socket.fire('new_message', wireMessage(1, { message: 'once', client_id: 'c1', user_id: 'me' }));
    again.answer({ ok: true, id: 1, ts: 1 });
    await settle();
    expect(chat.outbox.unsent).toEqual([]);
    expect(chat.timeline.messages.map((message) => message.id)).toEqual([1]);
  });

  it('sends one at a time, in the order written', async () => {
    const { chat, socket, join } = chatFixture();
    join();
    chat.outbox.send('first');
    chat.outbox.send('second');
    expect(socket.requests.map((request) => request.payload.message)).toEqual(['first']);
    socket.next().answer({ ok: true, id: 1, ts: 1 });
    await settle();
    expect(socket.requests.map((request) => request.payload.message)).toEqual(['second']);
  });

  it('waits out a rate limit and then sends the same message again', async () => {
    vi.useFakeTimers();
    const { chat, socket, join } = chatFixture();
    join();
    chat.outbox.send('slow down');
    socket
      .next()
      .answer({ ok: false, error: 'rate_limited', message: 'Slow down.', retry_after: 1500 });
    await settle();
    expect(chat.outbox.unsent[0]).toMatchObject({
      status: 'pending',
      failure: { error: 'rate_limited' },
    });
    expect(socket.requests).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1500);
    expect(socket.next('send_message').payload).toEqual({ message: 'slow down', client_id: 'c1' });
  });

  it('marks a refused message failed; retry sends it again, take-back hands its text back', async () => {
    const { chat, socket, join } = chatFixture();
    join();
    chat.outbox.send('refused');
    socket.next().answer({ ok: false, error: 'internal_error', message: 'Broken.' });
    await settle();
    expect(chat.outbox.unsent[0]).toMatchObject({
      status: 'failed',
      failure: { message: 'Broken.' },
    });
    chat.outbox.retry('c1');
    expect(socket.next('send_message').payload.client_id).toBe('c1');
    socket.requests.length = 0;
  });

  it('refuses here what the server would refuse, and keeps a reload’s unsent messages', () => {
    const { chat } = chatFixture({
      outbox: [{ clientId: 'old', text: 'from before the reload', createdAt: 1 }],
    });
    expect(chat.outbox.send('   ')).toMatchObject({ ok: false, error: 'empty_message' });
    expect(chat.outbox.unsent.map((item) => item.text)).toEqual(['from before the reload']);
    expect(chat.outbox.takeBack('old')).toBe('from before the reload');
    expect(chat.outbox.unsent).toEqual([]);
  });
});

describe('ChatClient requests', () => {
  it('renames: my name, and my unsent messages, follow the server’s answer', async () => {
    const { chat, socket, join } = chatFixture();
    join();
    socket.connected = false;
    chat.outbox.send('pending under my old name');
    socket.connected = true;
    const renaming = chat.rename('  Ada  ');
    const request = socket.next('update_username');
    expect(request.payload).toEqual({ username: 'Ada' });
    request.answer({ ok: true, username: 'Ada' });
    expect(await renaming).toEqual({ ok: true, username: 'Ada' });
    expect(chat.username).toBe('Ada');
    expect(chat.outbox.unsent[0]?.username).toBe('Ada');
  });

  it('renames: a broadcast before the ack renames me too; others’ renames are notices', async () => {
    const { chat, socket, join } = chatFixture();
    join([wireMessage(1)]);
    const renaming = chat.rename('Ada');
    const request = socket.next('update_username');
    socket.fire('username_updated', { old_username: 'Me', new_username: 'Ada' });
    expect(chat.username).toBe('Ada');
    request.answer({ ok: true, username: 'Ada' });
    expect(await renaming).toEqual({ ok: true, username: 'Ada' });
    socket.fire('username_updated', { old_username: 'Bo', new_username: 'Cy' });
    expect(chat.username).toBe('Ada');
    expect(
      chat.timeline.notices.map((notice) => [
        notice.kind,
        notice.text,
        notice.mine,
        notice.afterId,
      ]),
    ).toEqual([
      ['renamed', 'Me is now Ada', true, 1],
      ['renamed', 'Bo is now Cy', false, 1],
    ]);
  });

  it('refuses a request while offline, and reports a timeout', async () => {
    const { chat, socket, join } = chatFixture();
    expect(await chat.deleteMessage(1)).toMatchObject({ ok: false, error: 'not_connected' });
    join([wireMessage(1, { user_id: 'me' })]);
    const editing = chat.editMessage(1, 'changed');
    socket.next('edit_message').fail();
    expect(await editing).toMatchObject({ ok: false, error: 'timeout' });
    const deleting = chat.deleteMessage(1);
    socket.next('delete_message').answer({ ok: true, id: 1 });
    expect(await deleting).toEqual({ ok: true });
    expect(chat.timeline.messages[0]?.deleted).toBe(true);
  });
});
