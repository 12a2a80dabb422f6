/**
 * A locked room's invite travels in the link's fragment (`/r/<room>#invite=<secret>`): the
 * fragment never reaches the server's logs or a Referer. The page reads it once, keeps it for the
 * room (reloads still get in) and takes it out of the address bar, so a screenshot or a copied
 * address does not hand it on.
 */
import { roomPath } from '@parley/protocol';

export function inviteKey(room: string): string {
  return `parley.invite.${room}`;
}

/** The invite in a fragment like `#invite=abc` (or `#x=1&invite=abc`), or null. */
export function readInvite(hash: string): string | null {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const invite = params.get('invite')?.trim() ?? '';
  return invite.length > 0 && invite.length <= 64 ? invite : null;
}

/** The invite in a pasted link or a bare secret, or null. */
export function inviteFromText(text: string): string | null {
  const trimmed = text.trim();
  const hash = trimmed.indexOf('#');
  if (hash >= 0) {
    return readInvite(trimmed.slice(hash));
  }
  return /^[A-Za-z0-9_-]{1,64}$/.test(trimmed) ? trimmed : null;
}

/** The link that brings someone into `room` with `invite`. */
export function inviteLink(origin: string, room: string, invite: string): string {
  return `${origin}${roomPath(room)}#invite=${encodeURIComponent(invite)}`;
}

/** Takes the invite out of the page's address (kept in history as the plain room address). */
export function takeInviteFromAddress(
  location: { hash: string; pathname: string; search: string },
  replace: (url: string) => void,
): string | null {
  const invite = readInvite(location.hash);
  if (invite) {
    replace(`${location.pathname}${location.search}`);
  }
  return invite;
}
