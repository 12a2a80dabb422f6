import {
  ClientEvent,
  DEFAULT_MUTE_S,
  ErrorCode,
  roleRank,
  ServerEvent,
  type AckError,
  type AuditEntry,
  type Ban,
  type MemberModeratedPayload,
  type ModeratePayload,
  type Report,
  type RoomRole,
  type RoomSettings,
  type UpdateRoomPayload,
} from '@parley/protocol';

import { IgnoreList, type IgnoreStore } from './ignore-list.svelte';
import { moderatedSentence, roomUpdatedSentences } from './moderation-text';
import { text, type ChatSocket, type LocalError } from './wire';

/** A request's answer: the server's ack, or a refusal decided here (not connected, timeout). */
export type Answer<T extends object> = ({ ok: true } & T) | AckError | LocalError;

/** What the moderation store needs from the page; tests pass fakes. */
export interface ModerationDeps {
  /** Makes one request with an ack (never rejects). */
  request: <T extends object>(event: string, payload: object) => Promise<Answer<T>>;
  /** Where this room's ignore list is kept. */
  ignoreStore: IgnoreStore;
  /** Who I am (my user id changes on the first `set_username`). */
  me: { readonly userId: string };
  /** A sentence for the timeline (an announcement); `aboutMe` when it names me. */
  notice: (sentence: string, aboutMe: boolean, userId: string) => void;
  now?: () => number;
}

/**
 * Why this page cannot be in the room: removed (kicked, banned) or locked out. Set from the
 * announcement about me (with its reason) and from the handshake's refusal (with the wait).
 */
export type Exclusion =
  | { kind: 'banned'; until: number | null; reason: string; by: string }
  | { kind: 'kicked'; retryAt: number | null; reason: string; by: string }
  | { kind: 'locked'; hadInvite: boolean };

const NO_SETTINGS: RoomSettings = { topic: '', slow_mode_s: 0, locked: false };
/** The countdowns tick this often while I am muted or slowed down. */
const TICK_MS = 1000;

function readRole(value: unknown): RoomRole | undefined {
  return value === 'owner' || value === 'moderator' ? value : undefined;
}

