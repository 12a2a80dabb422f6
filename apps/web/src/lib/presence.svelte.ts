import {
  ClientEvent,
  ServerEvent,
  type ClientToServerEvents,
  type ServerToClientEvents,
} from '@parley/protocol';
import type { Socket } from 'socket.io-client';

type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Someone online in the room (one entry per person, however many tabs they have open). */
export interface OnlineUser {
  userId: string;
  username: string;
  avatar: string;
}

/** Someone else writing right now. */
export interface Typist {
  userId: string;
  username: string;
}

/** A typist who sends no refresh for this long is no longer shown as typing. */
export const TYPING_EXPIRES_MS = 6000;
/** While keys are pressed, `typing: true` goes out at most this often. */
export const TYPING_THROTTLE_MS = 2000;

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });

/** Sorted by name, as the online list shows them. */
export function sortUsers(users: Iterable<OnlineUser>): OnlineUser[] {
  return Array.from(users).sort(
    (a, b) => collator.compare(a.username, b.username) || a.userId.localeCompare(b.userId),
  );
}

/** "Ada is typing…", "Ada and Bo are typing…", "Several people are typing…", or empty. */
export function typingSentence(typists: readonly Typist[]): string {
  const [first, second] = typists;
  if (!first) {
    return '';
  }
  if (!second) {
    return `${first.username} is typing…`;
  }
  if (typists.length === 2) {
    return `${first.username} and ${second.username} are typing…`;
  }
  return 'Several people are typing…';
}

/**
 * Who is in the room and who is writing: kept from `user_list` (on every fresh connect) and
 * `user_joined` / `user_left` / `username_updated`, all keyed by `user_id`; typing from
 * `user_typing`, each typist expiring on their own.
 */
export class Presence {
  /** Everyone online, sorted by name. */
  users = $state.raw<OnlineUser[]>([]);
  /** Others typing now, in the order they started. */
  typists = $state.raw<Typist[]>([]);

  // Plain maps on purpose: the views read the published `users` / `typists` arrays.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #byId = new Map<string, OnlineUser>();
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #expiry = new Map<string, ReturnType<typeof setTimeout>>();
  #socket: ChatSocket | null = null;
  #safeAvatar: (url: unknown) => string = () => '';
  /** When `typing: true` last went out (0: I am not shown as typing). */
  #lastTypingSent = 0;

  attach(socket: ChatSocket, safeAvatar: (url: unknown) => string): void {
    this.#socket = socket;
    this.#safeAvatar = safeAvatar;

    socket.on('connect', () => {
      // A fresh connection learns everyone again from `user_list`; a recovered one keeps its state.
      this.#lastTypingSent = 0;
    });

    socket.on('disconnect', () => {
      // Nobody can tell us they stopped while we are away.
      this.#clearTypists();
      this.#lastTypingSent = 0;
    });

    socket.on(ServerEvent.UserList, (payload) => {
      const list: unknown = payload?.users;
      if (!Array.isArray(list)) {
        return;
      }
      this.#byId.clear();
      for (const entry of list as unknown[]) {
        const user = this.#readUser(entry);
        if (user) {
          this.#byId.set(user.userId, user);
        }
      }
      this.#publish();
      // Typists who are gone stop typing.
      this.typists = this.typists.filter((typist) => this.#byId.has(typist.userId));
    });

    socket.on(ServerEvent.UserJoined, (payload) => {
      const user = this.#readUser(payload);
      if (user) {
        this.#byId.set(user.userId, user);
        this.#publish();
      }
    });

    socket.on(ServerEvent.UserLeft, (payload) => {
      const userId = text(payload?.user_id);
      if (userId && this.#byId.delete(userId)) {
        this.#publish();
      }
      this.#stopTyping(userId);
    });

    socket.on(ServerEvent.UsernameUpdated, (payload) => {
      const userId = text(payload?.user_id);
      const username = text(payload?.new_username);
      const known = this.#byId.get(userId);
      if (!userId || !username) {
        return;
      }
      this.#byId.set(userId, {
        userId,
        username,
        avatar: payload.avatar ? this.#safeAvatar(payload.avatar) : (known?.avatar ?? ''),
      });
      this.#publish();
      if (this.typists.some((typist) => typist.userId === userId)) {
        this.typists = this.typists.map((typist) =>
          typist.userId === userId ? { userId, username } : typist,
        );
      }
    });

    socket.on(ServerEvent.UserTyping, (payload) => {
      const userId = text(payload?.user_id);
      const username = text(payload?.username);
      if (!userId || !username) {
        return;
      }
      if (payload.is_typing === true) {
        this.#startTyping({ userId, username });
      } else {
        this.#stopTyping(userId);
      }
    });

    socket.on(ServerEvent.NewMessage, (payload) => {
      // Sending a message ends that person's typing.
      this.#stopTyping(text(payload?.user_id));
    });
  }

  /**
   * Tells the room whether I am writing: `true` at most every {@link TYPING_THROTTLE_MS} while
   * keys are pressed, `false` once (when the box is cleared, left, or a message is sent).
   */
  setTyping(typing: boolean): void {
    const socket = this.#socket;
    if (!socket?.connected) {
      return;
    }
    const now = Date.now();
    if (typing) {
      if (now - this.#lastTypingSent >= TYPING_THROTTLE_MS) {
        this.#lastTypingSent = now;
        socket.volatile.emit(ClientEvent.Typing, { is_typing: true });
      }
    } else if (this.#lastTypingSent !== 0) {
      this.#lastTypingSent = 0;
      socket.volatile.emit(ClientEvent.Typing, { is_typing: false });
    }
  }

  /** Sending ends my typing on the server; the next key press starts it afresh. */
  sent(): void {
    this.#lastTypingSent = 0;
  }

  #readUser(value: unknown): OnlineUser | null {
    if (typeof value !== 'object' || value === null) {
      return null;
    }
    const { user_id, username, avatar } = value as Record<string, unknown>;
    const userId = text(user_id);
    const name = text(username);
    return userId && name ? { userId, username: name, avatar: this.#safeAvatar(avatar) } : null;
  }

  #publish(): void {
    this.users = sortUsers(this.#byId.values());
  }

  #startTyping(typist: Typist): void {
    clearTimeout(this.#expiry.get(typist.userId));
    this.#expiry.set(
      typist.userId,
      setTimeout(() => this.#stopTyping(typist.userId), TYPING_EXPIRES_MS),
    );
    const index = this.typists.findIndex((entry) => entry.userId === typist.userId);
    if (index === -1) {
      this.typists = [...this.typists, typist];
    } else if (this.typists[index]?.username !== typist.username) {
      const typists = this.typists.slice();
      typists[index] = typist;
      this.typists = typists;
    }
  }

  #stopTyping(userId: string): void {
    if (!userId) {
      return;
    }
    clearTimeout(this.#expiry.get(userId));
    this.#expiry.delete(userId);
    if (this.typists.some((typist) => typist.userId === userId)) {
      this.typists = this.typists.filter((typist) => typist.userId !== userId);
    }
  }

  #clearTypists(): void {
    for (const timer of this.#expiry.values()) {
      clearTimeout(timer);
    }
    this.#expiry.clear();
    this.typists = [];
  }
}
