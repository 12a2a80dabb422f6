import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { LONG_PRESS_MS, LongPress } from './long-press';

describe('LongPress', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('fires once, at the point pressed, after the finger stayed down long enough', () => {
    const onPress = vi.fn();
    const press = new LongPress(onPress);
    press.down(10, 20);
    vi.advanceTimersByTime(LONG_PRESS_MS - 1);
    expect(onPress).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(onPress).toHaveBeenCalledExactlyOnceWith(10, 20);
    expect(press.fired).toBe(true);
  });

  it('is a tap, not a press, when the finger lifts early', () => {
    const onPress = vi.fn();
    const press = new LongPress(onPress);
    press.down(0, 0);
    vi.advanceTimersByTime(200);
    press.cancel();
    vi.advanceTimersByTime(LONG_PRESS_MS);
    expect(onPress).not.toHaveBeenCalled();
    expect(press.fired).toBe(false);
  });

  it('is a scroll, not a press, when the finger moves away; a small tremor is still a press', () => {
    const onPress = vi.fn();
    const press = new LongPress(onPress);
    press.down(0, 0);
    press.move(3, 4);
    vi.advanceTimersByTime(LONG_PRESS_MS);
    expect(onPress).toHaveBeenCalledTimes(1);

    press.down(0, 0);
    press.move(0, 30);
    vi.advanceTimersByTime(LONG_PRESS_MS);
    expect(onPress).toHaveBeenCalledTimes(1);
  });
});
