import {
  ackError,
  characterCount,
  checkMessage,
  ErrorCode,
  type AckError,
  type ClientToServerEvents,
  type MessageProblem,
  type ServerToClientEvents,
} from '@parley/protocol';
import type { Socket } from 'socket.io-client';

/** What reading values off the wire needs, shared by every store of the page. */

export type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** How long a request may wait for the server's answer. */
export const ACK_TIMEOUT_MS = 8000;

/** Failures the browser decides on its own, before or instead of a server answer. */
export type LocalErrorCode = 'not_connected' | 'timeout';

export interface LocalError {
  ok: false;
  error: LocalErrorCode;
  message: string;
}

export const NOT_CONNECTED: LocalError = {
  ok: false,
  error: 'not_connected',
  message: 'You are not connected right now. Try again once Parley reconnects.',
};

export const TIMED_OUT: LocalError = {
  ok: false,
  error: 'timeout',
  message: 'The server did not answer in time.',
};

/** A string from the server, or empty when it sent something else. */
export function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/**
 * Reads an ack that may not have the shape we expect (an older or newer server): anything that
 * is not a clear success or a refusal with a readable message becomes a generic refusal.
 */
export function readAck<T extends { ok: true }>(value: unknown): T | AckError {
  if (typeof value === 'object' && value !== null && 'ok' in value) {
    if (value.ok === true) {
      return value as T;
    }
    if ('message' in value && typeof value.message === 'string' && value.message.length > 0) {
      return value as AckError;
    }
  }
  return ackError(ErrorCode.Internal);
}

/** A refusal that asks to wait (`rate_limited`, with `retry_after`) before trying again. */
export function isRateLimited(refusal: AckError): boolean {
  return refusal.error === ErrorCode.RateLimited;
}

/** How long a `rate_limited` refusal asks to wait (a second if it does not say). */
export function retryAfterMs(refusal: AckError): number {
  const wait = Number(refusal.retry_after);
  return Number.isFinite(wait) && wait > 0 ? Math.min(wait, 60_000) : 1000;
}

/**
 * Avatars come from the server as same-origin paths (or absolute http(s) URLs). Anything else
 * is not shown, so a bad value can never point an image at another scheme.
 */
export function avatarReader(pageUrl: string): (url: unknown) => string {
  return (url) => {
    if (typeof url !== 'string' || url.length === 0) {
      return '';
    }
    try {
      const parsed = new URL(url, pageUrl);
      return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? url : '';
    } catch {
      return '';
    }
  };
}

/** The check a message passes here before it is sent: why it would be refused, or null. */
export function localProblem(
  message: string,
  maxLength: number,
): { error: MessageProblem; message: string } | null {
  const problem = checkMessage(message, maxLength);
  if (problem === ErrorCode.MessageTooLong) {
    const count = characterCount(message).toLocaleString();
    return {
      error: problem,
      message: `That message is too long: ${count} characters, the limit is ${maxLength.toLocaleString()}.`,
    };
  }
  return problem ? { error: problem, message: ackError(problem).message } : null;
}

/** A timeout's refusal, worded for a request the person can simply make again. */
export const TIMED_OUT_RETRY: LocalError = {
  ...TIMED_OUT,
  message: `${TIMED_OUT.message} Please try again.`,
};

/** A request was taken (or queued), or refused with a reason. */
export type AckResult = { ok: true } | AckError;
