import {
  ackError,
  ClientEvent,
  ErrorCode,
  MESSAGE_MAX_LENGTH,
  normalizeMessage,
  type AckError,
} from '@parley/protocol';

import type { Connection } from './connection.svelte';
import type { OutboxEntry, OutboxFailure } from './outbox-storage';
import type { MessageItem } from './timeline-items';
import {
  ACK_TIMEOUT_MS,
  isRateLimited,
  localProblem,
  readAck,
  retryAfterMs,
  TIMED_OUT,
  type AckResult,
} from './wire';

/** Where a room's unsent messages are kept across reloads (localStorage in the page). */
export interface OutboxStore {
  load(): OutboxEntry[];
  save(entry: OutboxEntry): void;
  remove(clientId: string): void;
}

/** Who I am, as my unsent messages show it. */
export interface Author {
  readonly username: string;
  readonly avatar: string;
  readonly userId: string;
  readonly messageMaxLength: number;
}

/** What the outbox needs from the rest of the page. */
export interface OutboxDeps {
  connection: Connection;
  store: OutboxStore;
  author: Author;
  /** Display order shared with the timeline's items. */
  nextSeq: () => number;
  /** The server stored it (ack): the timeline shows it by id. */
  onStored: (item: MessageItem, id: number, ts: unknown) => void;
  /** The server took one of my messages (whichever came first, its ack or its `new_message`). */
  onSent?: () => void;
  /** The server refused a send (muted, slow mode…): the page may show why beyond the message. */
  onRefused?: (refusal: AckError) => void;
  newClientId: () => string;
  now?: () => number;
}

/** What became of one attempt to send a message. */
type Attempt = { outcome: 'settled' } | { outcome: 'dropped' } | { outcome: 'wait'; ms: number };

/**
 * My messages the server has not confirmed. Every message I write gets a `client_id` and goes to
 * the outbox (kept in storage) before anything is sent; it shows at once as pending. It is sent
 * whenever the socket is connected, one at a time, oldest first (the room sees them in the order
 * written, even when the server slows us down), at most once at a time per id, and leaves the
 * outbox when the server confirms it (ack, or its `new_message` coming back). A retry reuses the
 * id, so the server never stores it twice.
 */
export class Outbox {
  /** Pending or failed, in the order written. */
  unsent = $state.raw<MessageItem[]>([]);
  /** Client ids with a `send_message` awaiting its answer: never two at once for one id. */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, never shown
  readonly #inFlight = new Set<string>();
  /** Pending messages are being sent, one at a time, oldest first. */
  #pumping = false;
  /** Set while waiting out a rate limit before sending again. */
  #resendTimer: ReturnType<typeof setTimeout> | undefined;

  readonly #deps: OutboxDeps;

  constructor(deps: OutboxDeps) {
    this.#deps = deps;
    const { store } = deps;
    this.unsent = store.load().map((entry) => {
      // A stored entry that would be refused anyway waits for the person instead of being sent.
      const problem = entry.failure ? null : localProblem(entry.text, MESSAGE_MAX_LENGTH);
      return this.#item(problem ? { ...entry, failure: problem } : entry);
    });
  }

  /**
   * Queues a message: it shows at once as pending and goes out as soon as the connection allows.
   * Refused here only when the server would refuse it too (empty, too long).
   */
  send(raw: string): AckResult {
    const message = normalizeMessage(raw);
    const problem = localProblem(message, this.#deps.author.messageMaxLength);
    if (problem) {
      return ackError(problem.error, problem.message);
    }
    const item = this.#item({
      clientId: this.#deps.newClientId(),
      text: message,
      createdAt: (this.#deps.now ?? Date.now)(),
    });
    this.unsent = [...this.unsent, item];
    this.#save(item);
    this.flush();
    return { ok: true };
  }

  /** Sends a failed message again, with the same id (the server will not store it twice). */
  retry(clientId: string): void {
    const item = this.#find(clientId);
    if (!item || item.status !== 'failed') {
      return;
    }
    this.#replace({ ...item, status: 'pending', failure: null });
    this.flush();
  }

  /** Forgets an unsent message (one on its way cannot be called back). */
  discard(clientId: string): void {
    if (!this.#inFlight.has(clientId)) {
      this.#remove(clientId);
    }
  }

  /** Forgets an unsent message and hands back its text, e.g. to edit it in the composer. */
  takeBack(clientId: string): string | null {
    const item = this.#find(clientId);
    if (!item || this.#inFlight.has(clientId)) {
      return null;
    }
    this.#remove(clientId);
    return item.text;
  }

