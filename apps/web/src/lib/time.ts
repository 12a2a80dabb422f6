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
