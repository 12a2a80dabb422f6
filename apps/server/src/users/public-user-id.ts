import { createHash } from 'node:crypto';

/**
 * The public face of a session in one room: stable for all of the session's messages and presence
 * there, useless for taking the session over (sessions are found by their secret token, never by
 * id), not reversible, and different in every room, so two rooms cannot tell they share a person.
 * The session id is a random UUID that never leaves the server, which is what makes the hash
 * unlinkable without a key of its own. (Room names never contain `:`, so the input is unambiguous.)
 */
export function publicUserId(sessionId: string, room: string): string {
  return createHash('sha256')
    .update(`parley-user:${room}:${sessionId}`)
    .digest('base64url')
    .slice(0, 16);
}
