import type { Connection } from './connection.svelte';
import { collapseRuns, leftToReconnect } from './notice-runs';
import { requestOlderPage } from './older-page';
import {
  buildTimeline,
  keepNewest,
  mergeById,
  readWireMessages,
  placeAfter,
  type ConfirmedMessage,
  type HistoryFrame,
  type MessageItem,
  type NoticeItem,
  type NoticeKind,
  type TimelineItem,
  type WireMessage,
  withEdit,
} from './timeline-items';

/**
 * How many messages and notices are kept while the reader follows the conversation; older ones
 * are dropped (and can be paged back in) so a long session stays light. Never applied while the
 * reader is scrolled up, so it cannot undo paging back.
 */
export const TIMELINE_LIMIT = 500;

/** Who I am, to tell my messages and the ones mentioning me. */
export interface Reader {
  readonly userId: string;
  readonly username: string;
}

/** What the timeline needs from the rest of the page. */
export interface TimelineDeps {
  connection: Connection;
  reader: Reader;
  /** The unsent message of mine a stored one confirms, taken out of the outbox. */
  takeConfirmed: (clientId: string | null, userId: string) => MessageItem | null;
  /** My unsent messages, shown after the stored ones. */
  unsent: () => readonly MessageItem[];
  /** Display order shared with the outbox's items. */
  nextSeq: () => number;
  safeAvatar: (url: unknown) => string;
  /** People I ignore: their messages neither count as unread nor as mentions of me. */
  ignores?: (userId: string) => boolean;
  now?: () => number;
}

/**
 * The conversation as the page shows it: stored messages by server id (duplicates merged, in id
 * order), notices placed after the message they followed, my unsent messages last; the offset to
 * resume from; paging back; edits and deletes; the cap while the reader follows.
 */
export class Timeline {
  /** Stored messages I know of, by id. */
  messages = $state.raw<ConfirmedMessage[]>([]);
  /** A history has arrived: the timeline knows where it stands. */
  synced = $state(false);
  /** Older messages exist on the server before the oldest one shown. */
  hasMore = $state(false);
  /** A page of older messages is on its way. */
  loadingOlder = $state(false);
  /** Why the last page of older messages did not load (empty when it did). */
  olderError = $state('');
  /** The server could not replay everything missed: the timeline started over from the newest. */
  gap = $state(false);
  /** How many messages by others arrived live on this page (for an unread count). */
  received = $state(0);
  /** How many messages mentioning me arrived live on this page. */
  mentionsReceived = $state(0);
  /** The latest message that mentioned me and arrived live (for a notification). */
  lastMention = $state.raw<MessageItem | null>(null);
  #notices = $state.raw<NoticeItem[]>([]);

  /** Messages, notices and my unsent messages, in display order. */
  items: TimelineItem[];

  /** The current connection will get a `history` (it was not recovered by Socket.IO). */
  #awaitingHistory = false;
  /** The `server_offset` the current connection asked to resume from, if any. */
  #resumeFrom: number | undefined;
  /** Every message up to this id has been received: the offset to resume from. */
  #confirmedId = 0;
  /** Notices that came before this connection's `history`; they belong after its messages. */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, never shown
  readonly #floating = new Set<string>();
  /** Bumped when the timeline starts over or is trimmed: a page loaded meanwhile is stale. */
  #epoch = 0;
  /** The reader is at the newest message (the list tells us): only then is the timeline capped. */
  #following = true;
  /** Connections this page has made: a join of mine after the first means I came back. */
  #connections = 0;
  /** When the current connection came up: my join is looked for among notices since then. */
  #connectedAt = 0;
  readonly #now: () => number;

  readonly #deps: TimelineDeps;

