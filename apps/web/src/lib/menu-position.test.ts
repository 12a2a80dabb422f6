import { describe, expect, it } from 'vitest';

import { MENU_MARGIN, placeMenu, stepMenu } from './menu-position';

const viewport = { width: 400, height: 800 };
const menu = { width: 180, height: 120 };

describe('placeMenu', () => {
  it('opens below the anchor, its end lined up with the anchor end', () => {
    const anchor = { left: 300, top: 100, width: 24, height: 24 };
    expect(placeMenu(anchor, menu, viewport, 'end')).toEqual({
      left: 324 - 180,
      top: 124 + MENU_MARGIN,
    });
  });

  it('opens above when the space below is too short', () => {
    const anchor = { left: 20, top: 700, width: 24, height: 24 };
    expect(placeMenu(anchor, menu, viewport, 'start')).toEqual({
      left: 20,
      top: 700 - MENU_MARGIN - 120,
    });
  });

  it('never leaves the viewport, even when it fits neither above nor below', () => {
    const short = { width: 320, height: 200 };
    const anchor = { left: -50, top: 60, width: 600, height: 30 };
    const at = placeMenu(anchor, { width: 400, height: 150 }, short, 'start');
    expect(at.left).toBe(MENU_MARGIN);
    expect(at.top).toBeGreaterThanOrEqual(MENU_MARGIN);
    expect(at.top + 150).toBeLessThanOrEqual(200);
  });

  it('keeps a start-aligned menu from running off the right edge', () => {
    const anchor = { left: 380, top: 10, width: 10, height: 10 };
    expect(placeMenu(anchor, menu, viewport, 'start').left).toBe(400 - MENU_MARGIN - 180);
  });
});

describe('stepMenu', () => {
  it('moves down and up, wrapping at either end', () => {
    expect(stepMenu(3, 0, 'ArrowDown')).toBe(1);
    expect(stepMenu(3, 2, 'ArrowDown')).toBe(0);
    expect(stepMenu(3, 0, 'ArrowUp')).toBe(2);
  });

  it('goes to the first item from none focused, and Home and End to the ends', () => {
    expect(stepMenu(4, -1, 'ArrowDown')).toBe(0);
    expect(stepMenu(4, 2, 'Home')).toBe(0);
    expect(stepMenu(4, 1, 'End')).toBe(3);
  });

  it('leaves other keys to the caller', () => {
    expect(stepMenu(3, 1, 'Escape')).toBeNull();
    expect(stepMenu(3, 1, 'a')).toBeNull();
  });
});
