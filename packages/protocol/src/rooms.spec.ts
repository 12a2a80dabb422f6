import { describe, expect, it } from '@jest/globals';

import { DEFAULT_ROOM } from './limits.js';
import { findMentions } from './mentions.js';
import { isValidRoomName, normalizeRoomName, roomFromPath, roomPath } from './rooms.js';

describe('room names', () => {
  it('are case-insensitive, and no name means the default room', () => {
    expect(normalizeRoomName(' Games ')).toBe('games');
    expect(normalizeRoomName(undefined)).toBe(DEFAULT_ROOM);
    expect(normalizeRoomName('')).toBe(DEFAULT_ROOM);
  });

  it.each(['games', 'a', 'rust-lang', 'team_42', 'x'.repeat(32)])('accept %j', (name) => {
    expect(isValidRoomName(name)).toBe(true);
  });

  it.each(['', '-lead', 'has space', 'émoji', 'x'.repeat(33), '../etc', 'a/b', '<script>'])(
    'refuse %j',
    (name) => {
      expect(isValidRoomName(name)).toBe(false);
    },
  );

  it('map to and from page paths', () => {
    expect(roomPath(DEFAULT_ROOM)).toBe('/');
    expect(roomPath('games')).toBe('/r/games');
    expect(roomFromPath('/')).toBe(DEFAULT_ROOM);
    expect(roomFromPath('/r/Games')).toBe('games');
    expect(roomFromPath('/r/games/')).toBe('games');
    expect(roomFromPath('/r/bad%20name')).toBeUndefined();
    expect(roomFromPath('/r/%E0%A4%A')).toBeUndefined();
    expect(roomFromPath('/elsewhere')).toBeUndefined();
  });
});

describe(findMentions.name, () => {
  const people = [
    { username: 'Ada', user_id: 'u-ada' },
    { username: 'Ada Lovelace', user_id: 'u-lovelace' },
    { username: 'Bo', user_id: 'u-bo' },
  ];

  it('finds @names of people in the room, longest name first, each once', () => {
    expect(findMentions('hi @Ada Lovelace and @bo, @BO again', people)).toEqual([
      'u-lovelace',
      'u-bo',
    ]);
    expect(findMentions('@ada!', people)).toEqual(['u-ada']);
  });

  it('ignores e-mail addresses, partial names and unknown people', () => {
    expect(findMentions('mail ada@Bo.com', people)).toEqual([]);
    expect(findMentions('@Adam and @Bob', people)).toEqual([]);
    expect(findMentions('@nobody', people)).toEqual([]);
    expect(findMentions('no mentions', people)).toEqual([]);
  });

  it('matches look-alike spellings the way names clash', () => {
    expect(findMentions('@\u0410da', people)).toEqual(['u-ada']);
  });
});