  constructor(deps: TimelineDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    // Runs of notices collapse here, not in the list: the list's rows stay 1:1 with its items.
    this.items = $derived(collapseRuns(buildTimeline(this.messages, this.#notices, deps.unsent())));
  }

  get notices(): readonly NoticeItem[] {
    return this.#notices;
  }

  /**
   * The offset a new connection resumes from (`auth.server_offset`): only once a history has told
   * us where we stand; before that, the newest page is wanted.
   */
  resumeOffset(): number | undefined {
    this.#resumeFrom = this.synced ? this.#confirmedId : undefined;
    return this.#resumeFrom;
  }

  /** A connection is up; unless Socket.IO recovered it, a `history` is on its way. */
  connected(recovered: boolean): void {
    // A recovered socket keeps its state: Socket.IO replays what it missed, no history comes.
    this.#awaitingHistory = !recovered;
    this.#connections += 1;
    this.#connectedAt = this.#now();
    if (recovered) {
      this.#floating.clear();
    }
  }

  /** One `history` frame: the newest page, or (part of) what this connection missed. */
  history(frame: HistoryFrame | undefined): void {
    const page = readWireMessages(frame?.messages, this.#deps.safeAvatar);
    const truncated = frame?.truncated === true;
    const resumed = this.#resumeFrom !== undefined && !truncated;
    // A long replay comes a page per `history`, oldest first: until its last page, live
    // messages neither confirm an offset nor place the notices heard meanwhile.
    const moreFollows = frame?.more_follows === true;
    this.#awaitingHistory = moreFollows;
    if (truncated) {
      const seenUpTo = this.#confirmedId;
      this.#startOver();
      // Skipped: messages between the last one seen and this page, which does not reach back.
      const first = page[0]?.id;
      this.gap = frame?.has_more === true && first !== undefined && first > seenUpTo + 1;
    }
    // Replayed messages were missed while away: they count as new. A first page does not.
    this.add(page, resumed);
    if (!resumed) {
      this.hasMore = frame?.has_more === true;
    }
    if (moreFollows) {
      this.#trim();
      return;
    }
    // Notices heard on this connection before its history happened after all of it.
    const lastId = page.reduce((max, message) => Math.max(max, message.id), 0);
    if (this.#floating.size > 0) {
      this.#notices = placeAfter(this.#notices, this.#floating, lastId);
      this.#floating.clear();
    }
    this.#confirmedId = Math.max(truncated ? 0 : this.#confirmedId, this.messages.at(-1)?.id ?? 0);
    this.synced = true;
    this.#trim();
  }

  /** A `new_message` as it arrives. */
  live(message: WireMessage): void {
    this.add([message], true);
    if (!this.#awaitingHistory) {
      // Messages come in id order on one connection, so all up to this one have been seen.
      // Not while a history is due: it may still hold older ones this connection missed.
      this.#confirmedId = Math.max(this.#confirmedId, message.id);
    }
    this.#trim();
  }

  /**
   * Adds messages from the server (duplicates are merged by id). One of mine that is still in
   * the outbox leaves it and takes over its row.
   */
  add(wires: readonly WireMessage[], fresh: boolean): void {
    if (wires.length === 0) {
      return;
    }
    const items = wires.map((wire): ConfirmedMessage => {
      const unsent = this.#deps.takeConfirmed(wire.clientId, wire.userId);
      return this.#withMention({
        kind: 'message',
        key: unsent?.key ?? `m${wire.id}`,
        id: wire.id,
        ts: wire.ts,
        username: wire.username,
        avatar: wire.avatar,
        text: wire.message,
        userId: wire.userId,
        clientId: wire.clientId,
        mine: this.#isMine(wire.userId, wire.username),
        status: 'sent',
        failure: null,
        seq: unsent?.seq ?? this.#deps.nextSeq(),
        fresh: unsent ? true : fresh,
        editedTs: wire.editedTs,
        deleted: wire.deleted,
        removed: wire.removed,
        mentions: wire.mentions,
        mentionsMe: false,
      });
    });
    const { merged, added } = mergeById(this.messages, items);
    this.messages = merged;
    if (fresh) {
      const heard = added.filter(
        (message) => !message.mine && !(this.#deps.ignores?.(message.userId) ?? false),
      );
      this.received += heard.length;
      const mentioning = heard.filter((message) => message.mentionsMe);
      if (mentioning.length > 0) {
        this.mentionsReceived += mentioning.length;
        this.lastMention = mentioning.at(-1) ?? null;
      }
    }
  }

  /** One of mine the server acknowledged storing as `id`, before its `new_message` came back. */
  stored(item: MessageItem, id: number, ts: unknown): void {
    const oldest = this.messages[0];
    if (
      !this.synced ||
      this.messages.some((message) => message.id === id) ||
      (this.hasMore && oldest && id < oldest.id)
    ) {
      // The history on its way, or a page further back, holds it: adding it here would leave a
      // hole in the ids that paging back relies on.
      return;
    }
    const sent: ConfirmedMessage = {
      ...item,
      id,
      ts: typeof ts === 'number' && Number.isFinite(ts) ? ts : item.ts,
      userId: this.#deps.reader.userId,
      status: 'sent',
      failure: null,
    };
    this.messages = mergeById(this.messages, [sent]).merged;
    this.#trim();
  }

  /** An edit, from the room or my own ack. `mentions` undefined: keep the ones known. */
  edited(id: unknown, message: unknown, editedTs: unknown, mentions?: unknown): void {
    if (typeof id !== 'number' || typeof message !== 'string' || message.length === 0) {
      return;
    }
    const ts = typeof editedTs === 'number' && Number.isFinite(editedTs) ? editedTs : this.#now();
    this.#update(id, (item) => withEdit(item, message, ts, mentions));
  }

  /** A message was deleted (`removed`: by an owner or moderator, not its author). */
  deleted(id: unknown, removed = false): void {
    if (typeof id === 'number') {
      this.#update(id, (item) => ({
        ...item,
        text: '',
        deleted: true,
        removed: removed || item.removed === true,
        mentionsMe: false,
      }));
    }
  }

