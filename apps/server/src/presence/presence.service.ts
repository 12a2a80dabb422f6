import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import {
  ackError,
  type AckError,
  ErrorCode,
  MentionIndex,
  type OnlineUser,
  ServerEvent,
  type UserListPayload,
} from '@parley/protocol';

import {
  batchChannel,
  roomChannel,
  sessionChannel,
  tutorialPresenceChannel,
} from '../chat/channels.js';
import { ClusterPresenceService } from '../cluster/cluster-presence.service.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { RoomRolesService } from '../moderation/room-roles.service.js';
import { type Identity, type RoomMember, UsersService } from '../users/users.service.js';
import type { Emission, PresenceOutlet } from './emission.js';
import { byName, sameNames, sortedIndex } from './roster.js';
import { keepRecent } from '../common/keep-recent.js';

export interface Departure {
  username: string;
  user_id: string;
}

/** A socket came in: the channels it joins, and what to announce once it is in them. */
export interface Arrival {
  user: RoomMember;
  channels: string[];
  /** Its remembered name was taken in this room, so it got a fresh one (to be saved). */
  nameChanged: boolean;
  emissions: readonly Emission[];
}

/** A rename went through: who to tell, and the tabs that now carry the new name. */
export interface Renamed {
  ok: true;
  user: RoomMember;
  /** False when the name was already the session's own (nothing to tell or save). */
  changed: boolean;
  /** The session's sockets, all of which follow the new name. */
  tabs: readonly string[];
  emissions: readonly Emission[];
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

const NO_EMISSIONS: readonly Emission[] = [];

/**
 * The one place that decides presence: who is online in a room (on this node, `UsersService`, and
 * across a cluster, `ClusterPresenceService`), and when `user_joined`, `user_left`,
 * `username_updated`, `presence_changed` and `user_typing` go out, and to whom. It returns (or,
 * for what happens later, hands its outlet) `Emission`s; the gateway sends them as they are.
 *
 * The tutorial's order: everyone in the room, the newcomer too, hears of a join (then the
 * newcomer its name, from the gateway). Presence is per session: a second tab, or a tab back
 * within the grace period, announces nothing; the last tab's leaving does, once the grace period
 * is over. In a cluster, a person already online in the room on another node is not announced
 * again, and a name held on another node is refused.
 *
 * Small rooms hear of each change at once (`user_joined` / `user_left`, the tutorial's events). In
 * a room of `PRESENCE_BATCH_THRESHOLD` people or more, one event per change to every member is
 * quadratic (10,000 arrivals would be 50 million deliveries), so changes are gathered for
 * `PRESENCE_BATCH_MS` and go out together: one `presence_changed` (net joins, net leaves, count) to
 * clients that announced the feature, and the net `user_joined` / `user_left` to the others, so a
 * tutorial client still ends with a correct view. A newcomer always hears of its own join at once.
 *
 * Also serves `user_list`: on a single node the sorted list is kept between changes (in a big room
 * it is rebuilt at most once per window), so a join storm does not sort the room once per join.
 */
@Injectable()
export class PresenceService implements OnModuleDestroy {
  private readonly logger = new Logger(PresenceService.name);
  private outlet?: PresenceOutlet;
  private readonly batches = new Map<string, Batch>();
  private readonly rosters = new Map<string, Roster>();
  private readonly clusterMentions = new Map<string, ClusterMentions>();

  constructor(
    private readonly users: UsersService,
    private readonly cluster: ClusterPresenceService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly roles: RoomRolesService,
  ) {
    users.onWentOffline((user) => {
      const { room, username, userId } = user;
      this.send(this.left(room, { username, user_id: userId }));
      this.cluster.remove(user).catch((error: unknown) => this.logFailure('presence', error));
    });
    users.onTypingDue((user) => this.send([typingEmission(user, true)]));
    // People of a node that died: one surviving node announces them, once.
    cluster.onGone((room, { username, user_id }) =>
      this.send(this.left(room, { username, user_id })),
    );
  }

  /** Where decisions made away from a request go (the gateway, once its server is up). */
  bind(outlet: PresenceOutlet): void {
    this.outlet = outlet;
  }

  /**
   * A socket of `identity` connected to `room`. `batched`: its client understands
   * `presence_changed`. Its channels: the room's, its kind of presence events', and its session's
   * (its tabs), so events about a person can skip that person's own tabs. The emissions go out once
   * the socket is in them; in a cluster the join is announced later, if nobody had it online.
   */
  arrive(socketId: string, room: string, identity: Identity, batched: boolean): Arrival {
    const { user, cameOnline, nameChanged } = this.users.attach(socketId, room, identity);
    const channels = [
      roomChannel(room),
      batched ? batchChannel(room) : tutorialPresenceChannel(room),
      sessionChannel(user.sessionId),
    ];
    let emissions = NO_EMISSIONS;
    if (cameOnline && !this.cluster.enabled) {
      emissions = this.joined(user, socketId);
    } else if (cameOnline) {
      this.cluster.set(user).then(
        (wasOnline) => wasOnline || this.send(this.joined(user, socketId)),
        (error: unknown) => this.logFailure('presence', error),
      );
    }
    return { user, channels, nameChanged, emissions };
  }

  /** A socket closed: `user_left` follows if no socket of its session is back within the grace period. */
  depart(socketId: string): void {
    this.users.detach(socketId);
  }

