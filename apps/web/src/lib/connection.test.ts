import { afterEach, describe, expect, it, vi } from 'vitest';

import { chatFixture } from './testing/chat-fixture';

afterEach(() => {
  vi.useRealTimers();
});

describe('Connection', () => {
  it('goes connecting → connected → reconnecting after a drop', () => {
    const { chat, socket } = chatFixture();
    chat.connect();
    expect(chat.connection.state).toBe('connecting');
    socket.open();
    expect(chat.connection.state).toBe('connected');
    socket.drop();
    expect(chat.connection.state).toBe('reconnecting');
  });

  it('is offline while the browser is, and back to reconnecting when it is online', () => {
    const { chat, socket, network } = chatFixture();
    chat.connect();
    socket.open();
    network.onLine = false;
    socket.drop();
    expect(chat.connection.state).toBe('offline');
    network.onLine = true;
    network.listeners.get('online')?.();
    expect(chat.connection.state).toBe('reconnecting');
  });

  it('tries again after the wait a refusal asked for', async () => {
    vi.useFakeTimers();
    const { chat, socket } = chatFixture();
    chat.connect();
    socket.refuse('Too many connections', { retry_after: 3000 });
    expect(chat.connection.state).toBe('offline');
    await vi.advanceTimersByTimeAsync(2999);
    expect(socket.active).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(socket.active).toBe(true);
    // Never connected yet: still connecting, not reconnecting.
    expect(chat.connection.state).toBe('connecting');
  });

  it('reconnects a moment after the server closed the socket itself', async () => {
    vi.useFakeTimers();
    const { chat, socket } = chatFixture();
    chat.connect();
    socket.open();
    socket.drop('io server disconnect');
    expect(socket.active).toBe(false);
    await vi.advanceTimersByTimeAsync(1000);
    expect(socket.active).toBe(true);
  });

  it('gives up for good on a room name the server will never take', () => {
    const { chat, socket } = chatFixture();
    chat.connect();
    socket.refuse('room_invalid', { message: 'Room names are letters and digits.' });
    expect(chat.connection.roomError).toBe('Room names are letters and digits.');
    expect(chat.connection.state).toBe('offline');
    chat.connect();
    expect(socket.active).toBe(false);
  });

  it('never connects a page whose address names no room', () => {
    const { chat, socket } = chatFixture({ room: null });
    chat.connect();
    expect(socket.active).toBe(false);
  });
});
