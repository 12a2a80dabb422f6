/**
 * What a member's menu offers (MemberMenu draws them): Mention, Ignore and Report (their newest
 * message here) for anyone; Mute, Kick
 * and Ban for an owner or moderator who ranks above them; the roles for the owner.
 */
import type { RoomRole } from '@parley/protocol';

export type MemberActionId =
  | 'mention'
  | 'report'
  | 'ignore'
  | 'unignore'
  | 'mute'
  | 'unmute'
  | 'kick'
  | 'ban'
  | 'make-moderator'
  | 'remove-moderator'
  | 'make-owner';

export interface MemberMenuItem {
  id: MemberActionId;
  label: string;
  danger?: boolean;
}

export interface MemberState {
  /** I ignore them. */
  ignored: boolean;
  /** I rank above them (and they are not me). */
  outranked: boolean;
  /** I own the room. */
  owner: boolean;
  /** Their role. */
  role: RoomRole | undefined;
  /** This page saw them muted (and the mute has not run out). */
  muted: boolean;
  /** They are online now: roles are handed to people present only. */
  online: boolean;
  /** They have a message on this page that I may report (their newest), not me. */
  reportable: boolean;
}

export function memberActions(state: MemberState): MemberMenuItem[] {
  const items: MemberMenuItem[] = [{ id: 'mention', label: 'Mention' }];
  items.push(
    state.ignored
      ? { id: 'unignore', label: 'Stop ignoring' }
      : { id: 'ignore', label: 'Ignore (hide their messages for me)' },
  );
  if (state.reportable) {
    items.push({ id: 'report', label: 'Report their last message…' });
  }
  if (state.outranked) {
    items.push(
      state.muted ? { id: 'unmute', label: 'Unmute' } : { id: 'mute', label: 'Mute…' },
      { id: 'kick', label: 'Kick…', danger: true },
      { id: 'ban', label: 'Ban…', danger: true },
    );
  }
  if (state.owner && state.online && state.role !== 'owner') {
    items.push(
      state.role === 'moderator'
        ? { id: 'remove-moderator', label: 'Remove moderator' }
        : { id: 'make-moderator', label: 'Make moderator' },
      { id: 'make-owner', label: 'Make owner…' },
    );
  }
  return items;
}
