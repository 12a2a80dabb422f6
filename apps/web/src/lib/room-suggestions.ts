import { normalizeRoomName, type ActiveRoom } from '@parley/protocol';

/** One room the switcher offers. */
export interface RoomOption {
  room: string;
  group: 'recent' | 'active';
  /** People in it now, when the server listed it. */
  count?: number;
}

export interface SuggestionSources {
  /** What is typed in the room box. */
  query: string;
  /** The room this page is in: never offered. */
  current: string;
  /** Rooms this browser visited, most recent first. */
  recent: readonly string[];
  /** Rooms with people in them, most people first. */
  active: readonly ActiveRoom[];
}

/** What was typed, as a room name would read it (`#Games ` → `games`); empty when nothing. */
export function roomQuery(typed: string): string {
  const trimmed = typed.trim().replace(/^#/u, '');
  return trimmed === '' ? '' : normalizeRoomName(trimmed);
}

/**
 * The rooms to offer: "Recent" (this browser's, most recent first), then "Active now" (the
 * server's, most people first), each room once (a recent room with people shows its count
 * there), the current room never, and only those whose name contains what was typed.
 */
export function roomSuggestions({
  query,
  current,
  recent,
  active,
}: SuggestionSources): RoomOption[] {
  const wanted = roomQuery(query);
  const matches = (room: string) => room !== current && room.includes(wanted);
  const counts = new Map(active.map(({ room, count }) => [room, count]));
  const options: RoomOption[] = [];
  for (const room of recent) {
    if (matches(room)) {
      const count = counts.get(room);
      options.push(
        count === undefined ? { room, group: 'recent' } : { room, group: 'recent', count },
      );
    }
  }
  const shown = new Set(recent);
  for (const { room, count } of active) {
    if (!shown.has(room) && matches(room)) {
      options.push({ room, group: 'active', count });
    }
  }
  return options;
}

/** "1 online", "12 online". */
export function onlineLabel(count: number): string {
  return `${count.toLocaleString()} online`;
}
