import { newMessagePayloadSchema } from '@parley/protocol';
import { describe, expect, it } from 'vitest';

import { readWireMessage } from './timeline-items';

const valid = {
  username: 'Ada',
  avatar: '/avatars/lorelei/Ada.svg',
  message: 'hello',
  id: 7,
  ts: 1_700_000_000_000,
  client_id: 'abc',
  user_id: 'u1',
  mentions: ['u2'],
  edited_ts: 1_700_000_000_500,
};

/** Payloads the protocol's schema refuses: the page must not show them either. */
const refused: Record<string, unknown> = {
  'no id': { ...valid, id: undefined },
  'id zero': { ...valid, id: 0 },
  'fractional id': { ...valid, id: 1.5 },
  'id beyond safe integers': { ...valid, id: 2 ** 53 },
  'id as text': { ...valid, id: '7' },
  'username not text': { ...valid, username: 42 },
  'message not text': { ...valid, message: { text: 'x' } },
  'not an object': 'hello',
  null: null,
};

describe('readWireMessage, held to the protocol’s new_message schema', () => {
  it('reads what the schema accepts, field for field', () => {
    const parsed = newMessagePayloadSchema.parse(valid);
    expect(readWireMessage(valid, (url) => String(url))).toEqual({
      id: parsed.id,
      ts: parsed.ts,
      username: parsed.username,
      avatar: parsed.avatar,
      message: parsed.message,
      clientId: parsed.client_id,
      userId: parsed.user_id,
      editedTs: parsed.edited_ts,
      deleted: false,
      removed: false,
      mentions: parsed.mentions,
    });
  });

  it('reads a moderator’s removal (removed with deleted), as the schema does', () => {
    const tombstone = { ...valid, message: '', deleted: true, removed: true };
    expect(newMessagePayloadSchema.safeParse(tombstone).success).toBe(true);
    expect(readWireMessage(tombstone, String)).toMatchObject({ deleted: true, removed: true });
  });

  it('reads a deletion’s tombstone (empty text) as the schema does', () => {
    const tombstone = { ...valid, message: '', deleted: true };
    expect(newMessagePayloadSchema.safeParse(tombstone).success).toBe(true);
    expect(readWireMessage(tombstone, String)).toMatchObject({ deleted: true, message: '' });
  });

  it.each(Object.entries(refused))('refuses what the schema refuses: %s', (_, payload) => {
    expect(newMessagePayloadSchema.safeParse(payload).success).toBe(false);
    expect(readWireMessage(payload, String)).toBeNull();
  });
});
