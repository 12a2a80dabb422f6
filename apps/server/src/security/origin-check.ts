import type { IncomingMessage } from 'node:http';

import type { ProxyTrust } from './client-address.js';

/**
 * Whether a handshake (WebSocket upgrade or long-polling request) may proceed, judged by its
 * Origin header. Browsers always send Origin on WebSocket handshakes and cross-origin requests,
 * and WebSockets are not covered by CORS, so this is what stops another site's page from
 * chatting in its visitors' names. Requests without Origin come from non-browser clients (or
 * same-origin GETs) and are allowed. The server's own origin is read from Host (or, behind a
 * trusted proxy, X-Forwarded-Host and -Proto).
 */
export function isOriginAllowed(
  request: Pick<IncomingMessage, 'headers'>,
  allowedOrigins: readonly string[],
  trustProxy: ProxyTrust,
): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) {
    return true;
  }
  if (allowedOrigins.includes('*')) {
    return true;
  }
  let originUrl: URL;
  try {
    originUrl = new URL(origin);
  } catch {
    return false; // includes the literal "null" of sandboxed frames and file:// pages
  }
  if (allowedOrigins.includes(originUrl.origin)) {
    return true;
  }
  const forwardedHost =
    trustProxy !== false ? firstHeader(request.headers['x-forwarded-host']) : undefined;
  const host = forwardedHost ?? request.headers.host;
  return host !== undefined && originUrl.host === host.toLowerCase();
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  const first = (Array.isArray(value) ? value[0] : value)?.split(',')[0]?.trim();
  return first ? first.toLowerCase() : undefined;
}
