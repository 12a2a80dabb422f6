import { createHash } from 'node:crypto';

/**
 * The public face of a session id: stable for all of a session's messages, useless for taking the
 * session over (sessions are found by their secret token, never by id) and not reversible.
 */
export function publicUserId(sessionId: string): string {
  return createHash('sha256').update(`parley-user:${sessionId}`).digest('base64url').slice(0, 16);
}
