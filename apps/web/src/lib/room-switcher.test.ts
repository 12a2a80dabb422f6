import { describe, expect, it } from 'vitest';

import { RECENT_ROOMS_MAX, RecentRooms, readRecentRooms } from './recent-rooms.svelte';
import { Combobox } from './room-combobox.svelte';
import { readActiveRooms, ROOM_DIRECTORY_FRESH_MS, RoomDirectory } from './room-directory.svelte';
import { roomQuery, roomSuggestions } from './room-suggestions';
import { FakeSocket, settle } from './testing/fake-socket';

function memoryStore(initial: string | null = null) {
  const store = {
    value: initial,
    read: () => store.value,
    write: (v: string) => (store.value = v),
  };
  return store;
}

describe('RecentRooms', () => {
  it('puts the visited room first, once, and keeps at most RECENT_ROOMS_MAX', () => {
    const store = memoryStore();
    const recent = new RecentRooms(store);
    for (let i = 0; i < RECENT_ROOMS_MAX + 2; i++) {
      recent.visit(`room${i}`);
    }
    recent.visit('room5');
    expect(recent.rooms[0]).toBe('room5');
    expect(recent.rooms).toHaveLength(RECENT_ROOMS_MAX);
    expect(new Set(recent.rooms).size).toBe(RECENT_ROOMS_MAX);
    // Another page of this browser reads what this one wrote.
    expect(new RecentRooms(store).rooms).toEqual(recent.rooms);
  });

  it('keeps another tab’s visits and forgets a room on request', () => {
    const store = memoryStore();
    const mine = new RecentRooms(store);
    const other = new RecentRooms(store);
    mine.visit('games');
    other.visit('work');
    mine.visit('music');
    expect(mine.rooms).toEqual(['music', 'work', 'games']);
    mine.forget('work');
    expect(mine.rooms).toEqual(['music', 'games']);
    expect(JSON.parse(store.value ?? '')).toEqual(['music', 'games']);
  });

  it('ignores what storage holds that is not a list of room names', () => {
    expect(readRecentRooms('not json')).toEqual([]);
    expect(readRecentRooms('{"a":1}')).toEqual([]);
    expect(readRecentRooms('["ok", "Not OK", 3, "../x", "ok"]')).toEqual(['ok']);
  });
});

describe('roomSuggestions', () => {
  const active = [
    { room: 'games', count: 5 },
    { room: 'lobby', count: 3 },
    { room: 'work', count: 2 },
  ];

  it('offers recent rooms first, then active ones, each once, never the current room', () => {
    expect(
      roomSuggestions({ query: '', current: 'lobby', recent: ['work', 'music', 'lobby'], active }),
    ).toEqual([
      { room: 'work', group: 'recent', count: 2 },
      { room: 'music', group: 'recent' },
      { room: 'games', group: 'active', count: 5 },
    ]);
  });

  it('keeps the rooms whose name contains what is typed (as a room name reads it)', () => {
    expect(roomQuery(' #GAM ')).toBe('gam');
    const typed = roomSuggestions({ query: '#GAM', current: 'x', recent: ['gamma'], active });
    expect(typed.map((option) => option.room)).toEqual(['gamma', 'games']);
    expect(roomSuggestions({ query: 'zzz', current: 'x', recent: ['gamma'], active })).toEqual([]);
  });
});

describe('Combobox', () => {
  it('moves the highlight with the arrows, wrapping, and chooses it with Enter', () => {
    let count = 3;
    const box = new Combobox(() => count);
    expect(box.key('ArrowDown')).toEqual({ kind: 'handled' });
    expect(box.expanded).toBe(true);
    expect(box.active).toBe(-1);
    box.key('ArrowDown');
    box.key('ArrowDown');
    expect(box.active).toBe(1);
    box.key('ArrowDown');
    box.key('ArrowDown');
    expect(box.active).toBe(0);
    box.key('ArrowUp');
    expect(box.active).toBe(2);
    expect(box.key('Enter')).toEqual({ kind: 'choose', index: 2 });
    count = 1;
    box.clamp();
    expect(box.active).toBe(0);
  });

  it('lets Enter submit what is typed when nothing is highlighted, and Escape close', () => {
    const box = new Combobox(() => 2);
    box.show();
    expect(box.key('Enter')).toEqual({ kind: 'ignored' });
    box.key('ArrowDown');
    expect(box.key('Escape')).toEqual({ kind: 'handled' });
    expect(box.expanded).toBe(false);
    expect(box.active).toBe(-1);
    // Closed, Escape is the page's (it may clear the box).
    expect(box.key('Escape')).toEqual({ kind: 'ignored' });
    box.typed();
    expect(box.expanded).toBe(true);
  });

  it('shows nothing when there is nothing to offer, and forgets only what may be forgotten', () => {
    const empty = new Combobox(() => 0);
    empty.show();
    expect(empty.expanded).toBe(false);
    const box = new Combobox(() => 3);
    box.show();
    box.key('ArrowDown');
    expect(box.key('Delete', false, () => false)).toEqual({ kind: 'ignored' });
    box.key('ArrowDown');
    expect(box.key('Delete', false, (index) => index === 1)).toEqual({ kind: 'forget', index: 1 });
  });
});

describe('RoomDirectory', () => {
  function connected() {
    const socket = new FakeSocket({});
    socket.open();
    let now = 0;
    const directory = new RoomDirectory({ socket: socket.asChatSocket() }, () => now);
    return { socket, directory, advance: (ms: number) => (now += ms) };
  }

  it('asks for list_rooms and keeps the rooms that read as rooms', async () => {
    const { socket, directory } = connected();
    const done = directory.refresh();
    const request = socket.next('list_rooms');
    expect(request.payload).toEqual({});
    request.answer({
      ok: true,
      rooms: [
        { room: 'games', count: 2 },
        { room: 'Bad Name', count: 1 },
        { room: 'zero', count: 0 },
        'junk',
      ],
    });
    await done;
    expect(directory.rooms).toEqual([{ room: 'games', count: 2 }]);
    expect(directory.loaded).toBe(true);
    expect(readActiveRooms('nope')).toEqual([]);
  });

  it('asks at most once per ROOM_DIRECTORY_FRESH_MS, and not before a rate limit is over', async () => {
    const { socket, directory, advance } = connected();
    void directory.refresh();
    void directory.refresh();
    socket.next('list_rooms').answer({ ok: true, rooms: [] });
    await settle();
    void directory.refresh();
    expect(socket.requests).toHaveLength(0);
    advance(ROOM_DIRECTORY_FRESH_MS);
    void directory.refresh();
    socket.next('list_rooms').answer({
      ok: false,
      error: 'rate_limited',
      message: 'Too many room list requests.',
      retry_after: 5000,
    });
    await settle();
    advance(ROOM_DIRECTORY_FRESH_MS);
    void directory.refresh();
    expect(socket.requests).toHaveLength(0);
    advance(5000);
    void directory.refresh();
    expect(socket.requests).toHaveLength(1);
  });

  it('does not ask while not connected', async () => {
    const socket = new FakeSocket({});
    const directory = new RoomDirectory({ socket: socket.asChatSocket() });
    await directory.refresh();
    expect(socket.requests).toHaveLength(0);
    expect(directory.loaded).toBe(false);
  });
});
