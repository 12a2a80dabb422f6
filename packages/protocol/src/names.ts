import unhomoglyph from 'unhomoglyph';

import { checkUsername, foldUsername, type UsernameCheck } from './text.js';

/**
 * The form two names are compared in, so that look-alikes clash: folded like `foldUsername`, then
 * mapped to Unicode's confusables skeleton by `unhomoglyph` (Cyrillic `Аda`, `User_l234` for
 * `User_1234`). Kept apart from `text.ts` because its table is ~100 KB: servers import it,
 * browsers need not.
 */
export function usernameKey(name: string): string {
  return unhomoglyph(foldUsername(name)).toLowerCase();
}

/** {@link checkUsername} with reserved words compared by {@link usernameKey} (look-alikes too). */
export function checkUsernameStrictly(normalized: string): UsernameCheck | null {
  return checkUsername(normalized, usernameKey);
}
