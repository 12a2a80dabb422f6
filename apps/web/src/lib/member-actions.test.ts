import { describe, expect, it } from 'vitest';

import { memberActions, type MemberState } from './member-actions';

const ids = (state: Partial<MemberState>) =>
  memberActions({
    ignored: false,
    outranked: false,
    owner: false,
    role: undefined,
    muted: false,
    online: true,
    reportable: false,
    ...state,
  }).map((item) => item.id);

describe('a member’s menu', () => {
  it('offers anyone Mention and Ignore (or Stop ignoring)', () => {
    expect(ids({})).toEqual(['mention', 'ignore']);
    expect(ids({ ignored: true })).toEqual(['mention', 'unignore']);
  });

  it('offers Report when they have a message here I may report', () => {
    expect(ids({ reportable: true })).toEqual(['mention', 'ignore', 'report']);
  });

  it('offers a moderator above them Mute, Kick and Ban (Unmute once muted)', () => {
    expect(ids({ outranked: true })).toEqual(['mention', 'ignore', 'mute', 'kick', 'ban']);
    expect(ids({ outranked: true, muted: true })).toContain('unmute');
  });

  it('offers the owner the roles of people present', () => {
    expect(ids({ outranked: true, owner: true, role: 'moderator' })).toEqual([
      'mention',
      'ignore',
      'mute',
      'kick',
      'ban',
      'remove-moderator',
      'make-owner',
    ]);
    expect(ids({ outranked: true, owner: true })).toContain('make-moderator');
    expect(ids({ outranked: true, owner: true, online: false })).not.toContain('make-moderator');
  });
});
