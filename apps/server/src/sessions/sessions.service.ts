import { createHash, randomBytes, randomUUID } from 'node:crypto';

import { Inject, Injectable } from '@nestjs/common';
import {
  ackError,
  type AckError,
  ErrorCode,
  handshakeAuthSchema,
  isValidRoomName,
  normalizeRoomName,
} from '@parley/protocol';

import { AvatarsService } from '../avatars/avatars.service.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { CHAT_STORE } from '../storage/storage.module.js';
import type { ChatStore } from '../storage/chat-store.js';
import { type Identity, UsersService } from '../users/users.service.js';

/** A connecting client's identity, with the token that brings it back next time. */
export interface SessionHandshake {
  ok: true;
  identity: Identity;
  /** The room asked for (normalised), the default room when none was. */
  room: string;
  token: string;
  /**
   * Last message id the client saw, when its handshake carried one (`auth.server_offset`, or a
   * numeric `auth.offset`); independent of the session token, so a new session can resume too.
   */
  resumeAfter: number | undefined;
  /** The client understands `presence_changed` (announced in `auth.features`). */
  presenceBatch: boolean;
  /** The invite of a locked room, when the handshake carried one. */
  invite: string | undefined;
}

/** Tokens are 32 random bytes; only their SHA-256 is stored, so a copied database holds no keys. */
const hashToken = (token: string) => createHash('sha256').update(token).digest('base64url');

/**
 * Anonymous identity that survives reloads: an opaque random token kept by the browser maps to a
 * stored session (name and avatar). Unknown, expired or malformed tokens get a fresh identity.
 */
@Injectable()
export class SessionsService {
  constructor(
    @Inject(CHAT_STORE) private readonly store: ChatStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly avatars: AvatarsService,
    private readonly users: UsersService,
  ) {}

  /**
   * Reads the handshake `auth` (any shape) and resumes or creates the session. A room name that
   * breaks the rules is refused (`room_invalid`); anything else wrong is ignored.
   */
  async handshake(auth: unknown, now = Date.now()): Promise<SessionHandshake | AckError> {
    const {
      session: presented,
      offset,
      room: asked,
      presenceBatch,
      invite,
    } = handshakeAuthSchema.parse(auth);
    const room = normalizeRoomName(asked);
    if (!isValidRoomName(room)) {
      return ackError(ErrorCode.RoomInvalid);
    }
    if (presented !== undefined) {
      const found = await this.store.findSession(
        hashToken(presented),
        now - this.config.sessionTtlMs,
      );
      if (found) {
        await this.store.touchSession(found.id, now);
        const { id: sessionId, username, avatar } = found;
        return {
          ok: true,
          identity: { sessionId, username, avatar },
          room,
          token: presented,
          resumeAfter: offset,
          presenceBatch,
          invite,
        };
      }
    }
    const token = randomBytes(32).toString('base64url');
    const username = this.users.generateUsername(room);
    const identity: Identity = {
      sessionId: randomUUID(),
      username,
      // The tutorial's random choice of two avatar styles, drawn for the first name as it did.
      avatar: this.avatars.urlFor(this.avatars.randomStyle(), username),
    };
    await this.store.createSession(
      {
        id: identity.sessionId,
        username,
        avatar: identity.avatar,
        createdAt: now,
        lastSeenAt: now,
      },
      hashToken(token),
    );
    return { ok: true, identity, room, token, resumeAfter: offset, presenceBatch, invite };
  }

  /** Remembers a session's current name and avatar (after a rename). */
  async saveIdentity({ sessionId, username, avatar }: Identity): Promise<void> {
    await this.store.updateSessionIdentity(sessionId, username, avatar);
  }

  /** Marks a session as used now, so it does not expire while in use. */
  async touch(sessionId: string, now = Date.now()): Promise<void> {
    await this.store.touchSession(sessionId, now);
  }
}
