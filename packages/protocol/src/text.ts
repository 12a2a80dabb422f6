import { ErrorCode } from './errors.js';
import {
  MESSAGE_MAX_BLANK_LINES,
  MESSAGE_MAX_COMBINING_MARKS,
  MESSAGE_MAX_LENGTH,
  RESERVED_USERNAMES,
  USERNAME_MAX_LENGTH,
  USERNAME_MIN_LENGTH,
} from './limits.js';

/** Length as a person counts it: code points, so an emoji is one character, not two. */
export function characterCount(text: string): number {
  let count = 0;
  for (const _ of text) {
    count++;
  }
  return count;
}

// C0/C1 controls except tab and newline; they render as nothing or garble the layout.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const MESSAGE_CONTROL_CHARACTERS = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/gu;

// Bidirectional embeddings, overrides and isolates: they reorder what follows them, so a message
// could make the next words (or a link) read backwards. Names refuse them too.
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/gu;
// Combining marks past the first few on one character ("Zalgo" text draws over its neighbours).
const EXCESS_MARKS = new RegExp(`(\\p{M}{${MESSAGE_MAX_COMBINING_MARKS}})\\p{M}+`, 'gu');
// A line break followed by more blank lines than are kept. (No backtracking blow-up: `[ \t]*`
// cannot match the `\n` that ends each line.)
const EXCESS_BLANK_LINES = new RegExp(`\\n(?:[ \\t]*\\n){${MESSAGE_MAX_BLANK_LINES + 1},}`, 'gu');
const KEPT_BLANK_LINES = '\n'.repeat(MESSAGE_MAX_BLANK_LINES + 1);

/**
 * What the server stores and relays for a message: line endings unified, control and
 * direction-changing characters dropped, at most `MESSAGE_MAX_COMBINING_MARKS` combining marks on
 * a character, at most `MESSAGE_MAX_BLANK_LINES` blank lines in a row, blank lines at the start
 * and trailing white space removed. Inner spacing is kept, since it carries meaning
 * (indentation, code).
 */
export function normalizeMessage(raw: string): string {
  return raw
    .replace(/\r\n?/gu, '\n')
    .replace(MESSAGE_CONTROL_CHARACTERS, '')
    .replace(BIDI_CONTROLS, '')
    .replace(EXCESS_MARKS, '$1')
    .replace(EXCESS_BLANK_LINES, KEPT_BLANK_LINES)
    .replace(/^(?:[ \t]*\n)+/u, '')
    .trimEnd();
}

export type MessageProblem = typeof ErrorCode.EmptyMessage | typeof ErrorCode.MessageTooLong;

export function checkMessage(
  normalized: string,
  maxLength = MESSAGE_MAX_LENGTH,
): MessageProblem | null {
  if (normalized.trim().length === 0) {
    return ErrorCode.EmptyMessage;
  }
  if (characterCount(normalized) > maxLength) {
    return ErrorCode.MessageTooLong;
  }
  return null;
}

/**
 * A display name as stored: composed Unicode (NFC), no surrounding white space, inner runs of
 * spaces (any kind, e.g. no-break or ideographic) as one plain space. Line breaks and tabs stay,
 * for {@link checkUsername} to refuse.
 */
export function normalizeUsername(raw: string): string {
  return raw
    .normalize('NFC')
    .trim()
    .replace(/\p{Zs}+/gu, ' ');
}

// Controls, zero-width and other default-ignorable characters (Hangul fillers, Khmer inherent
// vowels, variation selectors, ...), bidirectional overrides and isolates, soft hyphen, BOM, and
// characters that draw as blank although Unicode does not call them space (braille blank, musical
// null notehead): they make names that look alike, look empty or hide text.
const FORBIDDEN_IN_USERNAME =
  // eslint-disable-next-line no-misleading-character-class -- lone joiners/selectors are what we refuse
  /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\u115F\u1160\u3164\uFFA0\u034F\u17B4\u17B5\u180B-\u180F\u2800\uFE00-\uFE0F\u{1D159}]/u;
/** A name needs something to read: marks, symbols and punctuation alone look blank or alike. */
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
/** What separates words in a name, for reserved words: `[System]`, `System Bot`, `root_1`. */
const BETWEEN_WORDS = /[^\p{L}\p{N}\p{M}]+/u;

/**
 * A name compatibility-folded (`ＡＤＡ`), case-folded (`aDA`), without accents or other marks
 * (`Ädä`) and without white space (`A da`). The server's comparison key (`usernameKey`, in
 * `names.ts`) adds Unicode's confusables on top; that table is large, so this light form is what
 * browsers use for their own checks.
 */
export function foldUsername(name: string): string {
  return name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[\p{M}\s]+/gu, '');
}

export type UsernameProblem = typeof ErrorCode.NameInvalid | typeof ErrorCode.NameReserved;

export interface UsernameCheck {
  error: UsernameProblem;
  message: string;
}

/**
 * Rules every name follows, wherever it comes from; uniqueness is the server's to judge.
 * `keyOf` decides what counts as a reserved word's look-alike (the server passes `usernameKey`).
 */
export function checkUsername(
  normalized: string,
  keyOf: (name: string) => string = foldUsername,
): UsernameCheck | null {
  const length = characterCount(normalized);
  if (length < USERNAME_MIN_LENGTH) {
    return { error: ErrorCode.NameInvalid, message: 'A name cannot be empty.' };
  }
  if (length > USERNAME_MAX_LENGTH) {
    return {
      error: ErrorCode.NameInvalid,
      message: `A name can be at most ${USERNAME_MAX_LENGTH} characters long.`,
    };
  }
  if (FORBIDDEN_IN_USERNAME.test(normalized)) {
    return {
      error: ErrorCode.NameInvalid,
      message: 'A name cannot contain control, invisible or direction-changing characters.',
    };
  }
  if (!LETTER_OR_DIGIT.test(normalized)) {
    return { error: ErrorCode.NameInvalid, message: 'A name needs at least one letter or digit.' };
  }
  // Reserved as a whole name (`S y s t e m`) or as any word of it (`[System]`, `System Bot`),
  // but not inside a word (`Systematic`).
  const reserved = new Set(RESERVED_USERNAMES.map(keyOf));
  const words = normalized.split(BETWEEN_WORDS).filter((word) => word.length > 0);
  if (reserved.has(keyOf(normalized)) || words.some((word) => reserved.has(keyOf(word)))) {
    return { error: ErrorCode.NameReserved, message: `“${normalized}” is reserved.` };
  }
  return null;
}
