import { ErrorCode } from './errors.js';
import {
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

/**
 * What the server stores and relays for a message: line endings unified, control characters
 * dropped, blank lines at the start and trailing white space removed. Inner spacing is kept,
 * since it carries meaning (indentation, code).
 */
export function normalizeMessage(raw: string): string {
  return raw
    .replace(/\r\n?/gu, '\n')
    .replace(MESSAGE_CONTROL_CHARACTERS, '')
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

// Controls, zero-width characters, bidirectional overrides and isolates, soft hyphen, BOM:
// they make names that look alike or hide text, so they never belong in a name.
const FORBIDDEN_IN_USERNAME =
  // eslint-disable-next-line no-misleading-character-class -- lone joiners/selectors are what we refuse
  /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\u115F\u1160\u3164\uFFA0\u034F\u180B-\u180F\uFE00-\uFE0F]/u;

/**
 * A name compatibility-folded (`ＡＤＡ`), case-folded (`aDA`) and without white space (`A da`).
 * The server's comparison key (`usernameKey`, in `names.ts`) adds Unicode's confusables on top;
 * that table is large, so this light form is what browsers use for their own checks.
 */
export function foldUsername(name: string): string {
  return name.normalize('NFKC').toLowerCase().replace(/\s+/gu, '');
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
  const key = keyOf(normalized);
  if (RESERVED_USERNAMES.some((word) => keyOf(word) === key)) {
    return { error: ErrorCode.NameReserved, message: `“${normalized}” is reserved.` };
  }
  return null;
}
