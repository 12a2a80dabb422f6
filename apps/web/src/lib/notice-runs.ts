/**
 * Presence notices as the list shows them: a run of them with no message between becomes one
 * row ("Ada, Bo and 5 others joined · Cy left · Dee is now Dot"), and someone's left followed by
 * their join again becomes "Ada reconnected".
 */

import { dayStart } from './time';
import type {
  ConfirmedMessage,
  NoticeItem,
  NoticeKind,
  NoticeRun,
  TimelineEntry,
  TimelineItem,
} from './timeline-items';

/**
 * A `left` followed by a `joined` of the same person this soon reads as one "reconnected". The
 * server announces `left` only after its presence grace period (PRESENCE_GRACE_MS, 5 s by
 * default), so a pair means a drop longer than that; ten minutes covers a laptop lid or a train
 * tunnel without tying together a leave and a return hours apart.
 */
export const RECONNECT_WINDOW_MS = 10 * 60 * 1000;

/** Names listed before "and N others". */
const NAMES_SHOWN = 2;
/** Up to this many names are all listed ("Ada, Bo and Cy"); more become "and N others". */
const NAMES_LISTED = 3;

/** Same person: by `user_id` when both sides have one, else by name. */
export function samePerson(
  a: { userId: string; username: string },
  b: { userId: string; username: string },
): boolean {
  return a.userId && b.userId ? a.userId === b.userId : a.username === b.username;
}

/**
 * The `left` notice that a join of `who` at `now` takes back, if any: the newest one about them,
 * within {@link RECONNECT_WINDOW_MS}, with no message of theirs stored after it.
 */
export function leftToReconnect(
  notices: readonly NoticeItem[],
  messages: readonly ConfirmedMessage[],
  who: { userId: string; username: string },
  now: number,
): NoticeItem | undefined {
  // Their latest arrival or departure: only a `left` can be taken back.
  const left = notices.findLast(
    (notice) =>
      !notice.mine &&
      notice.kind !== 'renamed' &&
      notice.kind !== 'moderation' &&
      samePerson(notice, who),
  );
  if (!left || left.kind !== 'left' || now - left.at > RECONNECT_WINDOW_MS || now < left.at) {
    return undefined;
  }
  const spoke = messages.some((message) => message.id > left.afterId && samePerson(message, who));
  return spoke ? undefined : left;
}

/**
 * Can `notice` join the run that ends with `last`? Not across a day; mine and announcements (a
 * mute, a new topic) stand alone: folded into "and 3 others" they would go unread.
 */
function continues(last: NoticeItem, notice: NoticeItem): boolean {
  return (
    !last.mine &&
    !notice.mine &&
    last.kind !== 'moderation' &&
    notice.kind !== 'moderation' &&
    dayStart(last.at) === dayStart(notice.at)
  );
}

function runOf(notices: NoticeItem[]): NoticeRun {
  const first = notices[0] as NoticeItem;
  return {
    kind: 'notices',
    key: first.key,
    notices,
    at: first.at,
    mine: first.mine,
    seq: Math.max(...notices.map((notice) => notice.seq)),
    fresh: true,
  };
}

/** The list's items: messages as they are, each run of consecutive notices as one item. */
export function collapseRuns(entries: readonly TimelineEntry[]): TimelineItem[] {
  const items: TimelineItem[] = [];
  let run: NoticeItem[] = [];
  const close = () => {
    if (run.length > 0) {
      items.push(runOf(run));
      run = [];
    }
  };
  for (const entry of entries) {
    if (entry.kind === 'message') {
      close();
      items.push(entry);
      continue;
    }
    const last = run.at(-1);
    if (last && !continues(last, entry)) {
      close();
    }
    run.push(entry);
  }
  close();
  return items;
}

/** A piece of a segment's text: a name (drawn in its own direction) or the words around it. */
export type NoticePiece = { name: string } | { words: string };

/** One part of a run's line: all its joins, all its leaves, … */
export interface NoticeSegment {
  kind: NoticeKind;
  text: string;
  /** The text in pieces, each name apart, so a right-to-left name cannot reorder the sentence. */
  pieces: NoticePiece[];
  /** Some names are left out ("and N others"): the full list is worth offering. */
  truncated: boolean;
}

const VERBS: Record<Exclude<NoticeKind, 'renamed' | 'moderation'>, string> = {
  joined: 'joined',
  left: 'left',
  reconnected: 'reconnected',
};

/** "Ada", "Ada and Bo", "Ada, Bo and Cy", "Ada, Bo and 5 others", in pieces. */
function namePieces(names: readonly string[], others: string, asNames: boolean): NoticePiece[] {
  const piece = (part: string): NoticePiece => (asNames ? { name: part } : { words: part });
  if (names.length <= 1) {
    return names.map(piece);
  }
  const shown = names.length <= NAMES_LISTED ? names.slice(0, -1) : names.slice(0, NAMES_SHOWN);
  const pieces: NoticePiece[] = [];
  for (const [index, part] of shown.entries()) {
    if (index > 0) {
      pieces.push({ words: ', ' });
    }
    pieces.push(piece(part));
  }
  if (names.length <= NAMES_LISTED) {
    pieces.push({ words: ' and ' }, piece(names.at(-1) as string));
  } else {
    const rest = names.length - NAMES_SHOWN;
    pieces.push({ words: ` and ${rest} ${rest === 1 ? others.replace(/s$/, '') : others}` });
  }
  return pieces;
}

const textOf = (pieces: readonly NoticePiece[]) =>
  pieces.map((piece) => ('name' in piece ? piece.name : piece.words)).join('');

/** "Ada", "Ada and Bo", "Ada, Bo and Cy", "Ada, Bo and 5 others". */
export function listNames(names: readonly string[], others = 'others'): string {
  return textOf(namePieces(names, others, true));
}

/**
 * A run's line, a segment per kind in the order each first happened. One notice reads as it
 * always did ("Ada joined", "Reconnected", "User_1234 is now Ada").
 */
export function summarize(run: NoticeRun): NoticeSegment[] {
  if (run.notices.length === 1) {
    const [only] = run.notices as [NoticeItem];
    const pieces: NoticePiece[] =
      only.kind === 'renamed' || only.kind === 'moderation' || only.mine
        ? [{ words: only.text }]
        : [{ name: only.username }, { words: ` ${VERBS[only.kind]}` }];
    return [{ kind: only.kind, text: only.text, pieces, truncated: false }];
  }
  const groups = new Map<NoticeKind, string[]>();
  for (const notice of run.notices) {
    const group = groups.get(notice.kind) ?? [];
    // A rename is its own sentence; the others are a name, listed once per kind.
    const part = notice.kind === 'renamed' ? notice.text : notice.username;
    if (!group.includes(part)) {
      group.push(part);
    }
    groups.set(notice.kind, group);
  }
  return [...groups].map(([kind, parts]) => {
    const pieces =
      kind === 'renamed' || kind === 'moderation'
        ? namePieces(parts, kind === 'renamed' ? 'other renames' : 'other changes', false)
        : [...namePieces(parts, 'others', true), { words: ` ${VERBS[kind]}` }];
    return { kind, text: textOf(pieces), pieces, truncated: parts.length > NAMES_LISTED };
  });
}
