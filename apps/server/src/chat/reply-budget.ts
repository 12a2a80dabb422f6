import { setTimeout as sleep } from 'node:timers/promises';

import {
  ackError,
  type AckError,
  ErrorCode,
  HISTORY_PAGE_SIZE,
  type NewMessagePayload,
} from '@parley/protocol';

import { backlogBytes, backlogLimitOf } from './connection-backlog.js';

/** Most bytes of messages (as sent) in one page of a replay. */
const PAGE_BYTES = 256 * 1024;
/** What a message costs in a frame besides its text (names, avatar URL, ids, JSON). */
const MESSAGE_OVERHEAD_BYTES = 256;
/** How often a replay looks whether the previous page has reached its client. */
const DRAIN_CHECK_MS = 20;
/** A replay whose client takes no page for this long is closed as a slow client. */
const DRAIN_TIMEOUT_MS = 20_000;
/** When a refused history request may be tried again. */
const RETRY_AFTER_MS = 1000;

/** What a socket needs to be: its engine.io connection, and whether it is still there. */
interface Replying {
  conn: unknown;
  disconnected: boolean;
}

/**
 * Big replies (history pages, resumes) are produced only for a connection that is reading what
 * it was sent. Four sessions asking for 1.6 MB pages at the allowed rate without reading grew
 * the server by 626 MB in 15 s; the connection limit (`SLOW_CLIENT_BUFFER_BYTES`) bounds every
 * write, and this keeps honest but slow readers under it instead of closing them:
 *
 * - a history page is refused (`rate_limited`, retry in 1 s) while another is being produced
 *   for the same connection, or while more than a quarter of the limit waits for it;
 * - a resume goes out a page at a time (at most 50 messages and about 256 KB), each once the
 *   previous one has left the server; a client that takes none for 20 s is closed as slow.
 */
export class ReplyBudget {
  private readonly producing = new WeakSet<object>();
  /** Waiting bytes past which no new big reply is produced. */
  private readonly busyBytes: number;
  /** Waiting bytes under which the next page of a replay goes out. */
  private readonly drainedBytes: number;

  constructor(limitBytes: number) {
    this.busyBytes = limitBytes / 4;
    this.drainedBytes = Math.min(PAGE_BYTES, this.busyBytes);
  }

  /**
   * Claims the right to produce a big reply for `socket`, or says why not. A claim must be
   * released once the reply is written.
   */
  claim(socket: Replying): AckError | undefined {
    if (this.producing.has(socket) || backlogBytes(socket.conn) > this.busyBytes) {
      return ackError(
        ErrorCode.RateLimited,
        'Still sending you what you asked before. Try again in 1 second.',
        RETRY_AFTER_MS,
      );
    }
    this.producing.add(socket);
    return undefined;
  }

  release(socket: Replying): void {
    this.producing.delete(socket);
  }

  /**
   * Resolves true once what `socket` was sent has mostly left the server; false if it
   * disconnected, or took nothing for too long (then it is closed as a slow client).
   */
  async drained(socket: Replying): Promise<boolean> {
    const deadline = Date.now() + DRAIN_TIMEOUT_MS;
    while (!socket.disconnected) {
      if (backlogBytes(socket.conn) <= this.drainedBytes) {
        return true;
      }
      if (Date.now() > deadline) {
        backlogLimitOf(socket.conn)?.closeAsSlow(socket.conn as never);
        return false;
      }
      await sleep(DRAIN_CHECK_MS);
    }
    return false;
  }
}

/**
 * A replay cut into pages of at most {@link HISTORY_PAGE_SIZE} messages and about
 * {@link PAGE_BYTES}, oldest first (always one page, maybe empty).
 */
export function replayPages(messages: readonly NewMessagePayload[]): NewMessagePayload[][] {
  const pages: NewMessagePayload[][] = [];
  let page: NewMessagePayload[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = Buffer.byteLength(message.message) + MESSAGE_OVERHEAD_BYTES;
    if (page.length > 0 && (page.length >= HISTORY_PAGE_SIZE || bytes + size > PAGE_BYTES)) {
      pages.push(page);
      page = [];
      bytes = 0;
    }
    page.push(message);
    bytes += size;
  }
  pages.push(page);
  return pages;
}
