import unhomoglyph from 'unhomoglyph';

import { checkUsername, foldUsername, type UsernameCheck } from './text.js';

/** Accents and other combining marks, once decomposed: `Alíce` is `Alice` for comparing. */
function withoutMarks(text: string): string {
  return text.normalize('NFD').replace(/\p{M}+/gu, '');
}

/**
 * The form two names are compared in, so that look-alikes clash: compatibility-folded (`ＡＤＡ`),
 * without white space (`A da`) or accents (`Alíce`), then mapped to Unicode's confusables skeleton
 * by `unhomoglyph` twice: in capitals, so capital `I` is the `l` it looks like (`AIice`, `ParIey`)
 * and Cyrillic small letters meet their capitals (`ѕуѕтем`), and in lowercase (`User_l234` for
 * `User_1234`, `rn` for `m`). Case-insensitive and `I` ≈ `l` together make `i` and `l` one letter
 * here (`Ali` and `All` clash): a name refused, never a look-alike let in. Kept apart from
 * `text.ts` because its table is ~100 KB: servers import it, browsers need not.
 */
export function usernameKey(name: string): string {
  let key = keys.get(name);
  if (key === undefined) {
    const folded = withoutMarks(name.normalize('NFKC')).replace(/\s+/gu, '');
    const capitals = withoutMarks(unhomoglyph(folded.toUpperCase()));
    key = withoutMarks(unhomoglyph(capitals.toLowerCase())).toLowerCase();
    if (keys.size >= KEYS_KEPT) {
      keys.clear();
    }
    keys.set(name, key);
  }
  return key;
}

/**
 * Keys of recently compared names. A join storm in a crowded room checks thousands of generated
 * names, each about 2 µs to key: 10,000 joins spent 3.5 s more CPU keying than with the old
 * one-pass key, and connected 20 % slower, until keys were kept. Names are at most 32 characters,
 * so this holds at most a few MB.
 */
const keys = new Map<string, string>();
const KEYS_KEPT = 20_000;

/**
 * The form an `@name` is compared in: like {@link usernameKey} (case, width, accents, Cyrillic
 * `Аda`) but without the capital-`I` pass, so `@all` does not mention a person called `Ali`. (A
 * name that looks like another online one cannot be taken, so nobody needs mentioning by it.)
 */
export function mentionKey(name: string): string {
  return unhomoglyph(foldUsername(name)).toLowerCase();
}

/** {@link checkUsername} with reserved words compared by {@link usernameKey} (look-alikes too). */
export function checkUsernameStrictly(normalized: string): UsernameCheck | null {
  return checkUsername(normalized, usernameKey);
}
