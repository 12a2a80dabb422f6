import { ClientEvent, HISTORY_PAGE_SIZE, type AckError } from '@parley/protocol';

import { ACK_TIMEOUT_MS, isRateLimited, readAck, retryAfterMs, type ChatSocket } from './wire';

/** A page of older messages as the server answered it (`load_history`), not yet read. */
export interface OlderPage {
  ok: true;
  messages: unknown;
  has_more: unknown;
}

/**
 * Asks for the page of messages just older than `before`, waiting out a rate limit (scrolling back
 * faster than the server allows: the page comes a moment later). Resolves `null` once `stale()`
 * says the answer is no longer wanted; rejects on a timeout or a lost connection.
 */
export async function requestOlderPage(
  socket: ChatSocket,
  before: number,
  stale: () => boolean,
): Promise<OlderPage | AckError | null> {
  for (;;) {
    const answer: unknown = await socket
      .timeout(ACK_TIMEOUT_MS)
      .emitWithAck(ClientEvent.LoadHistory, { before, limit: HISTORY_PAGE_SIZE });
    if (stale()) {
      return null;
    }
    const result = readAck<OlderPage>(answer);
    if (result.ok || !isRateLimited(result)) {
      return result;
    }
    await new Promise((resolve) => setTimeout(resolve, retryAfterMs(result)));
    if (stale() || !socket.connected) {
      return null;
    }
  }
}
