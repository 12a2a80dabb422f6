import { Inject, Injectable, type OnModuleDestroy, Optional } from '@nestjs/common';
import { ackError, type AckError, ErrorCode, usernameKey } from '@parley/protocol';

import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { publicUserId } from './public-user-id.js';

/** Source of randomness, injectable so tests can make name choices predictable. */
export const RANDOM = Symbol('RANDOM');
export type RandomSource = () => number;

/** Who a session says it is when one of its sockets connects. */
export interface Identity {
  sessionId: string;
  username: string;
  avatar: string;
}

/** A session that is online in a room: one person, however many tabs (sockets) it has open. */
export interface RoomMember extends Identity {
  /** The room (normalised name); presence, names and typing are per room. */
  room: string;
  /** Public id of the session, as messages and presence events carry it. */
  userId: string;
  /** Its sockets in this room (an array: nearly always one, a few with several tabs). */
  sockets: readonly string[];
  /** The session said it is typing (and has not sent or stopped since). */
  typing: boolean;
}

export interface AttachResult {
  user: RoomMember;
  /** The session was not online in this room: announce it (`user_joined`). */
  cameOnline: boolean;
  /** Its remembered name was taken in this room, so it got a fresh one (to be saved). */
  nameChanged: boolean;
}

export type RenameResult =
  { ok: true; user: RoomMember; oldUsername: string; changed: boolean } | AckError;

interface Presence extends RoomMember {
  sockets: string[];
  offlineTimer?: NodeJS.Timeout;
  /** When `typing: true` was last relayed, to throttle the relay. */
  typingRelayedAt: number;
  /** A start that came too soon after the last one, relayed when the interval is over. */
  typingTimer?: NodeJS.Timeout;
}

/** Who is in one room: sessions by id, and by name key for O(1) uniqueness checks. */
interface RoomPresence {
  bySession: Map<string, Presence>;
  sessionByName: Map<string, string>;
  /** Where the next walk for a free generated name starts (crowded rooms only). */
  walkFrom?: number;
  beyondFrom?: number;
}

/** Someone typing is relayed at most this often; clients repeat it while typing goes on. */
const TYPING_RELAY_INTERVAL_MS = 1000;

const GENERATED_MIN = 1000;
const GENERATED_MAX = 9999;
const RANDOM_ATTEMPTS = 32;

/**
 * Who is online, room by room. Presence is per session, not per socket: several tabs are one
 * user, and a session whose last socket in a room closed stays there for a grace period, so
 * reloads and flaky networks cause no left/joined noise. Names are unique within a room, compared
 * by `usernameKey` (case, width, spaces, look-alikes); the naming rules live here. What is announced
 * to whom, and when, is `PresenceService`'s to decide.
 */
@Injectable()
export class UsersService implements OnModuleDestroy {
  private readonly rooms = new Map<string, RoomPresence>();
  private readonly presenceBySocket = new Map<string, Presence>();
  private readonly wentOfflineListeners: Array<(user: RoomMember) => void> = [];
  private readonly typingDueListeners: Array<(user: RoomMember) => void> = [];
  private readonly random: RandomSource;
  private readonly graceMs: number;
  /** Set on shutdown: sockets closing then must not schedule announcements for later. */
  private closing = false;

  constructor(
    @Inject(APP_CONFIG) config: Pick<AppConfig, 'presenceGraceMs'>,
    @Optional() @Inject(RANDOM) random?: RandomSource,
  ) {
    this.graceMs = config.presenceGraceMs;
    this.random = random ?? Math.random;
  }

  /** Called once a session has been gone from a room for the whole grace period. */
  onWentOffline(listener: (user: RoomMember) => void): void {
    this.wentOfflineListeners.push(listener);
  }

  /** Called when a start held back by the typing throttle is due: relay it then. */
  onTypingDue(listener: (user: RoomMember) => void): void {
    this.typingDueListeners.push(listener);
  }

