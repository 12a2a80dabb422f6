import { Inject, Injectable } from '@nestjs/common';
import { ackError, type AckError, ErrorCode, type RoomSettings } from '@parley/protocol';

import { RateLimitsService } from '../security/rate-limits.service.js';
import { CHAT_STORE } from '../storage/storage.module.js';
import type { ChatStore } from '../storage/chat-store.js';
import type { RoomRecord } from '../storage/moderation-store.js';
import { RoomRolesService } from './room-roles.service.js';
import { keepRecent } from '../common/keep-recent.js';

/** What is kept of a room between requests: its settings and who is muted until when. */
export interface RoomState {
  record: RoomRecord | undefined;
  settings: RoomSettings;
  /** User id → end of the mute (ms since the epoch). */
  mutes: Map<string, number>;
}

export const DEFAULT_SETTINGS: RoomSettings = Object.freeze({
  topic: '',
  slow_mode_s: 0,
  locked: false,
});

/** Rooms whose state is kept (see `RoomRolesService`'s). */
const ROOMS_KEPT = 20_000;
/** Mutes read per room; a room with more active mutes than this has bigger problems. */
const MUTES_READ = 1000;

export function settingsOf(record: RoomRecord | undefined): RoomSettings {
  return record
    ? { topic: record.topic, slow_mode_s: record.slowModeS, locked: record.locked }
    : DEFAULT_SETTINGS;
}

/**
 * A room's settings and mutes, read when someone enters the room and kept, so the send path
 * checks them without a query: a message in a room with no mutes and no slow mode costs two map
 * lookups. Reloaded when the moderation feed says the room changed elsewhere.
 */
@Injectable()
export class RoomStateService {
  private readonly rooms = new Map<string, RoomState>();

  constructor(
    @Inject(CHAT_STORE) private readonly store: ChatStore,
    private readonly roles: RoomRolesService,
    private readonly limits: RateLimitsService,
  ) {}

  async load(room: string): Promise<RoomState> {
    return this.rooms.get(room) ?? this.reload(room);
  }

  async reload(room: string, now = Date.now()): Promise<RoomState> {
    const [record, mutes] = await Promise.all([
      this.store.moderation.getRoom(room),
      this.store.moderation.restrictions(room, 'mute', now, MUTES_READ),
    ]);
    const state: RoomState = {
      record,
      settings: settingsOf(record),
      mutes: new Map(mutes.map((mute) => [mute.userId, mute.until ?? Number.MAX_SAFE_INTEGER])),
    };
    keepRecent(this.rooms, room, state, ROOMS_KEPT);
    return state;
  }

  has(room: string): boolean {
    return this.rooms.has(room);
  }

  /** The room's settings as kept (the defaults for a room nobody entered on this node). */
  settings(room: string): RoomSettings {
    return this.rooms.get(room)?.settings ?? DEFAULT_SETTINGS;
  }

  /** Until when `userId` is muted in `room`, if it is now. */
  mutedUntil(room: string, userId: string, now = Date.now()): number | undefined {
    const until = this.rooms.get(room)?.mutes.get(userId);
    return until !== undefined && until > now ? until : undefined;
  }

  /**
   * Whether `userId` may post in `room` now: refused while muted (`muted`) or, in slow mode,
   * within the interval since its last message (`slow_mode`; owners and moderators are exempt).
   * Counts the message towards slow mode when it may.
   */
  mayPost(
    room: string,
    userId: string,
    now = Date.now(),
  ): AckError | undefined | Promise<AckError | undefined> {
    const state = this.rooms.get(room);
    if (!state) {
      return undefined;
    }
    const until = state.mutes.get(userId);
    if (until !== undefined && until > now) {
      return mutedRefusal(until, now);
    }
    const seconds = state.settings.slow_mode_s;
    if (seconds === 0 || this.roles.roleOf(room, userId) !== undefined) {
      return undefined;
    }
    return this.slowMode(room, userId, seconds);
  }

  /** Answered without a promise when no slow mode applies (the send path's usual case). */
  private async slowMode(
    room: string,
    userId: string,
    seconds: number,
  ): Promise<AckError | undefined> {
    const verdict = await this.limits.slowMode(`${room}:${userId}`, seconds);
    if (verdict.ok) {
      return undefined;
    }
    const wait = Math.ceil(verdict.retryAfterMs / 1000);
    return ackError(
      ErrorCode.SlowMode,
      `Slow mode is on: one message every ${seconds} s. Try again in ${wait} s.`,
      verdict.retryAfterMs,
    );
  }

  /** Applies a change made on this node to the kept state. */
  update(room: string, change: (state: RoomState) => void): void {
    const state = this.rooms.get(room);
    if (state) {
      change(state);
    }
  }
}

export function mutedRefusal(until: number, now = Date.now()): AckError {
  const minutes = Math.ceil((until - now) / 60_000);
  const refusal = ackError(
    ErrorCode.Muted,
    until >= Number.MAX_SAFE_INTEGER
      ? 'A moderator muted you in this room.'
      : `A moderator muted you in this room for ${minutes} more minute${minutes === 1 ? '' : 's'}.`,
    Math.max(0, until - now),
  );
  return { ...refusal, until };
}
