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
