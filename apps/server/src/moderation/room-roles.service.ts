import { Inject, Injectable } from '@nestjs/common';
import { type OnlineUser, type RoomRole, RoomRole as Role, roleRank } from '@parley/protocol';

import { CHAT_STORE } from '../storage/storage.module.js';
import type { ChatStore } from '../storage/chat-store.js';
import { keepRecent } from '../common/keep-recent.js';

/** Who holds a role in one room. */
export interface RoomRoles {
  owner: string | null;
  moderators: Set<string>;
}

/**
 * Rooms whose roles are kept in memory (least recently loaded go first): a room's entry is a few
 * hundred bytes, and every room with someone in it is loaded at their admission.
 */
const ROOMS_KEPT = 20_000;

/**
 * The one owner of who holds which role in a room: the owner and the moderators, read from the
 * store when someone enters the room and kept in memory, so presence can name roles on every
 * join and list without a query. Changes made here are written through; changes made elsewhere
 * (another node, the operator's command line) arrive through `ModerationFeedService`, which
 * reloads the room.
 */
@Injectable()
export class RoomRolesService {
  private readonly rooms = new Map<string, RoomRoles>();

  constructor(@Inject(CHAT_STORE) private readonly store: ChatStore) {}

  /** The room's roles, read once and then kept. */
  async load(room: string): Promise<RoomRoles> {
    return this.rooms.get(room) ?? this.reload(room);
  }

  /** Reads the room's roles again (they changed elsewhere). */
  async reload(room: string): Promise<RoomRoles> {
    const [record, moderators] = await Promise.all([
      this.store.moderation.getRoom(room),
      this.store.moderation.moderators(room),
    ]);
    const roles = { owner: record?.ownerUserId ?? null, moderators: new Set(moderators) };
    this.keep(room, roles);
    return roles;
  }

  /** Whether the room's roles are in memory (only those rooms need reloading on a change). */
  has(room: string): boolean {
    return this.rooms.has(room);
  }

  /** Replaces the kept roles after a change made on this node. */
  keep(room: string, roles: RoomRoles): void {
    keepRecent(this.rooms, room, roles, ROOMS_KEPT);
  }

  /** `userId`'s role in `room` as kept (rooms are loaded when someone enters them). */
  roleOf(room: string, userId: string): RoomRole | undefined {
    const roles = this.rooms.get(room);
    if (!roles) {
      return undefined;
    }
    if (roles.owner === userId) {
      return Role.Owner;
    }
    return roles.moderators.has(userId) ? Role.Moderator : undefined;
  }

  /** Whether `actor` ranks above `target` in `room`. */
  outranks(room: string, actor: string, target: string): boolean {
    return roleRank(this.roleOf(room, actor)) > roleRank(this.roleOf(room, target));
  }

  /** `user` with its role in `room`, when it has one (the same object when not). */
  withRole<User extends Pick<OnlineUser, 'user_id'>>(room: string, user: User): User {
    const role = this.roleOf(room, user.user_id);
    return role === undefined ? user : { ...user, role };
  }
}
