import { Inject, Injectable } from '@nestjs/common';
import {
  ackError,
  type AckError,
  DEFAULT_MUTE_S,
  ErrorCode,
  MemberAction,
  type MemberModeratedPayload,
  type ModerateAck,
  type moderatePayloadSchema,
  RoomAction,
  type RoomRole,
  ServerEvent,
  type SetRoleAck,
} from '@parley/protocol';
import type { z } from 'zod';

import { roomChannel } from '../chat/channels.js';
import { ClusterPresenceService } from '../cluster/cluster-presence.service.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { MessagesService } from '../messages/messages.service.js';
import type { Emission } from '../presence/emission.js';
import { CHAT_STORE } from '../storage/storage.module.js';
import type { ChatStore } from '../storage/chat-store.js';
import { publicUserId } from '../users/public-user-id.js';
import { type RoomMember, UsersService } from '../users/users.service.js';
import { ModerationRelay } from './moderation-relay.service.js';
import { type Actor, ModerationService } from './moderation.service.js';
import { RoomRolesService } from './room-roles.service.js';
import { RoomStateService } from './room-state.service.js';

type ModeratePayload = z.output<typeof moderatePayloadSchema>;
type ModerateOk = Extract<ModerateAck, { ok: true }>;

/** Someone acted on: their id, and what is known of them. */
interface Target {
  userId: string;
  username: string | undefined;
  /** Known when they wrote in the room lately (needed for a clean-up). */
  sessionId: string | undefined;
}

/** How many of a room's newest messages are searched for the author behind a user id. */
const AUTHORS_SCANNED = 5000;

/**
 * What owners and moderators do to people: mute, kick, ban (and lift them), clean up someone's
 * messages, remove one message, and the owner's roles. Nobody acts on an equal or a higher role.
 * Every action is written to the audit log and announced to the room in one `member_moderated`.
 */
@Injectable()
export class MemberActionsService {
  constructor(
    @Inject(CHAT_STORE) private readonly store: ChatStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly moderation: ModerationService,
    private readonly roles: RoomRolesService,
    private readonly state: RoomStateService,
    private readonly relay: ModerationRelay,
    private readonly users: UsersService,
    private readonly cluster: ClusterPresenceService,
    private readonly messages: MessagesService,
  ) {}

  async moderate(
    actor: Actor,
    payload: ModeratePayload,
    now = Date.now(),
  ): Promise<ModerateOk | AckError> {
    const refused = await this.moderation.requireRole(actor, 'moderator');
    if (refused) {
      return refused;
    }
    const { room } = actor;
    if (payload.user_id === actor.userId) {
      return ackError(ErrorCode.NotAllowed, 'You cannot do that to yourself.');
    }
    if (!this.roles.outranks(room, actor.userId, payload.user_id)) {
      return ackError(ErrorCode.NotAllowed, 'You cannot act on someone of your rank or above.');
    }
    const target = await this.find(room, payload.user_id);
    switch (payload.action) {
      case MemberAction.Mute:
      case MemberAction.Kick:
      case MemberAction.Ban:
        if (target.username === undefined) {
          return ackError(ErrorCode.UserNotFound);
        }
        return this.restrict(actor, target, payload, now);
      case MemberAction.Unmute:
      case MemberAction.Unban:
        return this.lift(actor, target, payload.action, now);
      case MemberAction.CleanUp:
        return this.cleanUp(actor, target, payload.count, payload.reason, now);
    }
  }

