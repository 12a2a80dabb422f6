import { describe, expect, it } from '@jest/globals';

import {
  CLEAN_UP_MAX,
  ErrorCode,
  handshakeAuthSchema,
  MODERATION_DURATION_MAX_S,
  moderatePayloadSchema,
  parsePayload,
  reportMessagePayloadSchema,
  roleRank,
  setRolePayloadSchema,
  SLOW_MODE_MAX_S,
  TOPIC_MAX_LENGTH,
  updateRoomPayloadSchema,
} from './index.js';

describe('moderatePayloadSchema', () => {
  const parse = (input: unknown) => parsePayload(moderatePayloadSchema, input);

  it('takes each action with the fields it needs', () => {
    expect(parse({ action: 'mute', user_id: 'u1', duration_s: 60, reason: ' spam ' })).toEqual({
      ok: true,
      data: { action: 'mute', user_id: 'u1', duration_s: 60, reason: 'spam' },
    });
    expect(parse({ action: 'ban', user_id: 'u1' })).toMatchObject({ ok: true });
    expect(parse({ action: 'kick', user_id: 'u1', reason: 'line\nbreak' })).toMatchObject({
      ok: true,
      data: { reason: 'line break' },
    });
    expect(parse({ action: 'clean_up', user_id: 'u1', count: CLEAN_UP_MAX })).toMatchObject({
      ok: true,
    });
    expect(parse({ action: 'unban', user_id: 'u1' })).toMatchObject({ ok: true });
  });

  it.each([
    ['an unknown action', { action: 'nuke', user_id: 'u1' }],
    ['no user', { action: 'mute' }],
    ['an empty user id', { action: 'mute', user_id: '' }],
    ['a zero duration', { action: 'mute', user_id: 'u1', duration_s: 0 }],
    [
      'too long a duration',
      { action: 'ban', user_id: 'u1', duration_s: MODERATION_DURATION_MAX_S + 1 },
    ],
    ['a clean-up without a count', { action: 'clean_up', user_id: 'u1' }],
    ['too big a clean-up', { action: 'clean_up', user_id: 'u1', count: CLEAN_UP_MAX + 1 }],
    ['a duration on a kick', { action: 'kick', user_id: 'u1', duration_s: 5 }],
    ['too long a reason', { action: 'kick', user_id: 'u1', reason: 'x'.repeat(201) }],
    ['a string', 'ban everyone'],
    ['role as an action', { action: 'role', user_id: 'u1' }],
  ])('refuses %s as invalid_payload', (_label, input) => {
    expect(parse(input)).toMatchObject({ ok: false, error: ErrorCode.InvalidPayload });
  });
});

describe('setRolePayloadSchema', () => {
  it('takes moderator, owner or null', () => {
    for (const role of ['moderator', 'owner', null]) {
      expect(parsePayload(setRolePayloadSchema, { user_id: 'u', role })).toMatchObject({
        ok: true,
      });
    }
    expect(parsePayload(setRolePayloadSchema, { user_id: 'u', role: 'admin' })).toMatchObject({
      ok: false,
      error: ErrorCode.InvalidPayload,
    });
  });
});

describe('updateRoomPayloadSchema', () => {
  const parse = (input: unknown) => parsePayload(updateRoomPayloadSchema, input);

  it('takes any of topic, slow mode and lock, and an empty topic to clear it', () => {
    expect(parse({ topic: '  Rust  meetup\n' })).toEqual({
      ok: true,
      data: { topic: 'Rust  meetup' },
    });
    expect(parse({ topic: '' })).toEqual({ ok: true, data: { topic: '' } });
    expect(parse({ slow_mode_s: 0, locked: true })).toMatchObject({ ok: true });
  });

  it.each([
    ['nothing', {}],
    ['too long a topic', { topic: 'x'.repeat(TOPIC_MAX_LENGTH + 1) }],
    ['a negative slow mode', { slow_mode_s: -1 }],
    ['too slow a slow mode', { slow_mode_s: SLOW_MODE_MAX_S + 1 }],
    ['an unknown field', { owner: 'me' }],
  ])('refuses %s', (_label, input) => {
    expect(parse(input)).toMatchObject({ ok: false, error: ErrorCode.InvalidPayload });
  });
});

describe('reportMessagePayloadSchema', () => {
  it('takes a message id and an optional reason', () => {
    expect(parsePayload(reportMessagePayloadSchema, { id: 3 })).toMatchObject({ ok: true });
    expect(parsePayload(reportMessagePayloadSchema, { id: 0 })).toMatchObject({ ok: false });
  });
});

describe('handshake invite', () => {
  it('is kept when it fits and dropped otherwise', () => {
    expect(handshakeAuthSchema.parse({ invite: 'abc' }).invite).toBe('abc');
    expect(handshakeAuthSchema.parse({ invite: 'x'.repeat(65) }).invite).toBeUndefined();
    expect(handshakeAuthSchema.parse({ invite: 5 }).invite).toBeUndefined();
  });
});

describe('roleRank', () => {
  it('ranks owner over moderator over everyone else', () => {
    expect(roleRank('owner')).toBeGreaterThan(roleRank('moderator'));
    expect(roleRank('moderator')).toBeGreaterThan(roleRank(undefined));
  });
});
