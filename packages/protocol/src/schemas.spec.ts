import { describe, expect, it } from '@jest/globals';

import {
  ErrorCode,
  MESSAGE_MAX_LENGTH,
  USERNAME_MAX_LENGTH,
  handshakeAuthSchema,
  loadHistoryPayloadSchema,
  parsePayload,
  sendMessagePayloadSchema,
  updateUsernamePayloadSchema,
  usernameKey,
} from './index.js';

describe('sendMessagePayloadSchema', () => {
  const parse = (input: unknown) => parsePayload(sendMessagePayloadSchema, input);

  it('accepts a message and keeps its inner spacing', () => {
    expect(parse({ message: 'hello\n  world' })).toEqual({
      ok: true,
      data: { message: 'hello\n  world' },
    });
  });

  it('ignores unknown fields so newer clients stay compatible', () => {
    expect(parse({ message: 'hi', color: 'red' })).toEqual({
      ok: true,
      data: { message: 'hi' },
    });
  });

  it('keeps a well-formed client_id and refuses a malformed one', () => {
    expect(parse({ message: 'hi', client_id: 'a-1_B' })).toEqual({
      ok: true,
      data: { message: 'hi', client_id: 'a-1_B' },
    });
    for (const client_id of ['', 'x'.repeat(65), 'has space', 7, '<script>']) {
      expect(parse({ message: 'hi', client_id })).toMatchObject({
        ok: false,
        error: ErrorCode.InvalidPayload,
      });
    }
  });

  it('drops control characters and trailing white space, unifies line endings', () => {
    expect(parse({ message: '\n\n a\u0000b\r\nc\t \n' })).toEqual({
      ok: true,
      data: { message: ' ab\nc' },
    });
  });

  it.each([
    ['a missing field', {}],
    ['a number', { message: 42 }],
    ['null', null],
    ['a string payload', 'hello'],
    ['an array', [{ message: 'hi' }]],
  ])('refuses %s as invalid_payload', (_label, input) => {
    const result = parse(input);
    expect(result).toMatchObject({ ok: false, error: ErrorCode.InvalidPayload });
    expect(result.ok || result.message.length > 0).toBe(true);
  });

  it.each(['', '   ', '\n\t\n', '\u0000\u0001'])('refuses %j as empty_message', (message) => {
    expect(parse({ message })).toMatchObject({ ok: false, error: ErrorCode.EmptyMessage });
  });

  it('accepts exactly the maximum length, counted in characters', () => {
    const emoji = '😀'.repeat(MESSAGE_MAX_LENGTH);
    expect(parse({ message: emoji })).toMatchObject({ ok: true });
  });

  it('refuses one character over the maximum as message_too_long', () => {
    expect(parse({ message: 'x'.repeat(MESSAGE_MAX_LENGTH + 1) })).toEqual({
      ok: false,
      error: ErrorCode.MessageTooLong,
      message: `A message can be at most ${MESSAGE_MAX_LENGTH} characters long.`,
    });
  });
});

describe('updateUsernamePayloadSchema', () => {
  const parse = (input: unknown) => parsePayload(updateUsernamePayloadSchema, input);

  it('trims and composes the name (NFC)', () => {
    expect(parse({ username: '  Zoe\u0301  ' })).toEqual({ ok: true, data: { username: 'Zoé' } });
  });

  it('accepts the longest allowed name', () => {
    expect(parse({ username: 'n'.repeat(USERNAME_MAX_LENGTH) })).toMatchObject({ ok: true });
  });

  it.each([
    ['empty', ''],
    ['only spaces', '    '],
    ['too long', 'n'.repeat(USERNAME_MAX_LENGTH + 1)],
    ['a control character', 'Ada\u0007'],
    ['a newline', 'Ada\nLovelace'],
    ['a zero-width space', 'A\u200Bda'],
    ['a bidi override', '\u202Eada'],
  ])('refuses a name that is %s as name_invalid', (_label, username) => {
    expect(parse({ username })).toMatchObject({ ok: false, error: ErrorCode.NameInvalid });
  });

  it.each(['System', 'ADMIN', ' admin '])('refuses the reserved name %j', (username) => {
    expect(parse({ username })).toMatchObject({ ok: false, error: ErrorCode.NameReserved });
  });

  it.each([{}, { username: 7 }, { username: null }, undefined])(
    'refuses %j as invalid_payload',
    (input) => {
      expect(parse(input)).toMatchObject({ ok: false, error: ErrorCode.InvalidPayload });
    },
  );
});

