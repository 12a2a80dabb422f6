import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { MentionIndex, type OnlineUser, ServerEvent, type UserListPayload } from '@parley/protocol';

import { ClusterPresenceService } from '../cluster/cluster-presence.service.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { type RoomMember, UsersService } from '../users/users.service.js';
import { batchChannel, roomChannel, tutorialPresenceChannel } from './channels.js';
import type { ChatServer } from './chat.types.js';

export interface Departure {
  username: string;
  user_id: string;
}

/**
 * One person's latest change during a batching window. `socketId`: the newcomer's socket, which
 * has heard of its own join already. `listed`: a `user_list` served during the window named this
 * newcomer, so its leaving must be announced even within the window.
 */
type Change =
  | { kind: 'joined'; user: OnlineUser; socketId: string; listed: boolean }
  | { kind: 'left'; user: Departure };

interface Batch {
  /**
   * By user id, the latest state wins (clients treat joins and leaves idempotently), except that
   * a join and a leave nobody can have heard of cancel out.
   */
  changes: Map<string, Change>;
  timer: NodeJS.Timeout;
}

/** Everyone online in a room, sorted by name, as `user_list` shows them. */
interface Roster {
  users: OnlineUser[];
  ids: Set<string>;
  /** Their names keyed for finding mentions, built at the first message with an `@`. */
  mentions?: MentionIndex;
}

/** A cluster room's people when its mention index was built (user id → name). */
interface ClusterMentions {
  names: Map<string, string>;
  index: MentionIndex;
}

/** How many cluster rooms keep a mention index (least recently used go first). */
const CLUSTER_MENTION_ROOMS_KEPT = 1000;

const collator = new Intl.Collator('en', { sensitivity: 'base', numeric: true });
const byName = (a: OnlineUser, b: OnlineUser) =>
  collator.compare(a.username, b.username) || (a.user_id < b.user_id ? -1 : 1);

/** Whether two rooms' people are the same, under the same names. */
function sameNames(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) {
    return false;
  }
  for (const [id, name] of a) {
    if (b.get(id) !== name) {
      return false;
    }
  }
  return true;
}

/** Where `user` goes in the sorted `users` (binary search). */
function sortedIndex(users: readonly OnlineUser[], user: OnlineUser): number {
  let low = 0;
  let high = users.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (byName(users[middle] as OnlineUser, user) < 0) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  return low;
}

/**
 * Tells rooms who comes and goes. Small rooms hear of each change at once (`user_joined` /
 * `user_left`, the tutorial's events). In a room of `PRESENCE_BATCH_THRESHOLD` people or more, one
 * event per change to every member is quadratic (10,000 arrivals would be 50 million deliveries),
 * so changes are gathered for `PRESENCE_BATCH_MS` and go out together: one `presence_changed`
 * (net joins, net leaves, count) to clients that announced the feature, and the net
 * `user_joined` / `user_left` to the others, so a seed-era client still ends with a correct
 * view. A newcomer always hears of its own join at once.
 *
 * Also serves `user_list`: on a single node the sorted list is kept between changes (in a big room
 * it is rebuilt at most once per window), so a join storm does not sort the room once per join.
 */
@Injectable()
export class PresenceAnnouncer implements OnModuleDestroy {
  private server?: ChatServer;
  private readonly batches = new Map<string, Batch>();
  private readonly rosters = new Map<string, Roster>();
  private readonly clusterMentions = new Map<string, ClusterMentions>();

