import type { IncomingHttpHeaders } from 'node:http';

/**
 * The client's address for rate limiting: the socket's peer, or, behind a trusted reverse proxy,
 * the first address of X-Forwarded-For. Never trust that header otherwise: anyone can send it.
 */
export function clientAddress(
  peer: string | undefined,
  headers: IncomingHttpHeaders,
  trustProxy: boolean,
): string {
  if (trustProxy) {
    const forwarded = headers['x-forwarded-for'];
    const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
    if (first) {
      return first;
    }
  }
  return peer ?? 'unknown';
}
