/** The durations the moderation forms offer, and how a choice becomes `duration_s`. */
import { CLEAN_UP_MAX, MODERATION_DURATION_MAX_S, type ModeratePayload } from '@parley/protocol';

/** The forms behind the member and message menus. */
export type ModerateKind = 'mute' | 'kick' | 'ban' | 'clean_up' | 'make-owner' | 'report';
/** What a form asks for: a `moderate` payload, the room handed over, or a report's reason. */
export type ModerateRequest = ModeratePayload | { makeOwner: true } | { report: string };

export interface DurationChoice {
  id: string;
  label: string;
  /** Seconds; null: for good (a ban), or "custom" (read from the form). */
  seconds: number | null;
}

const MINUTE = 60;
const HOUR = 3600;
const DAY = 24 * HOUR;

export const MUTE_CHOICES: readonly DurationChoice[] = [
  { id: '5m', label: '5 minutes', seconds: 5 * MINUTE },
  { id: '1h', label: '1 hour', seconds: HOUR },
  { id: '1d', label: '1 day', seconds: DAY },
  { id: 'custom', label: 'Custom', seconds: null },
];

export const BAN_CHOICES: readonly DurationChoice[] = [
  { id: '1h', label: '1 hour', seconds: HOUR },
  { id: '1d', label: '1 day', seconds: DAY },
  { id: '1w', label: '1 week', seconds: 7 * DAY },
  { id: 'forever', label: 'For good', seconds: null },
];

export const CUSTOM_UNITS = [
  { id: 'm', label: 'minutes', seconds: MINUTE },
  { id: 'h', label: 'hours', seconds: HOUR },
  { id: 'd', label: 'days', seconds: DAY },
] as const;

/** A custom duration in seconds, or an error to show. */
export function customDuration(
  amount: string,
  unit: string,
): { seconds: number } | { error: string } {
  const value = Number(amount);
  const size = CUSTOM_UNITS.find((entry) => entry.id === unit)?.seconds ?? MINUTE;
  if (!Number.isFinite(value) || value <= 0 || !Number.isInteger(value)) {
    return { error: 'Enter a whole number above 0.' };
  }
  const seconds = value * size;
  if (seconds > MODERATION_DURATION_MAX_S) {
    return { error: 'At most 366 days: a longer one is a ban.' };
  }
  return { seconds };
}

/** How many messages a clean-up removes, or an error to show. */
export function cleanUpCount(raw: string): { count: number } | { error: string } {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > CLEAN_UP_MAX) {
    return { error: `Enter a number from 1 to ${CLEAN_UP_MAX}.` };
  }
  return { count: value };
}