  private async restrict(
    actor: Actor,
    target: Target,
    payload: Extract<ModeratePayload, { action: 'mute' | 'kick' | 'ban' }>,
    now: number,
  ): Promise<ModerateOk> {
    const { room } = actor;
    const { action } = payload;
    const reason = payload.reason || null;
    const duration =
      action === MemberAction.Kick
        ? this.config.kickCooldownS
        : action === MemberAction.Mute
          ? (payload.duration_s ?? DEFAULT_MUTE_S)
          : payload.duration_s;
    const until = duration === undefined ? null : now + duration * 1000;
    let byAddress = false;
    let hash: string | null = null;
    if (action === MemberAction.Ban) {
      const hashes = await this.relay.addressHashes(room, target.userId);
      hash = hashes[0] ?? this.moderation.recentAddress(room, target.userId) ?? null;
      byAddress = hash !== null;
      await this.store.moderation.revokePass(room, target.userId);
    }
    await this.store.moderation.restrict({
      room,
      kind: action,
      userId: target.userId,
      addressHash: hash,
      username: target.username ?? null,
      until,
      reason,
      byUserId: actor.userId,
      byUsername: actor.username,
      ts: now,
    });
    if (action === MemberAction.Mute) {
      this.state.update(room, (kept) =>
        kept.mutes.set(target.userId, until ?? Number.MAX_SAFE_INTEGER),
      );
    }
    await this.record(actor, action, target, { until, reason, detail: null }, now);
    this.announce(actor, action, target, { until, reason });
    if (action !== MemberAction.Mute) {
      // After the announcement, so the person hears why before the connection closes.
      this.relay.disconnect(room, target.userId);
    }
    return {
      ok: true,
      action,
      user_id: target.userId,
      ...(until !== null ? { until } : {}),
      ...(action === MemberAction.Ban ? { by_address: byAddress } : {}),
    };
  }

  private async lift(
    actor: Actor,
    target: Target,
    action: 'unmute' | 'unban',
    now: number,
  ): Promise<ModerateOk | AckError> {
    const { room } = actor;
    const lifted =
      action === MemberAction.Unmute
        ? await this.store.moderation.lift(room, 'mute', target.userId)
        : (
            await Promise.all([
              this.store.moderation.lift(room, 'ban', target.userId),
              this.store.moderation.lift(room, 'kick', target.userId),
            ])
          ).some(Boolean);
    if (!lifted) {
      return ackError(
        ErrorCode.UserNotFound,
        action === MemberAction.Unmute
          ? 'Nobody with that id is muted here.'
          : 'Nobody with that id is banned here.',
      );
    }
    if (action === MemberAction.Unmute) {
      this.state.update(room, (kept) => kept.mutes.delete(target.userId));
    }
    await this.record(actor, action, target, { until: null, reason: null, detail: null }, now);
    this.announce(actor, action, target, {});
    return { ok: true, action, user_id: target.userId };
  }

  private async cleanUp(
    actor: Actor,
    target: Target,
    count: number,
    reason: string | undefined,
    now: number,
  ): Promise<ModerateOk | AckError> {
    if (target.sessionId === undefined) {
      return ackError(ErrorCode.UserNotFound, 'That person has no recent messages here.');
    }
    const { room } = actor;
    const ids = await this.messages.removeLatestBy(room, target.sessionId, count, now);
    const emissions: Emission[] = ids.map((id) => ({
      event: ServerEvent.MessageDeleted,
      payload: { id, removed: true },
      to: roomChannel(room),
    }));
    this.relay.emit(emissions);
    await this.record(
      actor,
      MemberAction.CleanUp,
      target,
      { until: null, reason: reason || null, detail: `${ids.length} messages` },
      now,
    );
    this.announce(actor, MemberAction.CleanUp, target, { count: ids.length, reason });
    return { ok: true, action: MemberAction.CleanUp, user_id: target.userId, ids };
  }

  /**
   * The owner makes someone present a moderator, unmakes one, or hands over the room (the old
   * owner becomes a moderator). The room hears a `member_moderated` (`role`) per person changed.
   */
  async setRole(
    actor: Actor,
    userId: string,
    role: RoomRole | null,
    now = Date.now(),
  ): Promise<Extract<SetRoleAck, { ok: true }> | AckError> {
    const refused = await this.moderation.requireRole(actor, 'owner');
    if (refused) {
      return refused;
    }
    const { room } = actor;
    if (userId === actor.userId) {
      return ackError(ErrorCode.NotAllowed, 'You already own this room.');
    }
    const target = await this.find(room, userId);
    const present = this.isPresent(room, userId, await this.cluster.online(room));
    if (role !== null && !present) {
      return ackError(ErrorCode.UserNotFound, 'Roles go to people who are here now.');
    }
    const changes: Array<[Target | Actor, RoomRole | null]> = [];
    if (role === 'owner') {
      await this.store.moderation.setModerator(room, userId, false);
      await this.store.moderation.setOwner(room, userId);
      await this.store.moderation.setModerator(room, actor.userId, true);
      await this.store.moderation.setRecoveryHash(room, null);
      changes.push([target, 'owner'], [actor, 'moderator']);
    } else {
      const changed = await this.store.moderation.setModerator(room, userId, role === 'moderator');
      if (!changed) {
        return { ok: true, user_id: userId, role };
      }
      changes.push([target, role]);
    }
    await Promise.all([this.roles.reload(room), this.state.reload(room)]);
    for (const [person, newRole] of changes) {
      const who = toTarget(person);
      await this.record(
        actor,
        MemberAction.Role,
        who,
        { until: null, reason: null, detail: newRole ?? 'member' },
        now,
      );
      this.announce(actor, MemberAction.Role, who, { role: newRole });
      this.relay.moderatorChannel(room, who.userId, newRole !== null);
    }
    return { ok: true, user_id: userId, role };
  }