describe('usernameKey', () => {
  it.each([
    ['case', 'Ada', 'aDA'],
    ['full-width letters', 'ＡＤＡ', 'ada'],
    ['Cyrillic look-alikes', 'Ada', '\u0410d\u0430'],
    ['digit one for letter l', 'User_1234', 'User_l234'],
    ['inner spaces', 'Ada Lovelace', 'AdaLovelace'],
    ['no-break spaces', 'Ada Lovelace', 'Ada\u00A0\u00A0Lovelace'],
    ['rn for m', 'Emma', 'Ernrna'],
  ])('makes names differing by %s clash', (_label, a, b) => {
    expect(usernameKey(a)).toBe(usernameKey(b));
  });

  it('keeps different names apart', () => {
    expect(usernameKey('Ada')).not.toBe(usernameKey('Bo'));
    expect(usernameKey('User_1234')).not.toBe(usernameKey('User_1235'));
  });
});

describe('normalizeUsername', () => {
  it('collapses runs of spaces of any kind into one plain space', () => {
    expect(
      parsePayload(updateUsernamePayloadSchema, { username: 'Ada\u3000\u00A0 Lovelace' }),
    ).toEqual({
      ok: true,
      data: { username: 'Ada Lovelace' },
    });
  });

  it('refuses a look-alike of a reserved word', () => {
    expect(parsePayload(updateUsernamePayloadSchema, { username: '\u0410dmin' })).toMatchObject({
      ok: false,
      error: ErrorCode.NameReserved,
    });
  });
});

describe('handshakeAuthSchema', () => {
  it('keeps a token and the last id seen, from server_offset or a numeric offset', () => {
    expect(handshakeAuthSchema.parse({ session: 'tok', server_offset: '42' })).toEqual({
      session: 'tok',
      offset: 42,
      presenceBatch: false,
    });
    expect(handshakeAuthSchema.parse({ offset: 7 })).toEqual({
      session: undefined,
      offset: 7,
      presenceBatch: false,
    });
  });

  it('prefers server_offset and ignores the string offset of connection state recovery', () => {
    expect(handshakeAuthSchema.parse({ server_offset: 5, offset: 'Q8JsWCp', pid: 'x' })).toEqual({
      session: undefined,
      offset: 5,
      presenceBatch: false,
    });
    expect(handshakeAuthSchema.parse({ offset: '1234' }).offset).toBeUndefined();
  });

  it('reads the features a client announces, ignoring unknown ones and garbage', () => {
    expect(handshakeAuthSchema.parse({ features: ['presence_batch'] }).presenceBatch).toBe(true);
    expect(handshakeAuthSchema.parse({ features: ['later', 'presence_batch'] }).presenceBatch).toBe(
      true,
    );
    for (const features of [['other'], 'presence_batch', [1, 2], { presence_batch: true }, null]) {
      expect(handshakeAuthSchema.parse({ features, offset: 3 })).toMatchObject({
        presenceBatch: false,
        offset: 3,
      });
    }
    const tooMany = Array.from({ length: 100 }, () => 'presence_batch');
    expect(handshakeAuthSchema.parse({ features: tooMany }).presenceBatch).toBe(false);
  });

  it.each([
    undefined,
    null,
    'string',
    [1, 2],
    { session: 7, offset: -1 },
    { session: 'x'.repeat(10_000), offset: 'abc' },
    { session: { $ne: null }, offset: 1.5 },
    { offset: Number.MAX_SAFE_INTEGER + 10 },
  ])('drops garbage without throwing: %j', (auth) => {
    const parsed = handshakeAuthSchema.parse(auth);
    expect(parsed.session === undefined || typeof parsed.session === 'string').toBe(true);
    expect(parsed.offset === undefined || Number.isSafeInteger(parsed.offset)).toBe(true);
    expect(parsed.session?.length ?? 0).toBeLessThanOrEqual(128);
  });
});

describe('loadHistoryPayloadSchema', () => {
  it('accepts a positive id and an optional limit', () => {
    expect(parsePayload(loadHistoryPayloadSchema, { before: 10, limit: 5 })).toMatchObject({
      ok: true,
    });
  });

  it.each([{}, { before: 0 }, { before: -3 }, { before: '9' }, { before: 9, limit: 10_000 }])(
    'refuses %j',
    (input) => {
      expect(parsePayload(loadHistoryPayloadSchema, input)).toMatchObject({
        ok: false,
        error: ErrorCode.InvalidPayload,
      });
    },
  );
});
