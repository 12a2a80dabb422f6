import { DEFAULT_ROOM, ROOM_NAME_MAX_LENGTH } from './limits.js';

const ROOM_NAME = new RegExp(`^[a-z0-9][a-z0-9_-]{0,${ROOM_NAME_MAX_LENGTH - 1}}$`);

/**
 * A room name as used everywhere: case-insensitive, so lowercased and trimmed. No name (or an
 * empty one) means the default room.
 */
export function normalizeRoomName(raw: string | undefined): string {
  const name = (raw ?? '').trim().toLowerCase();
  return name === '' ? DEFAULT_ROOM : name;
}

/** Room names are 1-32 of a-z, 0-9, `-` and `_`, starting with a letter or digit. */
export function isValidRoomName(normalized: string): boolean {
  return ROOM_NAME.test(normalized);
}

/** The page path of a room: `/` for the default room, `/r/<room>` for the others. */
export function roomPath(room: string): string {
  return room === DEFAULT_ROOM ? '/' : `/r/${room}`;
}

/** The room a page path names (`/r/<room>`), or the default room; undefined if malformed. */
export function roomFromPath(pathname: string): string | undefined {
  const match = /^\/r\/([^/]*)\/?$/.exec(pathname);
  if (!match) {
    return pathname === '/' || pathname === '' ? DEFAULT_ROOM : undefined;
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(match[1] ?? '');
  } catch {
    return undefined;
  }
  const room = normalizeRoomName(decoded);
  return isValidRoomName(room) ? room : undefined;
}
