import { isValidRoomName } from '@parley/protocol';

/** Where this browser keeps the rooms it visited (names only, most recent first). */
export const RECENT_ROOMS_KEY = 'parley.recent-rooms';
/** How many rooms are remembered; the switcher shows them, so a short list. */
export const RECENT_ROOMS_MAX = 8;

/** Where the list lives (localStorage in the page, a variable in tests). */
export interface RecentRoomsStore {
  read(): string | null;
  write(value: string): void;
}

/** The stored list, keeping only valid, distinct room names (storage is anyone's to edit). */
export function readRecentRooms(raw: string | null): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw ?? '[]');
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) {
    return [];
  }
  const rooms = parsed.filter(
    (room): room is string => typeof room === 'string' && isValidRoomName(room),
  );
  return rooms.filter((room, index) => rooms.indexOf(room) === index).slice(0, RECENT_ROOMS_MAX);
}

/** The rooms this browser visited, most recent first, remembered across pages. */
export class RecentRooms {
  rooms = $state<string[]>([]);
  readonly #store: RecentRoomsStore;

  constructor(store: RecentRoomsStore) {
    this.#store = store;
    this.rooms = readRecentRooms(store.read());
  }

  /** `room` was opened: it goes first. Re-read first, so another tab's visits are kept. */
  visit(room: string): void {
    const others = readRecentRooms(this.#store.read()).filter((name) => name !== room);
    this.#save([room, ...others].slice(0, RECENT_ROOMS_MAX));
  }

  /** Forgets `room` (the person asked to). */
  forget(room: string): void {
    this.#save(readRecentRooms(this.#store.read()).filter((name) => name !== room));
  }

  #save(rooms: string[]): void {
    this.rooms = rooms;
    this.#store.write(JSON.stringify(rooms));
  }
}
