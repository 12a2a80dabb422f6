import { readItem, writeItem } from './storage';

/** The reader's choice: follow the system, or always light, or always dark. */
export type ThemeChoice = 'system' | 'light' | 'dark';

export const THEME_KEY = 'parley.theme';
export const THEME_ORDER: readonly ThemeChoice[] = ['system', 'light', 'dark'];

function isChoice(value: unknown): value is ThemeChoice {
  return value === 'system' || value === 'light' || value === 'dark';
}

/** The remembered choice (system when none, or when storage is blocked). */
export function readTheme(): ThemeChoice {
  const stored = readItem(THEME_KEY);
  return isChoice(stored) ? stored : 'system';
}

/**
 * Applies a choice to the page: CSS reads `html[data-theme]` (and `prefers-color-scheme` for
 * `system`). Called from main.ts before the app mounts, so the first paint already has it.
 */
export function applyTheme(choice: ThemeChoice): void {
  document.documentElement.dataset.theme = choice;
}

export function saveTheme(choice: ThemeChoice): void {
  writeItem(THEME_KEY, choice);
  applyTheme(choice);
}

export function nextTheme(choice: ThemeChoice): ThemeChoice {
  return THEME_ORDER[(THEME_ORDER.indexOf(choice) + 1) % THEME_ORDER.length] ?? 'system';
}
