/**
 * The message list is one Tab stop: the current message (the one last focused, else the newest)
 * is in the Tab order and arrow keys move between messages, as in a feed. Before #21 every
 * message's time was a Tab stop: 200 messages took 200+ presses to get past.
 */
import type { ListItem as TimelineItem } from './timeline-items';

/** How many messages Page Up / Page Down skip. */
export const PAGE_STEP = 10;

/** The key of the message in the Tab order: `chosen` while it is still listed, else the newest. */
export function currentMessageKey(
  items: readonly TimelineItem[],
  chosen: string | null,
): string | null {
  let newest: string | null = null;
  for (const item of items) {
    if (item.kind === 'message') {
      if (item.key === chosen) {
        return chosen;
      }
      newest = item.key;
    }
  }
  return newest;
}

/** Where a navigation key moves focus among `count` messages from `index`; null: not ours. */
export function stepFocus(count: number, index: number, key: string): number | null {
  const last = count - 1;
  const targets: Partial<Record<string, number>> = {
    ArrowUp: index - 1,
    ArrowDown: index + 1,
    Home: 0,
    End: last,
    PageUp: index - PAGE_STEP,
    PageDown: index + PAGE_STEP,
  };
  const target = targets[key];
  return target === undefined || count === 0 ? null : Math.min(Math.max(target, 0), last);
}

/** The message an event happened in (its `<li data-testid="message">`), if any. */
export function messageOf(target: EventTarget | null): HTMLElement | null {
  return target instanceof HTMLElement
    ? target.closest<HTMLElement>('[data-testid="message"]')
    : null;
}

/**
 * Arrow keys, Home, End, Page Up and Page Down on a message (not in a text box inside it) move
 * focus to another message of `list`.
 */
export function moveFocus(list: HTMLElement, event: KeyboardEvent): void {
  const from = messageOf(event.target);
  const typing = event.target instanceof HTMLElement && event.target.matches('textarea, input');
  // Already handled inside the message (its menu's own arrow keys, say).
  if (!from || typing || event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) {
    return;
  }
  const all = Array.from(list.querySelectorAll<HTMLElement>('[data-testid="message"]'));
  const to = stepFocus(all.length, all.indexOf(from), event.key);
  if (to !== null) {
    event.preventDefault();
    all[to]?.focus();
  }
}
