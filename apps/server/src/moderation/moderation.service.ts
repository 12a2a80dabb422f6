import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

import { Inject, Injectable } from '@nestjs/common';
import {
  ackError,
  type AckError,
  DEFAULT_ROOM,
  ErrorCode,
  type RoomRole,
  RoomAction,
  type RoomSettings,
  ServerEvent,
  type UpdateRoomPayload,
} from '@parley/protocol';

import { roomChannel } from '../chat/channels.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { CHAT_STORE } from '../storage/storage.module.js';
import type { ChatStore } from '../storage/chat-store.js';
import { addressHash } from './address-key.js';
import { ModerationRelay } from './moderation-relay.service.js';
import { RoomRolesService } from './room-roles.service.js';
import { RoomStateService, settingsOf } from './room-state.service.js';
import { keepRecent } from '../common/keep-recent.js';

/** Someone present who asks for something: who they are in their room. */
export interface Actor {
  room: string;
  userId: string;
  username: string;
}

/** A connecting client, as admission sees it. */
export interface Entrant {
  room: string;
  userId: string;
  address: string;
  invite: string | undefined;
}

export type Admission = { ok: true; role: RoomRole | undefined; addressHash: string } | AckError;

const sha256 = (text: string) => createHash('sha256').update(text).digest('base64url');
/** Invites and recovery codes: 128 random bits, URL-safe. */
const secretToken = () => randomBytes(16).toString('base64url');

/** Addresses remembered of people who left, for banning them after (least recent go first). */
const RECENT_ADDRESSES_KEPT = 10_000;

/**
 * The rules of running a room that are not about one person: who may enter (bans, kicks, the
 * lock and its invite), who owns a new room, the room's settings, the owner's recovery code.
 * Actions on people are `MemberActionsService`'s; reports and lists `ReportsService`'s.
 */
@Injectable()
export class ModerationService {
  private addressKey?: Promise<string>;
  private readonly recentAddresses = new Map<string, string>();

  constructor(
    @Inject(CHAT_STORE) private readonly store: ChatStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly roles: RoomRolesService,
    private readonly state: RoomStateService,
    private readonly relay: ModerationRelay,
  ) {}

  /**
   * Whether a client may enter its room: refused while banned (by session or address) or just
   * kicked, or when the room is locked and it holds neither a role, a pass from an earlier visit,
   * nor the invite. The first person ever to enter a room (but the default one) becomes its
   * owner. Loads the room's roles and state, which the send path then reads from memory.
   */
  async admit({ room, userId, address, invite }: Entrant, now = Date.now()): Promise<Admission> {
    const hash = addressHash(await this.secret(), address);
    const [roles, state] = await Promise.all([this.roles.load(room), this.state.load(room)]);
    let role = this.roles.roleOf(room, userId);
    const ban = await this.store.moderation.findBan(room, userId, hash, now);
    // An owner or moderator on the same network as someone banned (a school, a café) still enters.
    if (ban && (ban.userId === userId || role === undefined)) {
      return banRefusal(ban.kind, ban.until, ban.reason, now);
    }
    if (state.record === undefined && room !== DEFAULT_ROOM) {
      if (await this.store.moderation.claimRoom(room, userId)) {
        this.roles.keep(room, { owner: userId, moderators: roles.moderators });
        role = 'owner';
      }
      await this.state.reload(room);
    }
    if (state.settings.locked && role === undefined) {
      const pass = await this.store.moderation.hasPass(room, userId);
      const record = state.record;
      if (!pass) {
        if (!record?.invite || invite === undefined || !sameSecret(invite, record.invite)) {
          return ackError(ErrorCode.RoomLocked);
        }
        await this.store.moderation.grantPass(room, userId);
      }
    }
    return { ok: true, role, addressHash: hash };
  }

  /** The address hash a member of `room` who left this node had, if remembered. */
  recentAddress(room: string, userId: string): string | undefined {
    return this.recentAddresses.get(`${room}\n${userId}`);
  }

  /** Changes the room's settings (owners and moderators); the room hears `room_updated`. */
  async updateRoom(
    actor: Actor,
    update: UpdateRoomPayload,
    now = Date.now(),
  ): Promise<{ ok: true; room: RoomSettings } | AckError> {
    const refused = await this.requireRole(actor, 'moderator');
    if (refused) {
      return refused;
    }
    const { room } = actor;
    const current = (await this.state.load(room)).record;
    const record = await this.store.moderation.updateRoom(room, {
      ...(update.topic !== undefined ? { topic: update.topic } : {}),
      ...(update.slow_mode_s !== undefined ? { slowModeS: update.slow_mode_s } : {}),
      ...(update.locked !== undefined ? { locked: update.locked } : {}),
      // Locking a room that never had an invite makes one, so it can be shared at once.
      ...(update.locked && !current?.invite ? { invite: secretToken() } : {}),
    });
    const settings = settingsOf(record);
    this.state.update(room, (kept) => {
      kept.record = record;
      kept.settings = settings;
    });
    await this.relay.record({
      ...this.by(actor, now),
      action: RoomAction.RoomUpdated,
      userId: null,
      username: null,
      until: null,
      reason: null,
      detail: describeUpdate(update),
    });
    this.relay.emit([
      {
        event: ServerEvent.RoomUpdated,
        payload: { ...settings, by: actor.userId, by_username: actor.username },
        to: roomChannel(room),
      },
    ]);
    return { ok: true, room: settings };
  }

