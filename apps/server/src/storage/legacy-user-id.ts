import { createHash } from 'node:crypto';

/**
 * The public id a session had before ids were per room: the same in every room. Only the
 * migrations that rewrite stored mentions use it.
 */
export function legacyUserId(sessionId: string): string {
  return createHash('sha256').update(`parley-user:${sessionId}`).digest('base64url').slice(0, 16);
}
