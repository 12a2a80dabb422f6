/**
 * Hides the messages of people I ignore: each run of them (with nothing else between) becomes one
 * row, which the reader may open ("Show"). Applied to the list's items, never to the timeline
 * itself: unignoring brings everything back at once, in place.
 */
import type { IgnoredRun, ListItem, MessageItem, TimelineItem } from './timeline-items';

export function hideIgnored(
  items: readonly TimelineItem[],
  ignored: ReadonlySet<string>,
  /** Runs the reader opened (by their key): their messages show. */
  shown: ReadonlySet<string>,
): readonly ListItem[] {
  if (ignored.size === 0) {
    return items;
  }
  const out: ListItem[] = [];
  let run: MessageItem[] = [];
  const close = () => {
    const first = run[0];
    if (!first) {
      return;
    }
    const key = `i${first.key}`;
    if (shown.has(key)) {
      out.push(...run);
    } else {
      const hidden: IgnoredRun = {
        kind: 'ignored',
        key,
        keys: run.map((message) => message.key),
        at: first.ts,
        seq: Math.max(...run.map((message) => message.seq)),
        fresh: run.some((message) => message.fresh),
        mine: false,
      };
      out.push(hidden);
    }
    run = [];
  };
  for (const item of items) {
    if (item.kind === 'message' && !item.mine && item.userId && ignored.has(item.userId)) {
      run.push(item);
      continue;
    }
    close();
    out.push(item);
  }
  close();
  return out;
}
