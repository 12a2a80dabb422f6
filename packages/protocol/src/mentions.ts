import { usernameKey } from './names.js';

export interface Mentionable {
  username: string;
  user_id: string;
}

/**
 * The people a message mentions: `@` followed by the name of someone in `people` (the room's
 * online users), compared like names are (case, width, look-alikes). Names may hold spaces, so at
 * each `@` the longest matching name wins. Returns their user ids, each once, in order of
 * appearance. The server derives `new_message.mentions` with it; clients may highlight with it.
 */
export function findMentions(text: string, people: readonly Mentionable[]): string[] {
  if (!text.includes('@') || people.length === 0) {
    return [];
  }
  const byKeyLength = people
    .map((person) => ({ ...person, length: [...person.username].length }))
    .sort((a, b) => b.length - a.length);
  const found: string[] = [];
  const chars = [...text];
  for (let i = 0; i < chars.length; i++) {
    if (chars[i] !== '@' || (i > 0 && /[\p{L}\p{N}_]/u.test(chars[i - 1] ?? ''))) {
      continue;
    }
    for (const person of byKeyLength) {
      const candidate = chars.slice(i + 1, i + 1 + person.length).join('');
      const next = chars[i + 1 + person.length] ?? '';
      if (
        candidate.length > 0 &&
        !/[\p{L}\p{N}_]/u.test(next) &&
        usernameKey(candidate) === usernameKey(person.username)
      ) {
        if (!found.includes(person.user_id)) {
          found.push(person.user_id);
        }
        break;
      }
    }
  }
  return found;
}
