import {
  ClientEvent,
  ServerEvent,
  USER_LIST_LIMIT,
  type ClientToServerEvents,
  type ServerToClientEvents,
} from '@parley/protocol';
import type { Socket } from 'socket.io-client';

import { text } from './wire';

type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Someone online in the room (one entry per person, however many tabs they have open). */
export interface RosterEntry {
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

/** A count the server sent: a whole number, not negative (anything else is not a count). */
function readCount(value: unknown): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null;
}

const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });
const numberFormat = new Intl.NumberFormat();

/** A count as people read it in their language ("9,500"). */
export function formatCount(count: number): string {
  return numberFormat.format(count);
}

/** Sorted by name, as the online list shows them. */
export function sortUsers(users: Iterable<RosterEntry>): RosterEntry[] {
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
 * `user_joined` / `user_left` / `username_updated`, all keyed by `user_id`, and in big rooms from
 * `presence_changed` (the net joins and leaves of a window, with the room's count); typing from
 * `user_typing`, each typist expiring on their own.
 *
 * A big room is not listed whole: the list keeps at most the server's `user_list` limit, the first
 * ones by name, and `count` (the server's, whenever it sends one) says how many are online in all.
 */
export class Presence {
  /** Everyone online (in a big room, the first ones by name), sorted by name. */
  users = $state.raw<RosterEntry[]>([]);
  /** How many people are online in the room: the server's count, or the list's length. */
  count = $state(0);
  /** The room has more people online than {@link users} names. */
  readonly truncated = $derived(this.count > this.users.length);
  /** How many people online the list does not name. */
  readonly hidden = $derived(Math.max(0, this.count - this.users.length));
  /** Others typing now, in the order they started. */
  typists = $state.raw<Typist[]>([]);

  // Plain maps on purpose: the views read the published `users` / `typists` arrays.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #byId = new Map<string, RosterEntry>();
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #expiry = new Map<string, ReturnType<typeof setTimeout>>();
  /** Most people the list names (the server's own limit once it sent a shortened list). */
  #limit = USER_LIST_LIMIT;
  #socket: ChatSocket | null = null;
  #safeAvatar: (url: unknown) => string = () => '';
  /** When `typing: true` last went out (0: I am not shown as typing). */
  #lastTypingSent = 0;
  /** My public id, once the server said it. */
  #selfId = '';

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
      const listed = this.#byId.size;
      // A shortened list is as long as the server's limit; a whole one may run up to ours.
      this.#limit =
        payload.truncated === true && listed > 0 ? listed : Math.max(USER_LIST_LIMIT, listed);
      this.#publish(readCount(payload.count) ?? listed);
      if (!this.truncated) {
        // Typists who are gone stop typing (in a big room, a typist may just not be listed).
        this.typists = this.typists.filter((typist) => this.#byId.has(typist.userId));
      }
    });

    socket.on(ServerEvent.UserJoined, (payload) => {
      const user = this.#readUser(payload);
      if (!user) {
        return;
      }
      const isNew = !this.#byId.has(user.userId);
      this.#byId.set(user.userId, user);
      this.#publish(this.truncated ? this.count + (isNew ? 1 : 0) : this.#byId.size);
    });

    socket.on(ServerEvent.UserLeft, (payload) => {
      const userId = text(payload?.user_id);
      if (!userId) {
        return;
      }
      const known = this.#byId.delete(userId);
      if (this.truncated) {
        // Known or not: in a room bigger than the list, someone not listed may leave.
        this.#publish(Math.max(this.count - 1, this.#byId.size));
      } else if (known) {
        this.#publish(this.#byId.size);
      }
      this.#stopTyping(userId);
    });

    socket.on(ServerEvent.PresenceChanged, (payload) => {
      if (typeof payload !== 'object' || payload === null) {
        return;
      }
      const joined: unknown = payload.joined;
      const left: unknown = payload.left;
      const wasTruncated = this.truncated;
      let change = 0;
      if (Array.isArray(left)) {
        for (const entry of left as unknown[]) {
          const userId =
            typeof entry === 'object' && entry !== null
              ? text((entry as Record<string, unknown>).user_id)
              : '';
          if (!userId) {
            continue;
          }
          // Someone unknown leaving: nothing to remove (unless the list is shortened).
          if (this.#byId.delete(userId) || wasTruncated) {
            change -= 1;
          }
          this.#stopTyping(userId);
        }
      }
      if (Array.isArray(joined)) {
        for (const entry of joined as unknown[]) {
          const user = this.#readUser(entry);
          if (user) {
            // Joins may name people already listed: by user id, they are just refreshed.
            if (!this.#byId.has(user.userId)) {
              change += 1;
            }
            this.#byId.set(user.userId, user);
          }
        }
      }
      const fallback = wasTruncated
        ? Math.max(this.count + change, this.#byId.size)
        : this.#byId.size;
      this.#publish(readCount(payload.count) ?? fallback);
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
      // In a room bigger than the list, an unlisted person was counted already.
      this.#publish(this.truncated ? this.count : this.#byId.size);
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

  #readUser(value: unknown): RosterEntry | null {
    if (typeof value !== 'object' || value === null) {
      return null;
    }
    const { user_id, username, avatar } = value as Record<string, unknown>;
    const userId = text(user_id);
    const name = text(username);
    return userId && name ? { userId, username: name, avatar: this.#safeAvatar(avatar) } : null;
  }

  /**
   * Publishes the list, sorted, and how many are online. Past the limit, only the first ones by
   * name stay listed (the others are still counted).
   */
  #publish(count: number): void {
    let users = sortUsers(this.#byId.values());
    const self = this.#byId.get(this.#selfId);
    if (users.length > this.#limit) {
      // A shortened list names the first people by name, and me whatever my name.
      const others = self ? users.filter((user) => user !== self) : users;
      const named = others.slice(0, self ? this.#limit - 1 : this.#limit);
      for (const user of others.slice(named.length)) {
        this.#byId.delete(user.userId);
      }
      users = self ? [self, ...named] : named;
    }
    if (self && count > users.length && users[0] !== self) {
      users = [self, ...users.filter((user) => user !== self)];
    }
    this.users = users;
    this.count = count;
  }

  /**
   * Who I am (from `set_username`): always in the list, and first when the list is shortened, so
   * a big room's list shows me even when my name does not sort among the first ones.
   */
  setSelf(user: RosterEntry): void {
    this.#selfId = user.userId;
    const known = this.#byId.has(user.userId);
    this.#byId.set(user.userId, user);
    this.#publish(this.truncated || known ? this.count : this.#byId.size);
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
