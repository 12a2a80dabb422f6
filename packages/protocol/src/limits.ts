/** Longest message, in characters (Unicode code points, as a person counts them). */
export const MESSAGE_MAX_LENGTH = 2000;
/** Shortest and longest display name, in characters after normalising and trimming. */
export const USERNAME_MIN_LENGTH = 1;
export const USERNAME_MAX_LENGTH = 32;
/** Names nobody may take: they would pass for the product speaking. */
export const RESERVED_USERNAMES: readonly string[] = [
  'system',
  'admin',
  'administrator',
  'moderator',
  'mod',
  'parley',
  'server',
  'root',
];

/** Messages sent to a newcomer on connect. */
export const HISTORY_PAGE_SIZE = 50;
/** Most messages one `load_history` request may return. */
export const HISTORY_PAGE_MAX = 200;
/** Longest `client_id` a client may attach to a message (ids are opaque, e.g. a UUID). */
export const CLIENT_ID_MAX_LENGTH = 64;
/** Longest session token the server will even look at. */
export const SESSION_TOKEN_MAX_LENGTH = 128;
/** The room a client lands in when it names none (where tutorial-era clients chat). */
export const DEFAULT_ROOM = 'lobby';
/** Longest room name. */
export const ROOM_NAME_MAX_LENGTH = 32;
/** Most people `user_list` names; a bigger room sends the first ones by name and the count. */
export const USER_LIST_LIMIT = 200;
/**
 * Most `@` one message is searched at for mentions (an e-mail address's `@` does not count): past
 * them the rest is plain text. Each costs one lookup per distinct name length in the room, so a
 * 2,000-`@` message is as cheap as a 50-`@` one.
 */
export const MENTION_SCAN_LIMIT = 50;
/**
 * Most combining marks kept on one character of a message ("Zalgo" text beyond it is dropped):
 * enough for any language (Vietnamese stacks 2, Hebrew with cantillation 3), while 1,900 marks on
 * one letter drew over the whole message column.
 */
export const MESSAGE_MAX_COMBINING_MARKS = 4;
/** Longest run of blank lines kept in a message: 2,000 newlines made one message 46,000 px tall. */
export const MESSAGE_MAX_BLANK_LINES = 2;
/** Most rooms one `list_rooms` answer names (the asker's own room is never among them). */
export const ROOM_LIST_MAX = 20;
/** Longest room topic, in characters (one line). */
export const TOPIC_MAX_LENGTH = 200;
/** Longest reason a moderator or a reporter may give. */
export const MODERATION_REASON_MAX_LENGTH = 200;
/** Longest slow mode: one message per person per hour. */
export const SLOW_MODE_MAX_S = 3600;
/** Longest mute or timed ban (a year); longer is a ban for good. */
export const MODERATION_DURATION_MAX_S = 366 * 24 * 3600;
/** Most messages one clean-up removes. */
export const CLEAN_UP_MAX = 100;
/** Entries per page of the audit log and of the report queue. */
export const AUDIT_PAGE_SIZE = 50;
export const REPORTS_PAGE_SIZE = 50;
/** Longest invite a handshake may carry (they are 22 characters). */
export const INVITE_MAX_LENGTH = 64;