function readTime(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/**
 * A room a community runs, as this page sees it: everyone's role, the room's settings, my own
 * restrictions (muted, slow mode) and exclusion (kicked, banned, locked out), the owners' and
 * moderators' report queue, the requests they make, and my ignore list.
 */
export class Moderation {
  /** Roles by user id (absent: none). Kept for people who left: their messages keep a badge. */
  roles = $state.raw<Readonly<Record<string, RoomRole>>>({});
  settings = $state.raw<RoomSettings>(NO_SETTINGS);
  /** My sends are refused until then (ms since the epoch), or null. */
  mutedUntil = $state<number | null>(null);
  /** Slow mode: my next message may go at this time, or null. */
  slowUntil = $state<number | null>(null);
  exclusion = $state.raw<Exclusion | null>(null);
  /** Open reports, newest first (owners and moderators only). */
  reports = $state.raw<Report[]>([]);
  /** More open reports exist than {@link reports} holds. */
  reportsHaveMore = $state(false);
  /** Others muted as this page saw it happen (user id → until): their menu offers Unmute. */
  muted = $state.raw<Readonly<Record<string, number>>>({});
  readonly ignored: IgnoreList;
  /** Now, as the countdowns read it: updated every second while one runs. */
  clock = $state(0);

  readonly myRole = $derived<RoomRole | undefined>(this.roles[this.#meId()]);
  /** The owner or a moderator: may act on people and the room. */
  readonly canModerate = $derived(roleRank(this.myRole) > 0);
  readonly isOwner = $derived(this.myRole === 'owner');
  readonly mutedFor = $derived(
    this.mutedUntil === null ? 0 : Math.max(0, this.mutedUntil - this.clock),
  );
  readonly slowFor = $derived(
    this.slowUntil === null ? 0 : Math.max(0, this.slowUntil - this.clock),
  );

  readonly #deps: ModerationDeps;
  readonly #now: () => number;
  #ticker: ReturnType<typeof setInterval> | undefined;

  constructor(deps: ModerationDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    this.clock = this.#now();
    this.ignored = new IgnoreList(deps.ignoreStore);
  }

  #meId(): string {
    return this.#deps?.me.userId ?? '';
  }

  isMuted(userId: string): boolean {
    const until = this.muted[userId];
    return until !== undefined && until > this.#now();
  }

  roleOf(userId: string): RoomRole | undefined {
    return this.roles[userId];
  }

  /** I may act on this person: I rank above them (and they are not me). */
  outranks(userId: string): boolean {
    return (
      userId !== '' &&
      userId !== this.#meId() &&
      roleRank(this.myRole) > roleRank(this.roles[userId])
    );
  }

  attach(socket: ChatSocket): void {
    const readUsers = (list: unknown, replace: boolean): void => {
      if (!Array.isArray(list)) {
        return;
      }
      const roles: Record<string, RoomRole> = replace ? {} : { ...this.roles };
      if (replace) {
        // People not listed (gone) keep theirs: their messages are still on the page.
        Object.assign(roles, this.roles);
      }
      for (const entry of list as unknown[]) {
        if (typeof entry !== 'object' || entry === null) {
          continue;
        }
        const { user_id, role } = entry as Record<string, unknown>;
        const userId = text(user_id);
        if (userId) {
          this.#setRole(roles, userId, readRole(role));
        }
      }
      this.roles = roles;
    };

    socket.on(ServerEvent.SetUsername, (payload) => {
      const userId = text(payload?.user_id);
      const role = readRole(payload?.role);
      if (userId) {
        const roles = { ...this.roles };
        this.#setRole(roles, userId, role);
        this.roles = roles;
      }
      // A fresh connection: whatever kept me out is over, and the room's settings are the
      // defaults unless a `room_updated` follows (the server sends one only when they differ), so
      // a topic cleared while I was away does not linger.
      this.exclusion = null;
      this.settings = NO_SETTINGS;
      // (ChatClient learns my id after this listener: the role is read from the payload.)
      if (role) {
        void this.loadReports();
      }
    });
    socket.on(ServerEvent.UserList, (payload) => readUsers(payload?.users, true));
    socket.on(ServerEvent.UserJoined, (payload) => readUsers([payload], false));
    socket.on(ServerEvent.PresenceChanged, (payload) => readUsers(payload?.joined, false));
    socket.on(ServerEvent.UsernameUpdated, (payload) => {
      const userId = text(payload?.user_id);
      const name = text(payload?.new_username);
      if (userId && name) {
        this.ignored.renamed(userId, name);
      }
    });
    socket.on(ServerEvent.RoomUpdated, (payload) => this.#roomUpdated(payload));
    socket.on(ServerEvent.MemberModerated, (payload) => this.#memberModerated(payload));
    socket.on(ServerEvent.MessageReported, (report) => {
      if (this.canModerate && typeof report?.report_id === 'number') {
        this.reports = [report, ...this.reports.filter((r) => r.report_id !== report.report_id)];
      }
    });
    socket.on(ServerEvent.ReportResolved, (payload) => this.#dropReport(payload?.report_id));
    socket.on('connect_error', (error) => this.#refused(error));
  }

  /** A request of mine was refused: muted and slow mode start their countdowns. */
  refused(refusal: { error: string; retry_after?: number; until?: number }): void {
    const now = this.#now();
    const wait = readTime(refusal.retry_after);
    if (refusal.error === ErrorCode.Muted) {
      this.mutedUntil = readTime(refusal.until) ?? now + (wait ?? DEFAULT_MUTE_S * 1000);
      this.#tick();
    } else if (refusal.error === ErrorCode.SlowMode) {
      this.slowUntil = now + (wait ?? this.settings.slow_mode_s * 1000);
      this.#tick();
    }
  }

  /** One of my messages was stored: in slow mode, the next one waits (owners and mods do not). */
  sent(): void {
    if (this.settings.slow_mode_s > 0 && !this.canModerate) {
      this.slowUntil = this.#now() + this.settings.slow_mode_s * 1000;
      this.#tick();
    }
  }

  /** Tries the room again after a kick's wait, a ban's end or with a new invite. */
  rejoin(): void {
    this.exclusion = null;
  }

  dispose(): void {
    clearInterval(this.#ticker);
    this.#ticker = undefined;
  }

  // ---- requests ----

  async moderate(payload: ModeratePayload) {
    return this.#deps.request<{ action: string; user_id: string; until?: number; ids?: number[] }>(
      ClientEvent.Moderate,
      payload,
    );
  }

  async setRole(userId: string, role: RoomRole | null) {
    const answer = await this.#deps.request<{ user_id: string; role: RoomRole | null }>(
      ClientEvent.SetRole,
      { user_id: userId, role },
    );
    if (answer.ok) {
      const roles = { ...this.roles };
      this.#setRole(roles, userId, role ?? undefined);
      if (role === 'owner') {
        // Handing the room over makes me a moderator.
        this.#setRole(roles, this.#meId(), 'moderator');
      }
      this.roles = roles;
    }
    return answer;
  }

  async updateRoom(update: UpdateRoomPayload) {
    const answer = await this.#deps.request<{ room: RoomSettings }>(ClientEvent.UpdateRoom, update);
    if (answer.ok && answer.room) {
      // The broadcast follows and announces it; settings known now keep that from repeating.
      this.#roomUpdated({ ...answer.room, by: this.#meId() });
    }
    return answer;
  }

  roomInvite(rotate = false) {
    return this.#deps.request<{ invite: string }>(ClientEvent.RoomInvite, rotate ? { rotate } : {});
  }

  recoveryCode() {
    return this.#deps.request<{ code: string }>(ClientEvent.RecoveryCode, {});
  }

  async claimOwnership(code: string) {
    const answer = await this.#deps.request<{ role: RoomRole }>(ClientEvent.ClaimOwnership, {
      code: code.trim(),
    });
    if (answer.ok) {
      const roles = { ...this.roles };
      this.#setRole(roles, this.#meId(), 'owner');
      this.roles = roles;
      void this.loadReports();
    }
    return answer;
  }

  reportMessage(id: number, reason: string) {
    const trimmed = reason.trim();
    return this.#deps.request<{ report_id: number }>(
      ClientEvent.ReportMessage,
      trimmed ? { id, reason: trimmed } : { id },
    );
  }

  listReports(before?: number) {
    return this.#deps.request<{ reports: Report[]; has_more: boolean }>(
      ClientEvent.ListReports,
      before === undefined ? {} : { before },
    );
  }

  /** The open reports, newest first (the queue's first page). */
  async loadReports(): Promise<void> {
    const answer = await this.listReports();
    if (answer.ok && Array.isArray(answer.reports)) {
      this.reports = answer.reports;
      this.reportsHaveMore = answer.has_more === true;
    }
  }

  /** The next page of open reports, after the ones shown. */
  async loadMoreReports(): Promise<Answer<object>> {
    const before = this.reports.at(-1)?.report_id;
    const answer = await this.listReports(before);
    if (answer.ok && Array.isArray(answer.reports)) {
      // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a lookup, never shown
      const known = new Set(this.reports.map((report) => report.report_id));
      this.reports = [...this.reports, ...answer.reports.filter((r) => !known.has(r.report_id))];
      this.reportsHaveMore = answer.has_more === true;
    }
    return answer;
  }

  async resolveReport(reportId: number) {
    const answer = await this.#deps.request<{ report_id: number }>(ClientEvent.ResolveReport, {
      report_id: reportId,
    });
    if (answer.ok || answer.error === ErrorCode.ReportNotFound) {
      this.#dropReport(reportId);
    }
    return answer;
  }

  listAudit(before?: number) {
    return this.#deps.request<{ entries: AuditEntry[]; has_more: boolean }>(
      ClientEvent.ListAudit,
      before === undefined ? {} : { before },
    );
  }

  listBans() {
    return this.#deps.request<{ bans: Ban[] }>(ClientEvent.ListBans, {});
  }

  // ---- events ----

  #setRole(roles: Record<string, RoomRole>, userId: string, role: RoomRole | undefined): void {
    if (role) {
      roles[userId] = role;
    } else {
      delete roles[userId];
    }
  }

  #dropReport(reportId: unknown): void {
    if (typeof reportId === 'number') {
      this.reports = this.reports.filter((report) => report.report_id !== reportId);
    }
  }

  #roomUpdated(payload: unknown): void {
    if (typeof payload !== 'object' || payload === null) {
      return;
    }
    const { topic, slow_mode_s, locked, by, by_username } = payload as Record<string, unknown>;
    const next: RoomSettings = {
      topic: text(topic),
      slow_mode_s:
        typeof slow_mode_s === 'number' && Number.isSafeInteger(slow_mode_s) && slow_mode_s > 0
          ? slow_mode_s
          : 0,
      locked: locked === true,
    };
    const before = this.settings;
    this.settings = next;
    if (next.slow_mode_s === 0) {
      this.slowUntil = null;
    }
    // A newcomer's copy (no `by`) is how things are, not news.
    const byId = text(by);
    if (byId) {
      const sentences = roomUpdatedSentences(
        before,
        next,
        text(by_username),
        byId === this.#meId(),
      );
      for (const sentence of sentences) {
        this.#deps.notice(sentence, false, '');
      }
    }
  }

  #memberModerated(payload: MemberModeratedPayload | undefined): void {
    const userId = text(payload?.user_id);
    if (!payload || !userId || typeof payload.action !== 'string') {
      return;
    }
    const me = this.#meId();
    const aboutMe = userId === me;
    const until = readTime(payload.until);
    const reason = text(payload.reason);
    const by = text(payload.by_username);
    switch (payload.action) {
      case 'role': {
        const roles = { ...this.roles };
        this.#setRole(roles, userId, readRole(payload.role));
        this.roles = roles;
        if (aboutMe && this.canModerate) {
          void this.loadReports();
        } else if (aboutMe) {
          this.reports = [];
        }
        break;
      }
      case 'mute':
        this.muted = { ...this.muted, [userId]: until ?? this.#now() + DEFAULT_MUTE_S * 1000 };
        if (aboutMe) {
          this.mutedUntil = until ?? this.#now() + DEFAULT_MUTE_S * 1000;
          this.#tick();
        }
        break;
      case 'unmute':
        this.muted = Object.fromEntries(Object.entries(this.muted).filter(([id]) => id !== userId));
        if (aboutMe) {
          this.mutedUntil = null;
        }
        break;
      case 'kick':
        if (aboutMe) {
          this.exclusion = { kind: 'kicked', retryAt: null, reason, by };
        }
        break;
      case 'ban':
        if (aboutMe) {
          this.exclusion = { kind: 'banned', until, reason, by };
        }
        break;
    }
    this.#deps.notice(moderatedSentence(payload, me, this.#now()), aboutMe, userId);
  }

  /** A handshake refused: kicked a moment ago, banned, or locked out. */
  #refused(error: Error & { data?: unknown }): void {
    const data =
      typeof error.data === 'object' && error.data !== null
        ? (error.data as Record<string, unknown>)
        : {};
    const previous = this.exclusion;
    // The refusal says why (after a reload there is no announcement to remember it from).
    const reason =
      text(data.reason) || (previous && previous.kind !== 'locked' ? previous.reason : '');
    const by = previous && previous.kind !== 'locked' ? previous.by : '';
    if (error.message === ErrorCode.Banned) {
      this.exclusion = { kind: 'banned', until: readTime(data.until), reason, by };
    } else if (error.message === ErrorCode.Kicked) {
      const wait = readTime(data.retry_after);
      this.exclusion = {
        kind: 'kicked',
        retryAt: wait === null ? null : this.#now() + wait,
        reason,
        by,
      };
      this.#tick();
    } else if (error.message === ErrorCode.RoomLocked) {
      this.exclusion = { kind: 'locked', hadInvite: false };
    }
  }

  /** Keeps {@link clock} current while a countdown runs; stops once none does. */
  #tick(): void {
    this.clock = this.#now();
    if (this.#ticker !== undefined) {
      return;
    }
    this.#ticker = setInterval(() => {
      this.clock = this.#now();
      const kicked = this.exclusion?.kind === 'kicked' ? this.exclusion.retryAt : null;
      const running = [this.mutedUntil, this.slowUntil, kicked].some(
        (until) => until !== null && until > this.clock,
      );
      if (!running) {
        if (this.mutedUntil !== null && this.mutedUntil <= this.clock) {
          this.mutedUntil = null;
        }
        if (this.slowUntil !== null && this.slowUntil <= this.clock) {
          this.slowUntil = null;
        }
        this.dispose();
      }
    }, TICK_MS);
  }
}
