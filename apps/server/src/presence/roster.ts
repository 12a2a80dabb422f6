import type { OnlineUser } from '@parley/protocol';

const collator = new Intl.Collator('en', { sensitivity: 'base', numeric: true });

/** `user_list` order: by name as people read it, then by id so the order is total. */
export const byName = (a: OnlineUser, b: OnlineUser) =>
  collator.compare(a.username, b.username) || (a.user_id < b.user_id ? -1 : 1);

/** Whether two rooms' people are the same, under the same names. */
export function sameNames(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) {
    return false;
  }
  for (const [id, name] of a) {
    if (b.get(id) !== name) {
      return false;
    }
  }
  return true;
}

/** Where `user` goes in the sorted `users` (binary search). */
export function sortedIndex(users: readonly OnlineUser[], user: OnlineUser): number {
  let low = 0;
  let high = users.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (byName(users[middle] as OnlineUser, user) < 0) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  return low;
}
