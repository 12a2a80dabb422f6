import { createHash, timingSafeEqual } from 'node:crypto';

/** What a request for `/metrics` gets: the figures, a request for credentials, or nothing. */
export type MetricsAccess = 'allowed' | 'unauthorized' | 'hidden';

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * Who may read `/metrics` (Node's version, memory, users online: not for anyone who asks).
 * With METRICS_TOKEN set, a request must carry `Authorization: Bearer <token>`, compared in
 * constant time (hashes of equal length, so neither the content nor the length leaks). Without
 * it, the public port has no `/metrics` (`hidden`), and the private listener serves everyone who
 * can reach it (`privateListener`).
 */
export function metricsAccess(
  authorization: string | undefined,
  token: string | undefined,
  privateListener: boolean,
): MetricsAccess {
  if (token === undefined) {
    return privateListener ? 'allowed' : 'hidden';
  }
  const match = /^Bearer +(\S+) *$/i.exec(authorization ?? '');
  const offered = match?.[1];
  if (offered === undefined) {
    return 'unauthorized';
  }
  return timingSafeEqual(digest(offered), digest(token)) ? 'allowed' : 'unauthorized';
}
