import type { IncomingMessage } from 'node:http';

import { clientAddress, type ProxyTrust } from './client-address.js';
import type { RateLimitsService, Verdict } from './rate-limits.service.js';

/** What the Engine.IO handshake decided, kept on its request for the Socket.IO connect. */
const ADMISSION = Symbol('handshake admission');
type RequestWithAdmission = IncomingMessage & { [ADMISSION]?: Verdict };

export type HandshakeVerdict = { ok: true } | { ok: false; message: string };

/** The words of a connection refusal, the same at the handshake and at the Socket.IO connect. */
export function tooManyConnections(retryAfterMs: number): string {
  return `Too many connections from your address. Try again in ${Math.ceil(retryAfterMs / 1000)} s.`;
}

/**
 * The per-address connection limit, applied to the Engine.IO handshake (engine.io's
 * `allowRequest`, which it calls only for requests without a `sid`), before any session exists:
 * applied at the Socket.IO connect instead, 60,000 bare polling handshakes from one address in
 * 3.5 s were all admitted (173 → 469 MB), each kept about 45 s.
 *
 * A client is counted once: the verdict rides on the handshake's request to the Socket.IO
 * connect ({@link takeHandshakeVerdict}). Past the limit, the first few handshakes of an address
 * are still let through, refused, so that Socket.IO clients get the usual `connect_error`
 * (`rate_limited`, its words and `retry_after`); a browser shows nothing readable for a refused
 * WebSocket upgrade. Past those, the handshake is refused with engine.io's HTTP 403.
 */
export class HandshakeLimit {
  constructor(
    private readonly limits: RateLimitsService,
    private readonly trustProxy: ProxyTrust,
  ) {}

  async check(request: IncomingMessage): Promise<HandshakeVerdict> {
    const address = clientAddress(request.socket.remoteAddress, request.headers, this.trustProxy);
    const verdict = await this.limits.connect(address);
    if (verdict.ok || (await this.limits.connectRefusalShown(address))) {
      (request as RequestWithAdmission)[ADMISSION] = verdict;
      return { ok: true };
    }
    return { ok: false, message: tooManyConnections(verdict.retryAfterMs) };
  }
}

/**
 * The verdict of the Engine.IO handshake that `request` opened, once: a second Socket.IO connect
 * on the same connection (or one whose handshake was not checked) finds none and is counted.
 */
export function takeHandshakeVerdict(request: unknown): Verdict | undefined {
  const admitted = request as RequestWithAdmission | null | undefined;
  const verdict = admitted?.[ADMISSION];
  if (verdict) {
    admitted[ADMISSION] = undefined;
  }
  return verdict;
}

/** Whether an Engine.IO request opens a connection (no `sid`): only those are counted. */
export function isHandshake(request: IncomingMessage): boolean {
  const query = (request as { _query?: { sid?: unknown } })._query;
  if (query) {
    return query.sid === undefined;
  }
  return !new URL(request.url ?? '/', 'http://localhost').searchParams.has('sid');
}
