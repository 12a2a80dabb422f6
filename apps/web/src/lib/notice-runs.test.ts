import { describe, expect, it } from 'vitest';

import {
  collapseRuns,
  leftToReconnect,
  listNames,
  RECONNECT_WINDOW_MS,
  summarize,
} from './notice-runs';
import type { ConfirmedMessage, NoticeItem, TimelineEntry } from './timeline-items';

const NOON = new Date(2026, 10, 28, 12).getTime();

function notice(seq: number, extra: Partial<NoticeItem> = {}): NoticeItem {
  return {
    kind: 'joined',
    key: `n${seq}`,
    userId: '',
    afterId: 0,
    at: NOON + seq,
    username: 'Bo',
    text: 'Bo joined',
    mine: false,
    seq,
    fresh: true,
    ...extra,
  };
}

const message = (id: number, userId = 'ada') =>
  ({ kind: 'message', key: `m${id}`, id, userId, username: 'Ada', seq: id }) as ConfirmedMessage;

describe('listNames', () => {
  it('lists up to three names, then the first two and how many others', () => {
    expect(listNames(['Ada'])).toBe('Ada');
    expect(listNames(['Ada', 'Bo', 'Cy'])).toBe('Ada, Bo and Cy');
    expect(listNames(['Ada', 'Bo', 'Cy', 'Dee'])).toBe('Ada, Bo and 2 others');
    expect(listNames(['A', 'B', 'C', 'D', 'E', 'F', 'G'])).toBe('A, B and 5 others');
  });
});

describe('summarize', () => {
  it('keeps each name a piece of its own, so a right-to-left name cannot reorder the line', () => {
    const [run] = collapseRuns([
      notice(1, { username: 'שלום', text: 'שלום joined' }),
      notice(2, { username: 'Bo' }),
      notice(3, { kind: 'left', username: 'Cy', text: 'Cy left' }),
    ]);
    if (run?.kind !== 'notices') {
      throw new Error('no run');
    }
    expect(summarize(run)).toEqual([
      {
        kind: 'joined',
        text: 'שלום and Bo joined',
        pieces: [{ name: 'שלום' }, { words: ' and ' }, { name: 'Bo' }, { words: ' joined' }],
        truncated: false,
      },
      {
        kind: 'left',
        text: 'Cy left',
        pieces: [{ name: 'Cy' }, { words: ' left' }],
        truncated: false,
      },
    ]);
  });
});

describe('collapseRuns', () => {
  it('makes consecutive notices one item keyed by the first, its seq the newest', () => {
    const entries: TimelineEntry[] = [message(1), notice(2), notice(3), message(4), notice(5)];
    const items = collapseRuns(entries);
    expect(items.map((item) => item.key)).toEqual(['m1', 'n2', 'm4', 'n5']);
    const run = items[1];
    expect(run?.kind === 'notices' && run.notices.map((entry) => entry.key)).toEqual(['n2', 'n3']);
    expect(run?.seq).toBe(3);
  });

  it('starts a new run on another day and around a notice of mine', () => {
    const day = 24 * 60 * 60 * 1000;
    const items = collapseRuns([
      notice(1),
      notice(2, { mine: true }),
      notice(3),
      notice(4, { at: NOON + day }),
    ]);
    expect(items.map((item) => item.key)).toEqual(['n1', 'n2', 'n3', 'n4']);
  });
});

describe('leftToReconnect', () => {
  const bo = { userId: 'bo', username: 'Bo' };
  const left = notice(1, { kind: 'left', userId: 'bo', text: 'Bo left' });

  it('finds their latest left within the window, matched by user_id', () => {
    expect(leftToReconnect([left], [], bo, left.at + RECONNECT_WINDOW_MS)).toBe(left);
    expect(leftToReconnect([left], [], bo, left.at + RECONNECT_WINDOW_MS + 1)).toBeUndefined();
    expect(leftToReconnect([left], [], { userId: 'x', username: 'Bo' }, left.at)).toBeUndefined();
  });

  it('falls back to the name without ids; not after they wrote, nor after a later join', () => {
    const anonymous = { ...left, userId: '' };
    expect(leftToReconnect([anonymous], [], { userId: '', username: 'Bo' }, left.at)).toBe(
      anonymous,
    );
    expect(leftToReconnect([left], [message(2, 'bo')], bo, left.at)).toBeUndefined();
    expect(leftToReconnect([left], [message(2, 'cy')], bo, left.at)).toBe(left);
    const rejoined = notice(2, { userId: 'bo' });
    expect(leftToReconnect([left, rejoined], [], bo, left.at)).toBeUndefined();
  });
});