  /** The invite of the room (made when missing, or replaced on `rotate`); owners and moderators. */
  async invite(
    actor: Actor,
    rotate: boolean,
    now = Date.now(),
  ): Promise<{ ok: true; invite: string } | AckError> {
    const refused = await this.requireRole(actor, 'moderator');
    if (refused) {
      return refused;
    }
    const { room } = actor;
    const current = (await this.state.load(room)).record?.invite;
    if (current && !rotate) {
      return { ok: true, invite: current };
    }
    const invite = secretToken();
    const record = await this.store.moderation.updateRoom(room, { invite });
    this.state.update(room, (kept) => {
      kept.record = record;
    });
    await this.relay.record({
      ...this.by(actor, now),
      action: RoomAction.InviteRotated,
      userId: null,
      username: null,
      until: null,
      reason: null,
      detail: null,
    });
    return { ok: true, invite };
  }

  /** A new recovery code for the owner (only its hash is kept; it replaces the last one). */
  async recoveryCode(actor: Actor): Promise<{ ok: true; code: string } | AckError> {
    const refused = await this.requireRole(actor, 'owner');
    if (refused) {
      return refused;
    }
    const code = secretToken();
    await this.store.moderation.setRecoveryHash(actor.room, sha256(code));
    await this.state.reload(actor.room);
    return { ok: true, code };
  }

  /**
   * A recovery code makes `actor` the owner: the code is used up, and the session that owned the
   * room (this person's other browser) loses the role.
   */
  async claimOwnership(
    actor: Actor,
    code: string,
    now = Date.now(),
  ): Promise<{ ok: true; role: RoomRole; previousOwner: string | null } | AckError> {
    const { room } = actor;
    const record = (await this.state.reload(room)).record;
    if (!record?.recoveryHash || !sameSecret(sha256(code), record.recoveryHash)) {
      return ackError(ErrorCode.NotAllowed, 'That recovery code does not fit this room.');
    }
    const previousOwner = record.ownerUserId;
    await this.store.moderation.setModerator(room, actor.userId, false);
    await this.store.moderation.setOwner(room, actor.userId);
    await this.store.moderation.setRecoveryHash(room, null);
    await Promise.all([this.roles.reload(room), this.state.reload(room)]);
    await this.relay.record({
      ...this.by(actor, now),
      action: RoomAction.OwnershipClaimed,
      userId: actor.userId,
      username: actor.username,
      until: null,
      reason: null,
      detail: null,
    });
    return { ok: true, role: 'owner', previousOwner };
  }

  /** A refusal unless `actor` holds `role` or better in its room. */
  async requireRole(actor: Actor, role: RoomRole): Promise<AckError | undefined> {
    await this.roles.load(actor.room);
    const held = this.roles.roleOf(actor.room, actor.userId);
    if (held === 'owner' || held === role) {
      return undefined;
    }
    return ackError(
      ErrorCode.NotAllowed,
      role === 'owner'
        ? 'Only the owner of this room can do that.'
        : 'Only the owner and moderators of this room can do that.',
    );
  }

  /** The audit fields that say who acted. */
  by(actor: Actor, now: number) {
    return { room: actor.room, ts: now, byUserId: actor.userId, byUsername: actor.username };
  }

  /** The key of address hashes: this deployment's own, made once and shared through the store. */
  private secret(): Promise<string> {
    this.addressKey ??= this.store.moderation
      .secret('address-hash-key', () => randomBytes(32).toString('base64url'))
      .catch((error: unknown) => {
        this.addressKey = undefined;
        throw error;
      });
    return this.addressKey;
  }

  /**
   * Remembers the address hash of a socket that closed, so someone banned just after leaving is
   * banned by address too. (Kept for those who left only: people online have it on their sockets.)
   */
  rememberAddress(room: string, userId: string, hash: string): void {
    keepRecent(this.recentAddresses, `${room}\n${userId}`, hash, RECENT_ADDRESSES_KEPT);
  }
}

/** Compares secrets in constant time (an invite or a code's hash). */
function sameSecret(given: string, kept: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(kept);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The handshake refusal of a ban (`until` null: for good) or of a kick's cool-down. */
export function banRefusal(
  kind: 'ban' | 'kick' | 'mute',
  until: number | null,
  reason: string | null,
  now = Date.now(),
): AckError {
  const because = reason ? ` Reason: ${reason}` : '';
  const withReason = (refusal: AckError): AckError => (reason ? { ...refusal, reason } : refusal);
  if (kind === 'kick') {
    const wait = Math.max(0, (until ?? now) - now);
    return withReason(
      ackError(
        ErrorCode.Kicked,
        `A moderator removed you from this room. You can come back in ${Math.ceil(wait / 1000)} s.${because}`,
        wait,
      ),
    );
  }
  const refusal = ackError(
    ErrorCode.Banned,
    until === null
      ? `You are banned from this room.${because}`
      : `You are banned from this room until ${new Date(until).toISOString()}.${because}`,
    until === null ? undefined : Math.max(0, until - now),
  );
  return withReason(until === null ? refusal : { ...refusal, until });
}

function describeUpdate(update: UpdateRoomPayload): string {
  const parts: string[] = [];
  if (update.topic !== undefined) {
    parts.push(update.topic === '' ? 'topic cleared' : `topic “${update.topic}”`);
  }
  if (update.slow_mode_s !== undefined) {
    parts.push(update.slow_mode_s === 0 ? 'slow mode off' : `slow mode ${update.slow_mode_s} s`);
  }
  if (update.locked !== undefined) {
    parts.push(update.locked ? 'locked' : 'unlocked');
  }
  return parts.join(', ');
}
