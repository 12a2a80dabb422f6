/**
 * Roles and moderation's words, free of zod: the web app imports these without pulling the
 * schemas (and zod) into the page (52 → 168 KB gzipped when it did).
 */

/** A person's standing in one room; absent on the wire for everyone else. */
export const RoomRole = {
  /** Created the room (or was handed it); one per room, the default room has none. */
  Owner: 'owner',
  /** Made so by the owner or the server's operator. */
  Moderator: 'moderator',
} as const;
export type RoomRole = (typeof RoomRole)[keyof typeof RoomRole];

/** How much a role may do: an actor must rank above whoever it acts on. */
export function roleRank(role: RoomRole | undefined): number {
  return role === RoomRole.Owner ? 2 : role === RoomRole.Moderator ? 1 : 0;
}

/** What `moderate` does to a person, and what `member_moderated` announces. */
export const MemberAction = {
  /** Their sends are refused (`muted`) until `until`; they stay and read. */
  Mute: 'mute',
  Unmute: 'unmute',
  /** Disconnected from the room; may come back after a short cool-down. */
  Kick: 'kick',
  /** Refused at the handshake (`banned`) by session and by address, until `until` or for good. */
  Ban: 'ban',
  Unban: 'unban',
  /** Their last `count` messages were removed. */
  CleanUp: 'clean_up',
  /** Their role changed to `role` (absent: none). Only in `member_moderated`: use `set_role`. */
  Role: 'role',
} as const;
export type MemberAction = (typeof MemberAction)[keyof typeof MemberAction];

/** What the audit log records besides actions on people. */
export const RoomAction = {
  /** Topic, slow mode or lock changed (`detail` says which). */
  RoomUpdated: 'room_updated',
  /** A moderator removed one message (`detail` holds its id). */
  MessageRemoved: 'message_removed',
  /** The invite link was made or replaced. */
  InviteRotated: 'invite_rotated',
  /** Ownership was taken back with a recovery code. */
  OwnershipClaimed: 'ownership_claimed',
} as const;
export type RoomAction = (typeof RoomAction)[keyof typeof RoomAction];
export type AuditAction = MemberAction | RoomAction;

/** Who acted, on the wire: a person's user id, or this for the server's operator (the CLI). */
export const OPERATOR = 'operator';

/** Mutes without a duration last this long. */
export const DEFAULT_MUTE_S = 10 * 60;