  /**
   * `delete_message`: its author deletes it, or an owner or moderator who outranks its author
   * removes it (recorded in the audit log; the tombstone says so).
   */
  async deleteMessage(
    member: RoomMember,
    id: number,
    now = Date.now(),
  ): Promise<{ ok: true; id: number; removed: boolean } | AckError> {
    const { room, userId } = member;
    await this.roles.load(room);
    const deleted = await this.messages.delete(member, id, now, (authorUserId) =>
      this.roles.outranks(room, userId, authorUserId),
    );
    if (deleted.ok && deleted.removed) {
      const { author } = deleted;
      await this.relay.record({
        ...this.moderation.by(member, now),
        action: RoomAction.MessageRemoved,
        userId: author.userId,
        username: author.username,
        until: null,
        reason: null,
        detail: `message ${id}`,
      });
    }
    return deleted.ok ? { ok: true, id, removed: deleted.removed } : deleted;
  }

  /** Writes one action on `target` to the audit log. */
  private async record(
    actor: Actor,
    action: MemberAction,
    target: Target,
    extra: { until: number | null; reason: string | null; detail: string | null },
    now: number,
  ): Promise<void> {
    await this.relay.record({
      ...this.moderation.by(actor, now),
      action,
      userId: target.userId,
      username: target.username ?? null,
      ...extra,
    });
  }

  private announce(
    actor: Actor,
    action: MemberAction,
    target: Target,
    extra: {
      until?: number | null;
      reason?: string | null;
      role?: RoomRole | null;
      count?: number;
    },
  ): void {
    const payload: MemberModeratedPayload = {
      action,
      user_id: target.userId,
      ...(target.username !== undefined ? { username: target.username } : {}),
      by: actor.userId,
      by_username: actor.username,
      ...(extra.until ? { until: extra.until } : {}),
      ...(extra.reason ? { reason: extra.reason } : {}),
      ...(extra.role ? { role: extra.role } : {}),
      ...(extra.count !== undefined ? { count: extra.count } : {}),
    };
    this.relay.emit([{ event: ServerEvent.MemberModerated, payload, to: roomChannel(actor.room) }]);
  }

  /** Who `userId` is in `room`: someone here (on any node), or someone who wrote lately. */
  private async find(room: string, userId: string): Promise<Target> {
    const local = this.users.online(room).find((member) => member.userId === userId);
    if (local) {
      return { userId, username: local.username, sessionId: local.sessionId };
    }
    const author = (await this.store.recentAuthors(room, AUTHORS_SCANNED)).find(
      (candidate) => publicUserId(candidate.sessionId, room) === userId,
    );
    const remote = (await this.cluster.online(room))?.find((user) => user.user_id === userId);
    return {
      userId,
      username: remote?.username ?? author?.username,
      sessionId: author?.sessionId,
    };
  }

  private isPresent(
    room: string,
    userId: string,
    cluster: Array<{ user_id: string }> | undefined,
  ): boolean {
    return (
      this.users.online(room).some((member) => member.userId === userId) ||
      (cluster?.some((user) => user.user_id === userId) ?? false)
    );
  }
}

function toTarget(person: Target | Actor): Target {
  return 'sessionId' in person
    ? person
    : { userId: person.userId, username: person.username, sessionId: undefined };
}