  /** The unsent message a stored one confirms (by client id), taken out of the outbox; or null. */
  takeConfirmed(clientId: string | null, userId: string): MessageItem | null {
    if (!clientId || (userId && this.#deps.author.userId && userId !== this.#deps.author.userId)) {
      return null;
    }
    const item = this.#find(clientId);
    if (item) {
      this.#remove(clientId);
    }
    return item ?? null;
  }

  /** My name or avatar changed: my unsent messages show the new ones. */
  renamed(): void {
    const { username, avatar } = this.#deps.author;
    if (this.unsent.some((item) => item.username !== username || item.avatar !== avatar)) {
      this.unsent = this.unsent.map((item) => ({ ...item, username, avatar }));
    }
  }

  /** Stops waiting out a rate limit (the page closes the connection). */
  stop(): void {
    clearTimeout(this.#resendTimer);
    this.#resendTimer = undefined;
  }

  /**
   * Starts sending pending messages if it can: connected, not already at it, not waiting out a
   * rate limit.
   */
  flush(): void {
    if (
      this.#pumping ||
      this.#resendTimer !== undefined ||
      !this.#deps.connection.socket.connected
    ) {
      return;
    }
    void this.#pump();
  }

  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      const tried: string[] = [];
      while (this.#deps.connection.socket.connected) {
        const next = this.unsent.find(
          (item) => item.status === 'pending' && item.clientId && !tried.includes(item.clientId),
        );
        if (!next?.clientId) {
          break;
        }
        const attempt = await this.#deliver(next.clientId, next.text);
        if (attempt.outcome === 'dropped') {
          // The connection went: the next one picks up from here.
          break;
        }
        if (attempt.outcome === 'wait') {
          this.#resendTimer = setTimeout(() => {
            this.#resendTimer = undefined;
            this.flush();
          }, attempt.ms);
          break;
        }
        tried.push(next.clientId);
      }
    } finally {
      this.#pumping = false;
    }
  }

  async #deliver(clientId: string, message: string): Promise<Attempt> {
    const socket = this.#deps.connection.socket;
    const connection = this.#deps.connection.connections;
    this.#inFlight.add(clientId);
    let answer: unknown;
    try {
      answer = await socket
        .timeout(ACK_TIMEOUT_MS)
        .emitWithAck(ClientEvent.SendMessage, { message, client_id: clientId });
    } catch {
      if (connection !== this.#deps.connection.connections || !socket.connected) {
        // Lost with the connection: still pending, it goes again (same id) once back.
        return { outcome: 'dropped' };
      }
      this.#fail(clientId, { error: TIMED_OUT.error, message: TIMED_OUT.message });
      return { outcome: 'settled' };
    } finally {
      this.#inFlight.delete(clientId);
    }
    const result = readAck<{ ok: true; id: number; ts: number }>(answer);
    if (result.ok) {
      this.#deps.onSent?.();
      this.#confirm(clientId, result.id, result.ts);
      return { outcome: 'settled' };
    }
    this.#deps.onRefused?.(result);
    if (isRateLimited(result) || result.error === ErrorCode.SlowMode) {
      // Not a failure: it stays pending, with the reason, and goes again when allowed (slow mode
      // may ask for minutes: its wait is taken as it is).
      const item = this.#find(clientId);
      if (item) {
        this.#replace({ ...item, failure: { error: result.error, message: result.message } });
      }
      const wait = Number(result.retry_after);
      return {
        outcome: 'wait',
        ms:
          result.error === ErrorCode.SlowMode && Number.isFinite(wait) && wait > 0
            ? wait
            : retryAfterMs(result),
      };
    }
    this.#fail(clientId, { error: result.error, message: result.message });
    return { outcome: 'settled' };
  }

  /** The server stored it: it leaves the outbox and takes its place by id. */
  #confirm(clientId: string, id: unknown, ts: unknown): void {
    const item = this.#find(clientId);
    if (!item) {
      // Already confirmed by its `new_message` (the usual order), or discarded meanwhile.
      return;
    }
    this.#remove(clientId);
    if (typeof id === 'number' && Number.isSafeInteger(id) && id > 0) {
      this.#deps.onStored(item, id, ts);
    }
  }

  #fail(clientId: string, failure: OutboxFailure): void {
    const item = this.#find(clientId);
    if (item) {
      this.#replace({ ...item, status: 'failed', failure });
    }
  }

  #find(clientId: string): MessageItem | undefined {
    return this.unsent.find((unsent) => unsent.clientId === clientId);
  }

  #item(entry: OutboxEntry): MessageItem {
    return {
      kind: 'message',
      key: `c${entry.clientId}`,
      id: null,
      ts: entry.createdAt,
      username: this.#deps.author.username,
      avatar: this.#deps.author.avatar,
      text: entry.text,
      userId: this.#deps.author.userId,
      clientId: entry.clientId,
      mine: true,
      status: entry.failure ? 'failed' : 'pending',
      failure: entry.failure ?? null,
      seq: this.#deps.nextSeq(),
      fresh: true,
      editedTs: null,
      deleted: false,
      mentions: [],
      mentionsMe: false,
    };
  }

  #save(item: MessageItem): void {
    if (!item.clientId) {
      return;
    }
    const entry: OutboxEntry = { clientId: item.clientId, text: item.text, createdAt: item.ts };
    if (item.status === 'failed' && item.failure) {
      // Only a real failure is kept; a pending message's note (slowed down) is not.
      entry.failure = item.failure;
    }
    this.#deps.store.save(entry);
  }

  #replace(item: MessageItem): void {
    this.unsent = this.unsent.map((unsent) => (unsent.clientId === item.clientId ? item : unsent));
    this.#save(item);
  }

  #remove(clientId: string): void {
    this.unsent = this.unsent.filter((item) => item.clientId !== clientId);
    this.#deps.store.remove(clientId);
  }
}
