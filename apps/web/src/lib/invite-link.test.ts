import { describe, expect, it } from 'vitest';

import { inviteFromText, inviteLink, readInvite, takeInviteFromAddress } from './invite-link';

describe('invite links', () => {
  it('reads the invite from the fragment and takes it out of the address', () => {
    const replaced: string[] = [];
    const invite = takeInviteFromAddress(
      { hash: '#invite=Ab_9-x', pathname: '/r/games', search: '?x=1' },
      (url) => replaced.push(url),
    );
    expect(invite).toBe('Ab_9-x');
    expect(replaced).toEqual(['/r/games?x=1']);
  });

  it('leaves an address without an invite alone', () => {
    const replaced: string[] = [];
    expect(
      takeInviteFromAddress({ hash: '#top', pathname: '/', search: '' }, (url) =>
        replaced.push(url),
      ),
    ).toBeNull();
    expect(replaced).toEqual([]);
    expect(readInvite('#invite=')).toBeNull();
  });

  it('makes the link and reads it back from a pasted link or a bare secret', () => {
    const link = inviteLink('https://chat.example', 'games', 'Ab_9');
    expect(link).toBe('https://chat.example/r/games#invite=Ab_9');
    expect(inviteFromText(` ${link} `)).toBe('Ab_9');
    expect(inviteFromText('Ab_9')).toBe('Ab_9');
    expect(inviteFromText('not a link at all')).toBeNull();
  });
});
