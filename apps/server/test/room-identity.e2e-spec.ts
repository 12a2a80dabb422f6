import { describe, expect, it } from '@jest/globals';
import { ErrorCode, type NewMessagePayload } from '@parley/protocol';

import {
  type Joined,
  record,
  request,
  settle,
  waitFor,
  chatHarness,
} from './support/chat-test-app.js';

/**
 * What one room can learn of another: nothing. Message ids count per room, a person's `user_id`
 * differs in every room, and a `client_id` used in one room means nothing in another.
 */
describe('Per-room ids and identities (real app, real sockets)', () => {
  const chat = chatHarness();

  async function inRoom(room: string, session?: string): Promise<Joined> {
    return chat.joined({ auth: session === undefined ? { room } : { room, session } });
  }

  async function say(who: Joined, message: string, clientId?: string) {
    const ack = await request(who.socket, 'send_message', {
      message,
      ...(clientId === undefined ? {} : { client_id: clientId }),
    });
    if (!ack.ok) {
      throw new Error(`send refused: ${ack.error}`);
    }
    return ack;
  }

  it('numbers each room’s messages from 1, telling nothing of the other room', async () => {
    await chat.start();
    const a = await inRoom('alpha');
    const b = await inRoom('beta');
    expect((await say(a, 'a1')).id).toBe(1);
    expect((await say(a, 'a2')).id).toBe(2);
    expect((await say(a, 'a3')).id).toBe(3);
    const heardInB = waitFor(b.socket, 'new_message');
    expect((await say(b, 'b1')).id).toBe(1);
    expect((await heardInB).id).toBe(1);
    expect((await say(a, 'a4')).id).toBe(4);
    expect((await say(b, 'b2')).id).toBe(2);

    // Every lookup by id stays in its room: history, edits, deletes and resumes.
    const history = await request(b.socket, 'load_history', { before: 2 });
    expect(history).toMatchObject({
      ok: true,
      has_more: false,
      messages: [{ id: 1, message: 'b1' }],
    });
    const seenInA = record(a.socket);
    expect(await request(b.socket, 'edit_message', { id: 1, message: 'b1!' })).toMatchObject({
      ok: true,
      id: 1,
    });
    expect(await request(b.socket, 'delete_message', { id: 2 })).toEqual({ ok: true, id: 2 });
    // Beta has no message 3: alpha's is not found from here.
    expect(await request(b.socket, 'edit_message', { id: 3, message: 'x' })).toMatchObject({
      ok: false,
      error: ErrorCode.MessageNotFound,
    });
    await settle(a.socket);
    expect(seenInA.filter(([event]) => event.startsWith('message_'))).toEqual([]);
    const alpha = await inRoom('alpha');
    expect(alpha.history.messages.map((m) => [m.id, m.message])).toEqual([
      [1, 'a1'],
      [2, 'a2'],
      [3, 'a3'],
      [4, 'a4'],
    ]);
    // Resuming beta after its message 1: its message 2 (deleted), and the edit of 1.
    const resumed = await chat.joined({ auth: { room: 'beta', session: b.session, offset: 1 } });
    expect(resumed.history.messages).toMatchObject([{ id: 2, deleted: true }]);
    expect(resumed.history.truncated).toBeUndefined();
  });

  it('gives a session a different user_id in every room, the same one within a room', async () => {
    await chat.start();
    const a = await inRoom('alpha');
    const b = await inRoom('beta', a.session);
    expect(b.username).toBe(a.username);
    expect(b.userId).not.toBe(a.userId);
    const inA = (await waitForMessage(a, () => say(a, 'in alpha'))).user_id;
    const inB = (await waitForMessage(b, () => say(b, 'in beta'))).user_id;
    expect(inA).toBe(a.userId);
    expect(inB).toBe(b.userId);

    // Across reconnects, within a room, it stays.
    a.socket.disconnect();
    const again = await inRoom('alpha', a.session);
    expect(again.userId).toBe(a.userId);
    expect(again.history.messages.map((m) => m.user_id)).toEqual([a.userId]);
    const other = await inRoom('alpha');
    expect(other.userId).not.toBe(a.userId);
  });

  it('dedups a client_id per session and room: reused in another room it posts there', async () => {
    await chat.start();
    const writerA = await inRoom('alpha');
    const writerB = await inRoom('beta', writerA.session);
    const readerB = await inRoom('beta');
    const first = await say(writerA, 'hello alpha', 'same-id');
    const heard = record(readerB.socket);

    const inB = await say(writerB, 'hello beta', 'same-id');
    expect(inB.id).toBe(1);
    await settle(readerB.socket);
    expect(heard.filter(([event]) => event === 'new_message').map(([, m]) => m)).toMatchObject([
      { id: 1, message: 'hello beta', client_id: 'same-id' },
    ]);

    // A retry in the same room is still recognised: same answer, nothing broadcast again.
    expect(await say(writerB, 'hello beta', 'same-id')).toEqual(inB);
    expect(await say(writerA, 'hello alpha', 'same-id')).toEqual(first);
    await settle(readerB.socket);
    expect(heard.filter(([event]) => event === 'new_message')).toHaveLength(1);
  });
});

async function waitForMessage(
  who: Joined,
  send: () => Promise<unknown>,
): Promise<NewMessagePayload> {
  const heard = waitFor(who.socket, 'new_message');
  await send();
  return heard;
}
