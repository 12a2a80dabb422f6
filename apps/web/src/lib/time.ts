const clock = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const full = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** "14:05" or "2:05 PM", as the reader's locale writes it. */
export function formatClock(at: number): string {
  return clock.format(at);
}

/** Date and time, for a tooltip. */
export function formatFull(at: number): string {
  return full.format(at);
}

const dayFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'full' });
const dayFormatNoYear = new Intl.DateTimeFormat(undefined, {
  weekday: 'long',
  month: 'long',
  day: 'numeric',
});

/** Midnight (local time) of the day `at` falls on: equal for two times on the same day. */
export function dayStart(at: number): number {
  const date = new Date(at);
  date.setHours(0, 0, 0, 0);
  return date.getTime();
}

/** "Today", "Yesterday", or the date ("Monday, March 2"; with the year when not this year). */
export function formatDay(at: number, now = Date.now()): string {
  const day = dayStart(at);
  const today = dayStart(now);
  if (day === today) {
    return 'Today';
  }
  const yesterday = new Date(today);
  yesterday.setDate(yesterday.getDate() - 1);
  if (day === yesterday.getTime()) {
    return 'Yesterday';
  }
  return new Date(at).getFullYear() === new Date(now).getFullYear()
    ? dayFormatNoYear.format(at)
    : dayFormat.format(at);
}
