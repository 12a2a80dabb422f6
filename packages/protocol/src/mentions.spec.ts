import { describe, expect, it } from '@jest/globals';

import { MENTION_SCAN_LIMIT } from './limits.js';
import { findMentions, MentionIndex } from './mentions.js';

/** Node's and browsers' clock (the protocol compiles without either's type library). */
declare const performance: { now(): number };

const people = [
  { username: 'Ada', user_id: 'u-ada' },
  { username: 'Ada Lovelace', user_id: 'u-lovelace' },
  { username: 'Bo', user_id: 'u-bo' },
  { username: 'Zoé', user_id: 'u-zoe' },
];

/** `count` people named like generated names, plus some with spaces and accents. */
function crowd(count: number) {
  return Array.from({ length: count }, (_, n) => ({
    username: n % 3 === 0 ? `User_${1000 + n}` : n % 3 === 1 ? `Person ${n} Smith` : `Zoë ${n}`,
    user_id: `u-${n}`,
  }));
}

describe('findMentions', () => {
  it('finds the longest name at each @, names with spaces included, each person once', () => {
    expect(findMentions('hi @Ada Lovelace and @ada, @Bo @BO', people)).toEqual([
      'u-lovelace',
      'u-ada',
      'u-bo',
    ]);
    expect(findMentions('@Ada Lovelacey', people)).toEqual(['u-ada']);
  });

  it('matches case, width, accents and look-alikes as names clash', () => {
    expect(findMentions('@\u0410da @ＢＯ @zoe', people)).toEqual(['u-ada', 'u-bo', 'u-zoe']);
  });

  it('does not take @all for a person called Ali', () => {
    expect(findMentions('@all', [{ username: 'Ali', user_id: 'u-ali' }])).toEqual([]);
  });

  it('ignores e-mail addresses, partial names and unknown people', () => {
    expect(findMentions('ada@Bo.com @Adam @Bob @nobody', people)).toEqual([]);
  });

  it(`examines only the first ${MENTION_SCAN_LIMIT} @`, () => {
    const filler = '@nobody '.repeat(MENTION_SCAN_LIMIT - 1);
    expect(findMentions(`${filler}@Bo`, people)).toEqual(['u-bo']);
    expect(findMentions(`${filler}@nobody @Bo`, people)).toEqual([]);
    // An e-mail address's @ is not a mention and does not count.
    expect(findMentions(`${'a@b '.repeat(100)}${filler}@Bo`, people)).toEqual(['u-bo']);
  });

  it('is the same through a kept index', () => {
    const index = new MentionIndex(people);
    expect(findMentions('@bo @ada', index)).toEqual(['u-bo', 'u-ada']);
    expect(index.find('@bo @ada')).toEqual(['u-bo', 'u-ada']);
  });

  it('handles a 2000-@ message with 1,000 people online in a few milliseconds', () => {
    const room = crowd(1000);
    const index = new MentionIndex(room);
    const bombs = [
      '@'.repeat(2000),
      '@Person 1 Smith '.repeat(125),
      '@a'.repeat(1000),
      '@ '.repeat(1000),
    ];
    for (const text of bombs) {
      findMentions(text, index); // warm up
      const started = performance.now();
      findMentions(text, index);
      expect(performance.now() - started).toBeLessThan(20);
    }
    expect(findMentions('@Person 1 Smith @user_1003 @zoe 2', index)).toEqual(['u-1', 'u-3', 'u-2']);
  });
});
