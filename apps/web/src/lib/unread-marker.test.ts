import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { MARKER_LINGER_MS, UnreadMarker } from './unread-marker.svelte';

describe('UnreadMarker', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('marks what arrives after the reader went away, and keeps the first place on going away again', () => {
    const marker = new UnreadMarker();
    expect(marker.after).toBeNull();
    marker.away(7);
    expect(marker.after).toBe(7);
    marker.away(9);
    expect(marker.after).toBe(7);
  });

  it('lingers for a while once the reader is back, then goes', () => {
    const marker = new UnreadMarker();
    marker.away(3);
    marker.back(true);
    vi.advanceTimersByTime(MARKER_LINGER_MS - 1);
    expect(marker.after).toBe(3);
    vi.advanceTimersByTime(1);
    expect(marker.after).toBeNull();
  });

  it('goes at once when nothing arrived while away, and when I write', () => {
    const marker = new UnreadMarker();
    marker.away(3);
    marker.back(false);
    expect(marker.after).toBeNull();
    marker.away(4);
    marker.clear();
    expect(marker.after).toBeNull();
  });

  it('starts over from the new place when the reader leaves again after catching up', () => {
    const marker = new UnreadMarker();
    marker.away(3);
    marker.back(true);
    marker.away(10);
    vi.advanceTimersByTime(MARKER_LINGER_MS);
    expect(marker.after).toBe(10);
  });
});