  /**
   * A line about someone (joined, left, renamed), after the newest message. My own join is not
   * shown (after a long drop it becomes a quiet "Reconnected"); someone's join soon after their
   * `left` takes that line back and reads "Ada reconnected".
   */
  notice(kind: NoticeKind, username: string, sentence: string, mine: boolean, userId = ''): void {
    if (kind === 'joined' && mine) {
      this.#mineJoined();
      return;
    }
    if (kind === 'joined') {
      const left = leftToReconnect(this.#notices, this.messages, { userId, username }, this.#now());
      if (left) {
        // A new line rather than the `left` one rewritten: the live region announces additions.
        this.#notices = this.#notices.filter((notice) => notice !== left);
        this.#add('reconnected', username, `${username} reconnected`, false, userId);
        return;
      }
    }
    this.#add(kind, username, sentence, mine, userId);
  }

  /** The room hears of my arrival just before I learn my name: that notice was about me. */
  claimJoin(username: string): void {
    const joined = this.#notices.findLast(
      (item) =>
        item.kind === 'joined' &&
        !item.mine &&
        item.username === username &&
        item.at >= this.#connectedAt,
    );
    if (joined) {
      this.#notices = this.#notices.filter((notice) => notice !== joined);
      this.#mineJoined();
    }
  }

