import { describe, expect, it } from 'vitest';

import { hideIgnored } from './ignore-filter';
import type { ListItem, MessageItem } from './timeline-items';

function message(id: number, userId: string): MessageItem {
  return {
    kind: 'message',
    key: `m${id}`,
    id,
    ts: id,
    username: userId,
    avatar: '',
    text: `text ${id}`,
    userId,
    clientId: null,
    mine: userId === 'me',
    status: 'sent',
    failure: null,
    seq: id,
    fresh: true,
    editedTs: null,
    deleted: false,
    mentions: [],
    mentionsMe: false,
  };
}

const keys = (items: readonly ListItem[]) =>
  items.map((item) => (item.kind === 'ignored' ? `hidden:${item.keys.join(',')}` : item.key));

describe('hideIgnored', () => {
  const items = [message(1, 'ada'), message(2, 'troll'), message(3, 'troll'), message(4, 'me')];

  it('folds each run of an ignored person’s messages into one row', () => {
    expect(keys(hideIgnored(items, new Set(['troll']), new Set()))).toEqual([
      'm1',
      'hidden:m2,m3',
      'm4',
    ]);
  });

  it('shows a run the reader opened, and everything when nobody is ignored', () => {
    expect(keys(hideIgnored(items, new Set(['troll']), new Set(['im2'])))).toEqual([
      'm1',
      'm2',
      'm3',
      'm4',
    ]);
    expect(hideIgnored(items, new Set(), new Set())).toBe(items);
  });
});
