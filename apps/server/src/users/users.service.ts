import { Inject, Injectable, Optional } from '@nestjs/common';
import { ackError, type AckError, ErrorCode, usernameKey } from '@parley/protocol';

import { AvatarsService } from '../avatars/avatars.service.js';

/** Source of randomness, injectable so tests can make name and avatar choices predictable. */
export const RANDOM = Symbol('RANDOM');
export type RandomSource = () => number;

export interface OnlineUser {
  socketId: string;
  username: string;
  avatar: string;
}

export type RenameResult =
  { ok: true; user: OnlineUser; oldUsername: string; changed: boolean } | AckError;

const GENERATED_MIN = 1000;
const GENERATED_MAX = 9999;
const RANDOM_ATTEMPTS = 32;

/**
 * Who is online, keyed by socket, with names unique among them (compared case- and
 * compatibility-folded). Holds the naming rules; the gateway only relays.
 */
@Injectable()
export class UsersService {
  private readonly bySocket = new Map<string, OnlineUser>();
  /** usernameKey → socket id, for O(1) uniqueness checks. */
  private readonly byName = new Map<string, string>();
  private readonly random: RandomSource;

  constructor(
    private readonly avatars: AvatarsService,
    @Optional() @Inject(RANDOM) random?: RandomSource,
  ) {
    this.random = random ?? Math.random;
  }

  /** Registers a new connection under a fresh `User_NNNN` name and a random avatar. */
  connect(socketId: string): OnlineUser {
    const existing = this.bySocket.get(socketId);
    if (existing) {
      return existing;
    }
    const username = this.generateUsername();
    const avatar = this.avatars.urlFor(this.avatars.randomStyle(this.random), username);
    const user: OnlineUser = { socketId, username, avatar };
    this.bySocket.set(socketId, user);
    this.byName.set(usernameKey(username), socketId);
    return user;
  }

  /** Forgets a connection; returns who it was, or undefined if it was never registered. */
  disconnect(socketId: string): OnlineUser | undefined {
    const user = this.bySocket.get(socketId);
    if (!user) {
      return undefined;
    }
    this.bySocket.delete(socketId);
    this.byName.delete(usernameKey(user.username));
    return user;
  }

  get(socketId: string): OnlineUser | undefined {
    return this.bySocket.get(socketId);
  }

  online(): OnlineUser[] {
    return [...this.bySocket.values()];
  }

  isTaken(username: string, exceptSocketId?: string): boolean {
    const holder = this.byName.get(usernameKey(username));
    return holder !== undefined && holder !== exceptSocketId;
  }

  /**
   * Renames a connection to an already normalised and rule-checked name (the protocol schema
   * does that). Refuses a name someone else online uses; a change of case of one's own name is fine.
   */
  rename(socketId: string, username: string): RenameResult {
    const user = this.bySocket.get(socketId);
    if (!user) {
      return ackError(ErrorCode.Internal);
    }
    if (this.isTaken(username, socketId)) {
      return ackError(ErrorCode.NameTaken, `“${username}” is already taken by someone online.`);
    }
    const oldUsername = user.username;
    if (oldUsername === username) {
      return { ok: true, user, oldUsername, changed: false };
    }
    this.byName.delete(usernameKey(oldUsername));
    user.username = username;
    this.byName.set(usernameKey(username), socketId);
    return { ok: true, user, oldUsername, changed: true };
  }

  private generateUsername(): string {
    const span = GENERATED_MAX - GENERATED_MIN + 1;
    for (let attempt = 0; attempt < RANDOM_ATTEMPTS; attempt++) {
      const candidate = `User_${GENERATED_MIN + Math.floor(this.random() * span)}`;
      if (!this.isTaken(candidate)) {
        return candidate;
      }
    }
    // A crowded room: walk the range from a random start so we still end on a free name.
    const start = Math.floor(this.random() * span);
    for (let offset = 0; offset < span; offset++) {
      const candidate = `User_${GENERATED_MIN + ((start + offset) % span)}`;
      if (!this.isTaken(candidate)) {
        return candidate;
      }
    }
    // All 9000 four-digit names are online at once: go on with five digits rather than fail.
    for (let n = GENERATED_MAX + 1; ; n++) {
      const candidate = `User_${n}`;
      if (!this.isTaken(candidate)) {
        return candidate;
      }
    }
  }
}