  /**
   * The room was told I joined. On the page's first connection that is no news to me; on a
   * later one the drop outlasted the presence grace (the others saw me leave): one quiet line
   * says I am back, as the connection banner just vanishes without a word.
   */
  #mineJoined(): void {
    const already = this.#notices.some(
      (notice) => notice.kind === 'reconnected' && notice.mine && notice.at >= this.#connectedAt,
    );
    if (this.#connections > 1 && !already) {
      this.#add('reconnected', this.#deps.reader.username, 'Reconnected', true, '');
    }
  }

  #add(kind: NoticeKind, username: string, sentence: string, mine: boolean, userId: string): void {
    const seq = this.#deps.nextSeq();
    const notice: NoticeItem = {
      kind,
      key: `n${seq}`,
      userId,
      afterId: this.messages.at(-1)?.id ?? 0,
      at: this.#now(),
      username,
      text: sentence,
      mine,
      seq,
      fresh: true,
    };
    if (this.#awaitingHistory) {
      this.#floating.add(notice.key);
    }
    this.#notices = [...this.#notices, notice];
    this.#trim();
  }

  /** My id changed: which messages are mine, and which mention me, is decided again. */
  readerChanged(): void {
    let changed = false;
    const messages = this.messages.map((message) => {
      const mine = this.#isMine(message.userId, message.username);
      const updated = this.#withMention(mine === message.mine ? message : { ...message, mine });
      changed ||= updated !== message;
      return updated;
    });
    if (changed) {
      this.messages = messages;
    }
  }

  /** The list reports whether the reader is at the newest message; the cap applies only then. */
  setFollowing(following: boolean): void {
    this.#following = following;
    if (following) {
      this.#trim();
    }
  }

  /** Loads the page of messages just older than the oldest shown. Never rejects. */
  async loadOlder(): Promise<void> {
    const socket = this.#deps.connection.socket;
    const oldest = this.messages[0];
    if (this.loadingOlder || !this.hasMore || !oldest || !socket.connected) {
      return;
    }
    const epoch = this.#epoch;
    this.loadingOlder = true;
    this.olderError = '';
    try {
      const result = await requestOlderPage(socket, oldest.id, () => epoch !== this.#epoch);
      if (!result) {
        return;
      }
      if (!result.ok) {
        this.olderError = result.message;
        return;
      }
      const page = readWireMessages(result.messages, this.#deps.safeAvatar).filter(
        (message) => message.id < oldest.id,
      );
      this.add(page, false);
      this.hasMore = result.has_more === true;
      if (page.length > 0) {
        // What was skipped is being filled in from the top.
        this.gap = false;
      }
    } catch {
      if (epoch === this.#epoch) {
        this.olderError = 'Earlier messages could not be loaded.';
      }
    } finally {
      this.loadingOlder = false;
    }
  }

  #isMine(userId: string, username: string): boolean {
    const me = this.#deps.reader;
    if (me.userId && userId) {
      return userId === me.userId;
    }
    // A server that does not say who wrote what: fall back to the name.
    return username.length > 0 && username === me.username;
  }

  /** Marks a message that mentions me (never one of mine). */
  #withMention<T extends MessageItem>(item: T): T {
    const me = this.#deps.reader.userId;
    const mentionsMe = !item.mine && !item.deleted && me !== '' && item.mentions.includes(me);
    return mentionsMe === item.mentionsMe ? item : { ...item, mentionsMe };
  }

  /** Applies a change to the stored message with this id (if it is here). */
  #update(id: number, change: (message: ConfirmedMessage) => ConfirmedMessage): void {
    const index = this.messages.findIndex((message) => message.id === id);
    const message = this.messages[index];
    if (!message) {
      return;
    }
    const messages = this.messages.slice();
    messages[index] = this.#withMention(change(message));
    this.messages = messages;
  }

  /** Drops the timeline (but not my unsent messages) to start over from a fresh page. */
  #startOver(): void {
    this.#epoch += 1;
    this.messages = [];
    this.#notices = this.#notices.filter((notice) => this.#floating.has(notice.key));
    this.hasMore = false;
    this.gap = false;
    this.olderError = '';
  }

  /** Keeps the newest {@link TIMELINE_LIMIT} messages and notices, while the reader follows. */
  #trim(): void {
    if (!this.#following || this.messages.length + this.#notices.length <= TIMELINE_LIMIT) {
      return;
    }
    const { messages, notices } = keepNewest(this.messages, this.#notices, TIMELINE_LIMIT);
    if (messages.length < this.messages.length) {
      // They are still on the server: paging back brings them again.
      this.hasMore = true;
    }
    this.messages = messages;
    this.#notices = notices;
    this.gap = false;
    this.#epoch += 1;
  }
}
