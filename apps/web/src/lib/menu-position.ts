/** Where a popup menu goes: below its anchor if it fits, else above; always inside the viewport. */
export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Space (px) kept between the menu and the viewport's edges, and between anchor and menu. */
export const MENU_MARGIN = 8;

/**
 * `align: 'end'` lines the menu's right edge up with the anchor's (my messages sit on the right),
 * `'start'` its left edge. Returns the menu's top-left corner in viewport pixels.
 */
export function placeMenu(
  anchor: Box,
  menu: { width: number; height: number },
  viewport: { width: number; height: number },
  align: 'start' | 'end',
): { left: number; top: number } {
  const below = anchor.top + anchor.height + MENU_MARGIN;
  const above = anchor.top - MENU_MARGIN - menu.height;
  let top: number;
  if (below + menu.height <= viewport.height - MENU_MARGIN) {
    top = below;
  } else if (above >= MENU_MARGIN) {
    top = above;
  } else {
    // Fits neither way (a short screen): as low as it fits, over the anchor.
    top = Math.max(MENU_MARGIN, viewport.height - MENU_MARGIN - menu.height);
  }
  const wanted = align === 'end' ? anchor.left + anchor.width - menu.width : anchor.left;
  const left = Math.min(Math.max(MENU_MARGIN, wanted), viewport.width - MENU_MARGIN - menu.width);
  return { left: Math.max(MENU_MARGIN, left), top };
}

/**
 * Where an arrow key, Home or End moves focus among a menu's `count` items from `index` (-1: none
 * focused); Up and Down wrap around. Null: not a key the menu moves by.
 */
export function stepMenu(count: number, index: number, key: string): number | null {
  const next: Partial<Record<string, number>> = {
    ArrowDown: (index + 1) % count,
    ArrowUp: (index - 1 + count) % count,
    Home: 0,
    End: count - 1,
  };
  return next[key] ?? null;
}