  /** Adds a socket to its session in `room`, bringing the session online there if it was not. */
  attach(socketId: string, room: string, identity: Identity): AttachResult {
    const here = this.room(room);
    const online = here.bySession.get(identity.sessionId);
    if (online) {
      clearTimeout(online.offlineTimer);
      online.offlineTimer = undefined;
      if (!online.sockets.includes(socketId)) {
        online.sockets.push(socketId);
      }
      this.presenceBySocket.set(socketId, online);
      return { user: online, cameOnline: false, nameChanged: false };
    }
    const nameChanged = this.isTaken(room, identity.username, identity.sessionId);
    const user: Presence = {
      sessionId: identity.sessionId,
      avatar: identity.avatar,
      username: nameChanged ? this.generateUsername(room) : identity.username,
      room,
      userId: publicUserId(identity.sessionId, room),
      sockets: [socketId],
      typing: false,
      typingRelayedAt: -Infinity,
    };
    here.bySession.set(user.sessionId, user);
    here.sessionByName.set(usernameKey(user.username), user.sessionId);
    this.presenceBySocket.set(socketId, user);
    return { user, cameOnline: true, nameChanged };
  }

  /**
   * Removes a socket. When it was its session's last one in the room, the session leaves the
   * room after the grace period unless a socket of it comes back first. Returns the session.
   */
  detach(socketId: string): RoomMember | undefined {
    const user = this.presenceBySocket.get(socketId);
    if (!user) {
      return undefined;
    }
    this.presenceBySocket.delete(socketId);
    const index = user.sockets.indexOf(socketId);
    if (index >= 0) {
      user.sockets.splice(index, 1);
    }
    if (user.sockets.length === 0 && !user.offlineTimer && !this.closing) {
      user.offlineTimer = setTimeout(() => this.goOffline(user), this.graceMs);
      user.offlineTimer.unref();
    }
    return user;
  }

  get(socketId: string): RoomMember | undefined {
    return this.presenceBySocket.get(socketId);
  }

  /** Sessions online in `room` now (including those within their grace period). */
  online(room: string): RoomMember[] {
    return [...(this.rooms.get(room)?.bySession.values() ?? [])];
  }

  /** How many sessions are online in `room` on this node (grace periods included). */
  /** The session online in `room` whose public id is `userId`, if any (a scan: for rare requests). */
  findByUserId(room: string, userId: string): RoomMember | undefined {
    for (const member of this.rooms.get(room)?.bySession.values() ?? []) {
      if (member.userId === userId) {
        return member;
      }
    }
    return undefined;
  }

  count(room: string): number {
    return this.rooms.get(room)?.bySession.size ?? 0;
  }

  /** Each room with people online on this node, and how many (grace periods included). */
  roomSizes(): Map<string, number> {
    const sizes = new Map<string, number>();
    for (const [name, room] of this.rooms) {
      sizes.set(name, room.bySession.size);
    }
    return sizes;
  }

  /** People online on this node, each room counted on its own. */
  onlineCount(): number {
    let count = 0;
    for (const room of this.rooms.values()) {
      count += room.bySession.size;
    }
    return count;
  }

  /** Sessions online on this node in any room (grace periods included), each once. */
  onlineSessionIds(): Set<string> {
    const ids = new Set<string>();
    for (const room of this.rooms.values()) {
      for (const sessionId of room.bySession.keys()) {
        ids.add(sessionId);
      }
    }
    return ids;
  }

  isTaken(room: string, username: string, exceptSessionId?: string): boolean {
    const holder = this.rooms.get(room)?.sessionByName.get(usernameKey(username));
    return holder !== undefined && holder !== exceptSessionId;
  }

  /**
   * Renames the session of a socket, in its room, to an already normalised and rule-checked name
   * (the protocol schema does that). Refuses a name another session in the room uses; changing
   * the case of one's own name is fine.
   */
  rename(socketId: string, username: string): RenameResult {
    const user = this.presenceBySocket.get(socketId);
    if (!user) {
      return ackError(ErrorCode.Internal);
    }
    if (this.isTaken(user.room, username, user.sessionId)) {
      return ackError(ErrorCode.NameTaken, `“${username}” is already taken by someone online.`);
    }
    const oldUsername = user.username;
    if (oldUsername === username) {
      return { ok: true, user, oldUsername, changed: false };
    }
    const names = this.room(user.room).sessionByName;
    names.delete(usernameKey(oldUsername));
    user.username = username;
    names.set(usernameKey(username), user.sessionId);
    return { ok: true, user, oldUsername, changed: true };
  }

