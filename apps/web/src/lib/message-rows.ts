import type { ListItem as TimelineItem, MessageItem } from './timeline-items';
import { dayStart, formatDay } from './time';

/** Messages by the same author this close together are drawn as one group. */
export const GROUP_WINDOW_MS = 5 * 60 * 1000;

/** One row of the message list: an item, and how it is drawn among its neighbours. */
export interface Row {
  item: TimelineItem;
  /** Follows a message by the same author, the same day, within {@link GROUP_WINDOW_MS}. */
  continued: boolean;
  /** A day's label ("Today", "Yesterday", a date) before the first item of each day. */
  day: string | null;
  /** The unread marker goes before this row. */
  unread: boolean;
}

function sameAuthor(a: MessageItem, b: MessageItem): boolean {
  return a.userId && b.userId ? a.userId === b.userId : a.username === b.username;
}

function itemTime(item: TimelineItem): number {
  return item.kind === 'message' ? item.ts : item.at;
}

function isContinued(item: TimelineItem, previous: TimelineItem | undefined): boolean {
  return (
    item.kind === 'message' &&
    previous?.kind === 'message' &&
    sameAuthor(previous, item) &&
    item.ts - previous.ts < GROUP_WINDOW_MS &&
    item.ts >= previous.ts &&
    dayStart(item.ts) === dayStart(previous.ts)
  );
}

/** The list's rows, in order; `unreadKey` is the first unread message's key (or null). */
export function buildRows(items: readonly TimelineItem[], unreadKey: string | null): Row[] {
  return items.map((item, index) => {
    const previous = items[index - 1];
    const day = dayStart(itemTime(item));
    return {
      item,
      continued: isContinued(item, previous),
      day: previous && dayStart(itemTime(previous)) === day ? null : formatDay(day),
      unread: item.key === unreadKey,
    };
  });
}

/** The first message by someone else that arrived live after arrival number `after`. */
export function firstUnreadKey(
  items: readonly TimelineItem[],
  after: number | null,
): string | null {
  if (after === null) {
    return null;
  }
  return (
    items.find((item) => item.kind === 'message' && item.fresh && !item.mine && item.seq > after)
      ?.key ?? null
  );
}

/** What arrived since arrival number `lastSeq`: the newest number, others' messages, mine. */
export function arrivalsSince(
  items: readonly TimelineItem[],
  lastSeq: number,
): { newest: number; fromOthers: number; written: boolean } {
  let newest = lastSeq;
  let fromOthers = 0;
  let written = false;
  for (const item of items) {
    if (item.seq <= lastSeq) {
      continue;
    }
    newest = Math.max(newest, item.seq);
    if (item.fresh && item.kind === 'message') {
      if (!item.mine) {
        fromOthers += 1;
      } else if (item.status === 'pending') {
        written = true;
      }
    }
  }
  return { newest, fromOthers, written };
}
