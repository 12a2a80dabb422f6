import { describe, expect, it } from 'vitest';

import { arrivalsSince, buildRows, firstUnreadKey, GROUP_WINDOW_MS } from './message-rows';
import type { MessageItem, NoticeRun } from './timeline-items';

const NOON = new Date(2026, 10, 28, 12).getTime();

function message(seq: number, extra: Partial<MessageItem> = {}): MessageItem {
  return {
    kind: 'message',
    key: `m${seq}`,
    id: seq,
    ts: NOON + seq * 1000,
    username: 'Ada',
    avatar: '',
    text: `text ${seq}`,
    userId: 'ada',
    clientId: null,
    mine: false,
    status: 'sent',
    failure: null,
    seq,
    fresh: true,
    editedTs: null,
    deleted: false,
    mentions: [],
    mentionsMe: false,
    ...extra,
  };
}

function notice(seq: number): NoticeRun {
  const at = NOON + seq * 1000;
  return {
    kind: 'notices',
    key: `n${seq}`,
    notices: [
      {
        kind: 'joined',
        key: `n${seq}`,
        userId: 'bo',
        afterId: 0,
        at,
        username: 'Bo',
        text: 'Bo joined',
        mine: false,
        seq,
        fresh: true,
      },
    ],
    at,
    mine: false,
    seq,
    fresh: true,
  };
}

describe('buildRows', () => {
  it('groups one author’s messages close in time, and breaks the group for another author, a notice or a pause', () => {
    const rows = buildRows(
      [
        message(1),
        message(2),
        message(3, { userId: 'bo', username: 'Bo' }),
        notice(4),
        message(5),
        message(6, { ts: NOON + 5000 + GROUP_WINDOW_MS }),
      ],
      null,
    );
    expect(rows.map((row) => row.continued)).toEqual([false, true, false, false, false, false]);
  });

  it('labels the first item of each day, and places the unread marker', () => {
    const tomorrow = NOON + 24 * 60 * 60 * 1000;
    const rows = buildRows([message(1), message(2), message(3, { ts: tomorrow })], 'm2');
    expect(rows.map((row) => row.day !== null)).toEqual([true, false, true]);
    expect(rows.map((row) => row.unread)).toEqual([false, true, false]);
  });
});

describe('firstUnreadKey and arrivalsSince', () => {
  const items = [message(1), message(2, { mine: true, status: 'pending' }), message(3), notice(4)];

  it('finds the first live message by someone else after the marker', () => {
    expect(firstUnreadKey(items, null)).toBeNull();
    expect(firstUnreadKey(items, 1)).toBe('m3');
    expect(firstUnreadKey(items, 3)).toBeNull();
  });

  it('counts what arrived since: others’ messages, and whether I wrote', () => {
    expect(arrivalsSince(items, 0)).toEqual({ newest: 4, fromOthers: 2, written: true });
    expect(arrivalsSince(items, 2)).toEqual({ newest: 4, fromOthers: 1, written: false });
  });
});
