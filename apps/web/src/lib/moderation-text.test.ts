import { describe, expect, it } from 'vitest';

import { formatCountdown, formatDuration, moderatedSentence } from './moderation-text';

describe('moderation in words', () => {
  it('says durations in the largest unit that fits', () => {
    expect([30, 300, 3600, 86_400, 7 * 86_400, 2 * 86_400, 90].map(formatDuration)).toEqual([
      '30 s',
      '5 min',
      '1 h',
      '1 day',
      '1 week',
      '2 days',
      '90 s',
    ]);
    // Not a round number: rounded in the largest unit it reaches.
    expect(formatDuration(3599)).toBe('60 min');
    expect(formatDuration(5400)).toBe('90 min');
  });

  it('counts down as a clock does', () => {
    expect([0, 999, 42_000, 245_000, 3_720_000].map(formatCountdown)).toEqual([
      '0:00',
      '0:01',
      '0:42',
      '4:05',
      '1:02:00',
    ]);
  });

  it('names me "you", and a role taken away or the room handed over', () => {
    const base = { user_id: 'me', username: 'Me', by: 'ada', by_username: 'Ada' };
    expect(moderatedSentence({ ...base, action: 'role' }, 'me', 0)).toBe(
      'Ada took moderator rights from you',
    );
    expect(
      moderatedSentence(
        { ...base, action: 'role', role: 'owner', user_id: 'bo', username: 'Bo' },
        'me',
        0,
      ),
    ).toBe('Ada handed the room to Bo');
    expect(moderatedSentence({ ...base, action: 'kick', reason: 'calm down' }, 'me', 0)).toBe(
      'Ada removed you from the room: calm down',
    );
  });
});
