import type { NewMessagePayload } from '@parley/protocol';

/**
 * Rough heap bytes of a page's messages: two bytes per character (V8 keeps Latin-1 strings in one,
 * so this errs high) plus a fixed cost per message object and per mention. Measured with
 * `heapUsed` for pages of 50 messages of 2,000 characters read from SQLite: 116 KB retained for
 * Latin-1 text, 213 KB for emoji; this says 217 KB for both, so the budget is an upper bound.
 */
export function estimatePageBytes(messages: readonly NewMessagePayload[]): number {
  let bytes = PAGE_OVERHEAD_BYTES;
  for (const message of messages) {
    bytes +=
      MESSAGE_OVERHEAD_BYTES +
      2 *
        (message.message.length +
          message.username.length +
          message.avatar.length +
          (message.user_id?.length ?? 0) +
          (message.client_id?.length ?? 0));
    for (const mention of message.mentions ?? []) {
      bytes += STRING_OVERHEAD_BYTES + 2 * mention.length;
    }
  }
  return bytes;
}

/** The page object, its array and the map entry holding it. */
const PAGE_OVERHEAD_BYTES = 200;
/** A message object with up to ten properties, its numbers and its strings' headers. */
const MESSAGE_OVERHEAD_BYTES = 250;
const STRING_OVERHEAD_BYTES = 24;

/**
 * A least-recently-used map bounded by bytes rather than entries: each value's size is estimated
 * once, when it is stored, and the least recently used values go until the new one fits. A value
 * bigger than the whole budget is not kept at all.
 */
export class ByteBoundedLru<Value> {
  /** Map order is insertion order: a read moves its key to the end, so the first is the oldest. */
  private readonly entries = new Map<string, { value: Value; bytes: number }>();
  private used = 0;

  constructor(
    private readonly budgetBytes: number,
    private readonly sizeOf: (value: Value) => number,
  ) {}

  /** Estimated bytes held now; never more than the budget. */
  get bytes(): number {
    return this.used;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): Value | undefined {
    const entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    return entry?.value;
  }

  set(key: string, value: Value): void {
    this.delete(key);
    const bytes = this.sizeOf(value);
    if (bytes > this.budgetBytes) {
      return;
    }
    for (const [oldest, entry] of this.entries) {
      if (this.used + bytes <= this.budgetBytes) {
        break;
      }
      this.entries.delete(oldest);
      this.used -= entry.bytes;
    }
    this.entries.set(key, { value, bytes });
    this.used += bytes;
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key);
      this.used -= entry.bytes;
    }
  }
}