  /**
   * The session of `socketId` asks for `username` (normalised and rule-checked by the protocol's
   * schema). Refused when another session online in the room, on any node, uses a look-alike.
   */
  async rename(socketId: string, username: string): Promise<Renamed | AckError> {
    const asking = this.users.get(socketId);
    if (
      asking &&
      this.cluster.enabled &&
      (await this.cluster.isTaken(asking.room, username, asking.userId))
    ) {
      return ackError(ErrorCode.NameTaken, `“${username}” is already taken by someone online.`);
    }
    const result = this.users.rename(socketId, username);
    if (!result.ok) {
      return result;
    }
    const { user, oldUsername, changed } = result;
    if (!changed) {
      return { ok: true, user, changed, tabs: user.sockets, emissions: NO_EMISSIONS };
    }
    this.rosters.delete(user.room);
    const pending = this.batches.get(user.room)?.changes.get(user.userId);
    if (pending?.kind === 'joined') {
      // The batch must not bring back the old name after `username_updated` went out.
      pending.user = { ...pending.user, username: user.username };
    }
    const emissions: Emission[] = [
      {
        event: ServerEvent.UsernameUpdated,
        payload: {
          old_username: oldUsername,
          new_username: user.username,
          avatar: user.avatar,
          user_id: user.userId,
        },
        to: roomChannel(user.room),
      },
    ];
    return { ok: true, user, changed, tabs: user.sockets, emissions };
  }

  /** Mirrors `user` (as it is now, e.g. renamed) into the cluster's view; nothing without one. */
  async publish(user: RoomMember): Promise<void> {
    await this.cluster.set(user);
  }

  /**
   * The session of `socketId` started or stopped typing: the `user_typing` to relay now, to the
   * room but the typist's own tabs, if any (see `UsersService.setTyping` for the throttle).
   * `overLimit`: the typist is over its rate limit. A stop is honoured all the same (it relays
   * only after a relayed start, so it cannot amplify), or listeners would show a ghost typist.
   */
  typing(socketId: string, isTyping: boolean, overLimit = false): Emission | undefined {
    if (overLimit && isTyping) {
      return undefined;
    }
    const user = this.users.setTyping(socketId, isTyping);
    return user && typingEmission(user, isTyping);
  }

  /** `user` came online in its room (on this node, and, in a cluster, on no other). */
  private joined(user: RoomMember, socketId: string): readonly Emission[] {
    const { room, username, avatar, userId } = user;
    const payload = this.roles.withRole(room, { username, avatar, user_id: userId });
    if (!this.batching(room)) {
      this.rosters.delete(room);
      return [{ event: ServerEvent.UserJoined, payload, to: roomChannel(room) }];
    }
    // Back within the window (maybe under a new name, if its old one was taken meanwhile): it is
    // announced again as it is now.
    this.batch(room).changes.set(userId, {
      kind: 'joined',
      user: payload,
      socketId,
      listed: false,
    });
    // The tutorial's contract: the newcomer hears of its own join, whatever the room's size (on
    // this socket only: the session's tabs in other rooms must not hear of it).
    return [{ event: ServerEvent.UserJoined, payload, to: socketId }];
  }

  /** Someone went offline in `room` (their grace period ended, or their node died). */
  private left(room: string, user: Departure): readonly Emission[] {
    if (!this.batching(room)) {
      this.rosters.delete(room);
      return [{ event: ServerEvent.UserLeft, payload: user, to: roomChannel(room) }];
    }
    const changes = this.batch(room).changes;
    const pending = changes.get(user.user_id);
    if (pending?.kind === 'joined' && !pending.listed) {
      // In and out within one window, and nobody was told: nobody need hear of it.
      changes.delete(user.user_id);
    } else {
      changes.set(user.user_id, { kind: 'left', user });
    }
    return NO_EMISSIONS;
  }

  private send(emissions: readonly Emission[]): void {
    if (emissions.length > 0) {
      this.outlet?.emit(emissions);
    }
  }

  private logFailure(what: string, error: unknown): void {
    this.logger.error(`${what} failed`, error instanceof Error ? error.stack : error);
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
    // Roles are named as they are now (the kept list holds none: it may be older than a change);
    // people without one are the same objects, not copies.
    shown = shown.map((user) => this.roles.withRole(newcomer.room, user));
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
    keepRecent(this.clusterMentions, room, kept, CLUSTER_MENTION_ROOMS_KEPT);
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
    const outlet = this.outlet;
    if (!batch || batch.changes.size === 0 || !outlet) {
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
    const emissions: Emission[] = [
      {
        event: ServerEvent.PresenceChanged,
        payload: { joined, left, count },
        to: batchChannel(room),
      },
    ];
    // Clients that do not know `presence_changed` get the same net changes the tutorial's way. In a
    // cluster some may be on other nodes; on one node, skip the loop when there are none.
    const tutorial = tutorialPresenceChannel(room);
    if (this.cluster.enabled || outlet.localListeners(tutorial) > 0) {
      for (const change of batch.changes.values()) {
        emissions.push(
          change.kind === 'joined'
            ? {
                event: ServerEvent.UserJoined,
                payload: change.user,
                to: tutorial,
                except: change.socketId,
              }
            : { event: ServerEvent.UserLeft, payload: change.user, to: tutorial },
        );
      }
    }
    outlet.emit(emissions);
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

function typingEmission(user: RoomMember, isTyping: boolean): Emission {
  return {
    event: ServerEvent.UserTyping,
    payload: { username: user.username, user_id: user.userId, is_typing: isTyping },
    to: roomChannel(user.room),
    except: sessionChannel(user.sessionId),
  };
}
