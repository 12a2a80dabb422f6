import { describe, expect, it } from 'vitest';

import { currentMessageKey, PAGE_STEP, stepFocus } from './roving-focus';
import type { TimelineItem } from './timeline-items';

const message = (key: string) => ({ kind: 'message', key }) as TimelineItem;
const notice = (key: string) => ({ kind: 'notices', key }) as TimelineItem;

describe('currentMessageKey', () => {
  it('is the newest message when none was chosen, never a notice', () => {
    expect(currentMessageKey([message('a'), message('b'), notice('n')], null)).toBe('b');
    expect(currentMessageKey([notice('n')], null)).toBeNull();
  });

  it('is the chosen message while it is listed, the newest once it is gone', () => {
    const items = [message('a'), message('b'), message('c')];
    expect(currentMessageKey(items, 'a')).toBe('a');
    expect(currentMessageKey(items.slice(1), 'a')).toBe('c');
  });
});

describe('stepFocus', () => {
  it('moves one message with the arrows, to the ends with Home and End, and stops at the ends', () => {
    expect(stepFocus(5, 2, 'ArrowUp')).toBe(1);
    expect(stepFocus(5, 2, 'ArrowDown')).toBe(3);
    expect(stepFocus(5, 0, 'ArrowUp')).toBe(0);
    expect(stepFocus(5, 4, 'ArrowDown')).toBe(4);
    expect(stepFocus(5, 2, 'Home')).toBe(0);
    expect(stepFocus(5, 2, 'End')).toBe(4);
  });

  it('jumps a page with Page Up and Page Down, clamped', () => {
    expect(stepFocus(50, 30, 'PageUp')).toBe(30 - PAGE_STEP);
    expect(stepFocus(50, 45, 'PageDown')).toBe(49);
  });

  it('leaves other keys alone', () => {
    expect(stepFocus(5, 2, 'Enter')).toBeNull();
    expect(stepFocus(5, 2, 'a')).toBeNull();
    expect(stepFocus(0, 0, 'ArrowUp')).toBeNull();
  });
});
