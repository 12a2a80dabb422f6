import { describe, expect, it } from '@jest/globals';

import { ErrorCode } from './errors.js';
import { checkUsernameStrictly, usernameKey } from './names.js';
import { checkUsername, normalizeUsername } from './text.js';

/** What the server says about a proposed name: `null` if it may be used. */
const strictly = (raw: string) => checkUsernameStrictly(normalizeUsername(raw))?.error ?? null;
/** What a browser says about it, without the confusables table. */
const lightly = (raw: string) => checkUsername(normalizeUsername(raw))?.error ?? null;

describe('usernameKey', () => {
  it.each([
    ['capital I for l', 'Alice', 'AIice'],
    ['capital I for l, any case', 'ALICE', 'AIice'],
    ['an accent', 'Alice', 'Alíce'],
    ['an accent typed decomposed', 'Alice', 'Ali\u0301ce'],
    ['a combining underline', 'System', 'S\u0332ystem'],
    ['Cyrillic small letters', 'system', '\u0455\u0443\u0455\u0442\u0435\u043C'],
    ['case', 'Ada', 'aDA'],
    ['Cyrillic capitals', 'Ada', '\u0410d\u0430'],
    ['digit one for letter l', 'User_1234', 'User_l234'],
    ['rn for m', 'Emma', 'Ernrna'],
  ])('makes names differing by %s clash', (_label, a, b) => {
    expect(usernameKey(b)).toBe(usernameKey(a));
  });

  it('keeps generated names and different names apart', () => {
    const generated = Array.from({ length: 9000 }, (_, n) => usernameKey(`User_${1000 + n}`));
    expect(new Set(generated).size).toBe(9000);
    expect(usernameKey('Ada')).not.toBe(usernameKey('Bo'));
    expect(usernameKey('Zoë')).not.toBe(usernameKey('Zoey'));
  });
});

describe('checkUsernameStrictly', () => {
  it.each([
    ['a trailing braille blank', 'Alice\u2800'],
    ['only a braille blank', '\u2800'],
    ['Khmer inherent vowels', '\u17B4\u17B5'],
    ['a Khmer inherent vowel inside', 'Al\u17B4ice'],
    ['a musical null notehead', 'Al\u{1D159}ice'],
    ['a Hangul filler', 'Al\u3164ice'],
    ['a half-width Hangul filler', '\uFFA0'],
    ['Hangul choseong and jungseong fillers', 'A\u115F\u1160'],
    ['a combining grapheme joiner', 'A\u034Fda'],
    ['a Mongolian vowel separator', 'A\u180Eda'],
    ['only combining marks', '\u0301\u0302'],
    ['only symbols', '***'],
    ['only punctuation and marks', '.\u0301'],
  ])('refuses a name with %s as name_invalid', (_label, name) => {
    expect(strictly(name)).toBe(ErrorCode.NameInvalid);
  });

  it.each([
    ['capital I for l', 'ParIey'],
    ['a combining underline', 'S\u0332ystem'],
    ['brackets', '[System]'],
    ['a second word', 'System Bot'],
    ['a first word', 'the admin'],
    ['an underscore', 'root_1'],
    ['Cyrillic small letters', '\u0455\u0443\u0455\u0442\u0435\u043C'],
    ['an accent', 'Pärley'],
  ])('refuses a reserved word with %s as name_reserved', (_label, name) => {
    expect(strictly(name)).toBe(ErrorCode.NameReserved);
  });

  it.each([
    'Systematic',
    'Admiral',
    'Moderna',
    'Rooted tree',
    'User_1234',
    'Zoé',
    'Ada Lovelace',
    '李小龙',
    'Иван',
    '7',
  ])('accepts %j', (name) => {
    expect(strictly(name)).toBeNull();
  });
});

describe('checkUsername (the light check browsers run)', () => {
  it.each(['Alice\u2800', '\u2800', '\u17B4', 'A\u{1D159}', '\u3164', '***', '\u0301'])(
    'refuses %j as name_invalid, as the server does',
    (name) => {
      expect(lightly(name)).toBe(ErrorCode.NameInvalid);
    },
  );

  it.each(['[System]', 'System Bot', 'the admin', 'S\u0332ystem', 'Pärley', 'ＲＯＯＴ'])(
    'refuses %j as name_reserved, as the server does',
    (name) => {
      expect(lightly(name)).toBe(ErrorCode.NameReserved);
    },
  );

  it.each(['Systematic', 'User_1234', 'Zoé'])('accepts %j', (name) => {
    expect(lightly(name)).toBeNull();
  });
});
