import { DEFAULT_ERROR_MESSAGES, type ErrorCode } from './errors.js';

/** A refused request: a whitelisted code plus a sentence a person can read. */
export interface AckError {
  ok: false;
  error: ErrorCode;
  message: string;
  /** With `rate_limited`: milliseconds to wait before trying again. */
  retry_after?: number;
  /** With `banned` or `muted`: until when (ms since the epoch); absent for a ban for good. */
  until?: number;
  /** With `banned` or `kicked`: the reason the moderator gave, if any. */
  reason?: string;
}

/** A successful request, with whatever the request returns spread beside `ok`. */
export type AckOk<T extends object = Record<never, never>> = { ok: true } & T;

/** The answer to every client request that passes an ack callback. */
export type Ack<T extends object = Record<never, never>> = AckOk<T> | AckError;

export function ackError(
  error: ErrorCode,
  message: string = DEFAULT_ERROR_MESSAGES[error],
  retryAfterMs?: number,
): AckError {
  return retryAfterMs === undefined
    ? { ok: false, error, message }
    : { ok: false, error, message, retry_after: retryAfterMs };
}
