import { DEFAULT_ERROR_MESSAGES, type ErrorCode } from './errors.js';

/** A refused request: a whitelisted code plus a sentence a person can read. */
export interface AckError {
  ok: false;
  error: ErrorCode;
  message: string;
}

/** A successful request, with whatever the request returns spread beside `ok`. */
export type AckOk<T extends object = Record<never, never>> = { ok: true } & T;

/** The answer to every client request that passes an ack callback. */
export type Ack<T extends object = Record<never, never>> = AckOk<T> | AckError;

export function ackError(
  error: ErrorCode,
  message: string = DEFAULT_ERROR_MESSAGES[error],
): AckError {
  return { ok: false, error, message };
}