  /**
   * Records that the session of a socket started or stopped typing. Returns the user when the
   * others should hear of it now: a start at most once a second whatever came between
   * (alternating true/false must not bypass the throttle: 4,000 toggles were 4,000 relays to
   * every listener), and a stop only after a relayed start. A start that comes too soon (someone
   * who cleared the box and types again) is not lost: it goes to `onTypingDue` once the second
   * is over, unless a stop came first.
   */
  setTyping(socketId: string, isTyping: boolean, now = Date.now()): RoomMember | undefined {
    const user = this.presenceBySocket.get(socketId);
    if (!user) {
      return undefined;
    }
    if (!isTyping) {
      clearTimeout(user.typingTimer);
      user.typingTimer = undefined;
      const was = user.typing;
      user.typing = false;
      return was ? user : undefined;
    }
    const wait = user.typingRelayedAt + TYPING_RELAY_INTERVAL_MS - now;
    if (wait <= 0) {
      user.typing = true;
      user.typingRelayedAt = now;
      return user;
    }
    if (!user.typing && !user.typingTimer) {
      user.typingTimer = setTimeout(() => {
        user.typingTimer = undefined;
        if (user.sockets.length === 0) {
          return;
        }
        user.typing = true;
        user.typingRelayedAt = now + wait;
        for (const listener of this.typingDueListeners) {
          listener(user);
        }
      }, wait);
      user.typingTimer.unref();
    }
    return undefined;
  }

  /** A fresh `User_NNNN` (1000-9999) that nobody in `room` uses. */
  generateUsername(room: string): string {
    const span = GENERATED_MAX - GENERATED_MIN + 1;
    for (let attempt = 0; attempt < RANDOM_ATTEMPTS; attempt++) {
      const candidate = `User_${GENERATED_MIN + Math.floor(this.random() * span)}`;
      if (!this.isTaken(room, candidate)) {
        return candidate;
      }
    }
    // A crowded room: walk the range so we still end on a free name, going on from where the
    // last walk in this room stopped (a join storm in a full room walks it once, not per join).
    // (The room exists: a random pick only fails where names are taken.)
    const here = this.room(room);
    const start = here.walkFrom ?? Math.floor(this.random() * span);
    for (let offset = 0; offset < span; offset++) {
      const n = (start + offset) % span;
      const candidate = `User_${GENERATED_MIN + n}`;
      if (!this.isTaken(room, candidate)) {
        here.walkFrom = n + 1;
        return candidate;
      }
    }
    // All 9000 four-digit names are in use at once: go on with five digits rather than fail.
    for (let n = Math.max(GENERATED_MAX + 1, here.beyondFrom ?? 0); ; n++) {
      const candidate = `User_${n}`;
      if (!this.isTaken(room, candidate)) {
        here.beyondFrom = n + 1;
        return candidate;
      }
    }
  }

  onModuleDestroy(): void {
    this.closing = true;
    for (const room of this.rooms.values()) {
      for (const user of room.bySession.values()) {
        clearTimeout(user.offlineTimer);
        clearTimeout(user.typingTimer);
      }
    }
  }

  private room(name: string): RoomPresence {
    let room = this.rooms.get(name);
    if (!room) {
      room = { bySession: new Map(), sessionByName: new Map() };
      this.rooms.set(name, room);
    }
    return room;
  }

  private goOffline(user: Presence): void {
    const room = this.rooms.get(user.room);
    if (user.sockets.length > 0 || room?.bySession.get(user.sessionId) !== user) {
      return;
    }
    room.bySession.delete(user.sessionId);
    room.sessionByName.delete(usernameKey(user.username));
    if (room.bySession.size === 0) {
      this.rooms.delete(user.room);
    }
    user.typing = false;
    clearTimeout(user.typingTimer);
    for (const listener of this.wentOfflineListeners) {
      listener(user);
    }
  }
}