  constructor(
    private readonly users: UsersService,
    private readonly cluster: ClusterPresenceService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  bind(server: ChatServer): void {
    this.server = server;
  }

  /**
   * `user` came online in its room (on this node, and, in a cluster, on no other), with the
   * socket `socketId`.
   */
  joined(user: RoomMember, socketId: string): void {
    const { room, username, avatar, userId } = user;
    const payload = { username, avatar, user_id: userId };
    if (!this.batching(room)) {
      this.rosters.delete(room);
      this.server?.to(roomChannel(room)).emit(ServerEvent.UserJoined, payload);
      return;
    }
    // The tutorial's contract: the newcomer hears of its own join, whatever the room's size (on
    // this socket only: the session's tabs in other rooms must not hear of it).
    this.server?.to(socketId).emit(ServerEvent.UserJoined, payload);
    // Back within the window (maybe under a new name, if its old one was taken meanwhile): it is
    // announced again as it is now.
    this.batch(room).changes.set(userId, {
      kind: 'joined',
      user: payload,
      socketId,
      listed: false,
    });
  }

  /** Someone went offline in `room` (their grace period ended, or their node died). */
  left(room: string, user: Departure): void {
    if (!this.batching(room)) {
      this.rosters.delete(room);
      this.server?.to(roomChannel(room)).emit(ServerEvent.UserLeft, user);
      return;
    }
    const changes = this.batch(room).changes;
    const pending = changes.get(user.user_id);
    if (pending?.kind === 'joined' && !pending.listed) {
      // In and out within one window, and nobody was told: nobody need hear of it.
      changes.delete(user.user_id);
    } else {
      changes.set(user.user_id, { kind: 'left', user });
    }
  }

  /** `user` has a new name (the rename itself is announced at once, as `username_updated`). */
  renamed(user: RoomMember): void {
    this.rosters.delete(user.room);
    const pending = this.batches.get(user.room)?.changes.get(user.userId);
    if (pending?.kind === 'joined') {
      // The batch must not bring back the old name after `username_updated` went out.
      pending.user = { ...pending.user, username: user.username };
    }
  }

  /** `user_list` for a newcomer: the first `USER_LIST_LIMIT` by name, and the whole count. */
  async userList(newcomer: RoomMember): Promise<UserListPayload> {
    const limit = this.config.userListLimit;
    const { users, ids } = await this.roster(newcomer.room);
    const me = { username: newcomer.username, avatar: newcomer.avatar, user_id: newcomer.userId };
    const listed = ids.has(newcomer.userId);
    // A list kept from before this newcomer's (batched) join: it is online, so it is counted.
    const count = users.length + (listed ? 0 : 1);
    let shown = users.slice(0, limit);
    if (!shown.some((user) => user.user_id === me.user_id)) {
      // Not among the first names: the newcomer is named all the same, in its place by name (it
      // sorts after every name shown, unless the list was kept from before it joined).
      const at = sortedIndex(shown, me);
      shown = [...shown.slice(0, at), me, ...shown.slice(at)].slice(0, limit);
      if (!shown.includes(me)) {
        shown = [...shown.slice(0, limit - 1), me];
      }
    }
    return count > limit ? { users: shown, count, truncated: true } : { users: shown, count };
  }

  /**
   * Who can be mentioned in `room`: everyone online there (on any node), their names keyed once
   * per change of the room's people rather than at every `@` of every message (a 2,000-`@`
   * message with 1,000 people online held the event loop 2.4 s). On one node the index lives
   * with the kept roster, so a join, leave or rename drops both. A cluster's people are read from
   * Redis at each message (other nodes change them unseen); the index is kept while they are the
   * same people under the same names, so a message costs a read and a comparison, no keying.
   */
  async mentionable(room: string): Promise<MentionIndex> {
    if (!this.cluster.enabled) {
      const roster = await this.roster(room);
      roster.mentions ??= new MentionIndex(roster.users);
      return roster.mentions;
    }
    const names = new Map<string, string>();
    for (const user of (await this.cluster.online(room)) ?? []) {
      names.set(user.user_id, user.username);
    }
    for (const { username, userId } of this.users.online(room)) {
      names.set(userId, username);
    }
    let kept = this.clusterMentions.get(room);
    this.clusterMentions.delete(room);
    if (!kept || !sameNames(kept.names, names)) {
      const people = [...names].map(([user_id, username]) => ({ user_id, username }));
      kept = { names, index: new MentionIndex(people) };
    }
    this.clusterMentions.set(room, kept);
    if (this.clusterMentions.size > CLUSTER_MENTION_ROOMS_KEPT) {
      const oldest = this.clusterMentions.keys().next().value;
      if (oldest !== undefined) {
        this.clusterMentions.delete(oldest);
      }
    }
    return kept.index;
  }

  onModuleDestroy(): void {
    for (const batch of this.batches.values()) {
      clearTimeout(batch.timer);
    }
    this.batches.clear();
  }

  /** A room batches once it is big; a window already open stays open so order is kept. */
  private batching(room: string): boolean {
    return this.batches.has(room) || this.users.count(room) >= this.config.presenceBatchThreshold;
  }

  private batch(room: string): Batch {
    let batch = this.batches.get(room);
    if (!batch) {
      const timer = setTimeout(() => {
        this.flush(room).catch(() => undefined);
      }, this.config.presenceBatchMs);
      batch = { changes: new Map(), timer };
      this.batches.set(room, batch);
    }
    return batch;
  }

  private async flush(room: string): Promise<void> {
    const batch = this.batches.get(room);
    this.batches.delete(room);
    this.rosters.delete(room);
    const server = this.server;
    if (!batch || batch.changes.size === 0 || !server) {
      return;
    }
    const joined: OnlineUser[] = [];
    const left: Departure[] = [];
    for (const change of batch.changes.values()) {
      if (change.kind === 'joined') {
        joined.push(change.user);
      } else {
        left.push(change.user);
      }
    }
    const count = (await this.roster(room)).users.length;
    server.to(batchChannel(room)).emit(ServerEvent.PresenceChanged, { joined, left, count });
    // Clients that do not know `presence_changed` get the same net changes the tutorial's way. In a
    // cluster some may be on other nodes; on one node, skip the loop when there are none.
    const tutorialClients =
      server.sockets.adapter.rooms.get(tutorialPresenceChannel(room))?.size ?? 0;
    if (tutorialClients === 0 && !this.cluster.enabled) {
      return;
    }
    const others = server.to(tutorialPresenceChannel(room));
    for (const change of batch.changes.values()) {
      if (change.kind === 'joined') {
        others.except(change.socketId).emit(ServerEvent.UserJoined, change.user);
      } else {
        others.emit(ServerEvent.UserLeft, change.user);
      }
    }
  }

  /**
   * Everyone online in `room`, sorted by name. A cluster's list is read from Redis each time
   * (other nodes change it); a single node's is kept until the room changes.
   */
  private async roster(room: string): Promise<Roster> {
    const kept = this.rosters.get(room);
    if (kept) {
      return kept;
    }
    const byId = new Map<string, OnlineUser>();
    for (const user of (await this.cluster.online(room)) ?? []) {
      byId.set(user.user_id, user);
    }
    for (const { username, avatar, userId } of this.users.online(room)) {
      byId.set(userId, { username, avatar, user_id: userId });
    }
    const users = [...byId.values()].sort(byName);
    const roster = { users, ids: new Set(byId.keys()) };
    // This list names the newcomers of the open window: their leaving must now be announced.
    for (const change of this.batches.get(room)?.changes.values() ?? []) {
      if (change.kind === 'joined') {
        change.listed = true;
      }
    }
    if (!this.cluster.enabled) {
      this.rosters.set(room, roster);
    }
    return roster;
  }
}
