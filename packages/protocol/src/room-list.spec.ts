import { describe, expect, it } from '@jest/globals';

import {
  ErrorCode,
  listRoomsAckSchema,
  listRoomsPayloadSchema,
  parsePayload,
  ROOM_LIST_MAX,
} from './index.js';

describe('listRoomsPayloadSchema', () => {
  const parse = (input: unknown) => parsePayload(listRoomsPayloadSchema, input);

  it('takes an empty request or a limit up to ROOM_LIST_MAX', () => {
    expect(parse({})).toEqual({ ok: true, data: {} });
    expect(parse({ limit: 5 })).toEqual({ ok: true, data: { limit: 5 } });
    expect(parse({ limit: ROOM_LIST_MAX })).toMatchObject({ ok: true });
  });

  it.each([
    ['a zero limit', { limit: 0 }],
    ['a limit over the most', { limit: ROOM_LIST_MAX + 1 }],
    ['a fractional limit', { limit: 2.5 }],
    ['a string limit', { limit: 'all' }],
    ['a string payload', 'rooms'],
    ['null', null],
  ])('refuses %s as invalid_payload', (_label, input) => {
    expect(parse(input)).toMatchObject({ ok: false, error: ErrorCode.InvalidPayload });
  });
});

describe('listRoomsAckSchema', () => {
  it('describes rooms with a positive count', () => {
    expect(
      listRoomsAckSchema.safeParse({ ok: true, rooms: [{ room: 'games', count: 2 }] }).success,
    ).toBe(true);
    expect(
      listRoomsAckSchema.safeParse({ ok: true, rooms: [{ room: 'games', count: 0 }] }).success,
    ).toBe(false);
  });
});
