/**
 * Moderation in words: durations ("10 min", "1 day", "for good"), countdowns ("0:42") and the
 * sentences the timeline shows for `member_moderated` and `room_updated`. Pure, so tested alone.
 */
import type { MemberModeratedPayload, RoomSettings } from '@parley/protocol';

const UNITS: ReadonlyArray<[seconds: number, one: string, many: string]> = [
  [7 * 24 * 3600, 'week', 'weeks'],
  [24 * 3600, 'day', 'days'],
  [3600, 'h', 'h'],
  [60, 'min', 'min'],
  [1, 's', 's'],
];

/**
 * "30 s", "5 min", "1 h", "1 day", "2 weeks": the largest unit that divides it in under 100 ("90 s",
 * "90 min"), else rounded in the largest unit it reaches (a mute's remaining 3,599 s: "60 min").
 */
export function formatDuration(seconds: number): string {
  const whole = Math.max(1, Math.round(seconds));
  const say = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;
  for (const [size, one, many] of UNITS) {
    if (whole >= size && whole % size === 0 && whole / size < 100) {
      return say(whole / size, one, many);
    }
  }
  const [size, one, many] = UNITS.find(([unit]) => whole >= unit) ?? [1, 's', 's'];
  return say(Math.round(whole / size), one, many);
}

/** A countdown as a clock shows it: "0:42", "4:05", "1:02:00". */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const ss = String(seconds).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${ss}` : `${minutes}:${ss}`;
}

/** "until 14:05" today, or "until 3 Dec, 14:05" on another day. */
export function formatUntil(until: number, now: number): string {
  const at = new Date(until);
  const time = at.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  if (new Date(now).toDateString() === at.toDateString()) {
    return `until ${time}`;
  }
  const day = at.toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
  return `until ${day}, ${time}`;
}

/** How long an action lasts from `now`, in words: "for 10 min", "for good". */
function forHowLong(until: number | undefined, now: number): string {
  if (until === undefined) {
    return 'for good';
  }
  // Rounded to the minute: the announcement comes a moment after the action.
  const seconds = Math.max(1, (until - now) / 1000);
  return `for ${formatDuration(seconds >= 90 ? Math.round(seconds / 60) * 60 : seconds)}`;
}

/** Whom a sentence names: "you" when it is me. */
function who(name: string | undefined, userId: string, myId: string): string {
  return userId === myId ? 'you' : name || 'someone';
}

/** The timeline's sentence for one `member_moderated`, from my point of view. */
export function moderatedSentence(
  event: MemberModeratedPayload,
  myId: string,
  now: number,
): string {
  const actor = event.by === myId ? 'You' : event.by_username || 'A moderator';
  const target = who(event.username, event.user_id, myId);
  const reason = event.reason ? `: ${event.reason}` : '';
  switch (event.action) {
    case 'mute':
      return `${actor} muted ${target} ${forHowLong(event.until, now)}${reason}`;
    case 'unmute':
      return `${actor} unmuted ${target}`;
    case 'kick':
      return `${actor} removed ${target} from the room${reason}`;
    case 'ban':
      return `${actor} banned ${target} ${forHowLong(event.until, now)}${reason}`;
    case 'unban':
      return `${actor} lifted the ban on ${target}`;
    case 'clean_up': {
      const count = event.count ?? 0;
      const messages = count === 1 ? '1 message' : `${count} messages`;
      return `${actor} removed ${messages} by ${target}${reason}`;
    }
    case 'role':
      if (event.role === 'owner') {
        return `${actor} handed the room to ${target}`;
      }
      if (event.role === 'moderator') {
        return `${actor} made ${target} a moderator`;
      }
      return `${actor} took moderator rights from ${target}`;
  }
}

/** The timeline's sentences for a `room_updated` that changed something (none for a newcomer's copy). */
export function roomUpdatedSentences(
  before: RoomSettings,
  after: RoomSettings,
  byName: string,
  mine: boolean,
): string[] {
  const actor = mine ? 'You' : byName || 'A moderator';
  const sentences: string[] = [];
  if (after.topic !== before.topic) {
    sentences.push(
      after.topic ? `${actor} set the topic: ${after.topic}` : `${actor} cleared the topic`,
    );
  }
  if (after.slow_mode_s !== before.slow_mode_s) {
    sentences.push(
      after.slow_mode_s > 0
        ? `${actor} turned on slow mode: one message every ${formatDuration(after.slow_mode_s)}`
        : `${actor} turned slow mode off`,
    );
  }
  if (after.locked !== before.locked) {
    sentences.push(
      after.locked
        ? `${actor} locked the room: only people with an invite link can come in`
        : `${actor} unlocked the room`,
    );
  }
  return sentences;
}
