import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';

import type { ChatStore, NewStoredMessage } from './chat-store.js';
import type { NewAuditRecord, NewReportRecord, Restriction } from './moderation-store.js';

const ROOM = 'den';
const NOW = 1_700_000_000_000;

const restriction = (overrides: Partial<Restriction> = {}): Restriction => ({
  room: ROOM,
  kind: 'ban',
  userId: 'u-target',
  addressHash: null,
  username: 'Target',
  until: null,
  reason: 'spam',
  byUserId: 'u-owner',
  byUsername: 'Owner',
  ts: NOW,
  ...overrides,
});

const auditEntry = (overrides: Partial<NewAuditRecord> = {}): NewAuditRecord => ({
  room: ROOM,
  ts: NOW,
  action: 'mute',
  byUserId: 'u-owner',
  byUsername: 'Owner',
  userId: 'u-target',
  username: 'Target',
  until: NOW + 60_000,
  reason: null,
  detail: null,
  ...overrides,
});

const reportEntry = (overrides: Partial<NewReportRecord> = {}): NewReportRecord => ({
  room: ROOM,
  messageId: 1,
  message: 'rude words',
  authorUserId: 'u-author',
  authorUsername: 'Author',
  reporterUserId: 'u-reporter',
  reporterUsername: 'Reporter',
  reason: 'rude',
  ts: NOW,
  ...overrides,
});

/**
 * The behaviour every store's `moderation` (and the chat store's moderation additions) must have.
 * Each implementation's spec calls this with a factory giving a fresh, empty store.
 */
export function describeModerationStoreContract(
  name: string,
  createEmptyStore: () => Promise<ChatStore>,
): void {
  describe(`${name} (ModerationStore contract)`, () => {
    let store: ChatStore;

    beforeEach(async () => {
      store = await createEmptyStore();
    });

    afterEach(async () => {
      await store.close();
    });

    describe('rooms', () => {
      it('has no record for a room nobody claimed', async () => {
        expect(await store.moderation.getRoom(ROOM)).toBeUndefined();
      });

      it('lets exactly one of two racing sessions claim a new room', async () => {
        const claims = await Promise.all([
          store.moderation.claimRoom(ROOM, 'u-a'),
          store.moderation.claimRoom(ROOM, 'u-b'),
        ]);
        expect(claims.filter(Boolean)).toHaveLength(1);
        const owner = claims[0] ? 'u-a' : 'u-b';
        expect(await store.moderation.getRoom(ROOM)).toEqual({
          room: ROOM,
          ownerUserId: owner,
          topic: '',
          slowModeS: 0,
          locked: false,
          invite: null,
          recoveryHash: null,
        });
        expect(await store.moderation.claimRoom(ROOM, 'u-c')).toBe(false);
      });

      it('updates only the settings given, creating an ownerless record', async () => {
        expect(await store.moderation.updateRoom(ROOM, { topic: 'Cats' })).toMatchObject({
          ownerUserId: null,
          topic: 'Cats',
          slowModeS: 0,
          locked: false,
        });
        await store.moderation.updateRoom(ROOM, { slowModeS: 30, locked: true, invite: 'sec' });
        expect(await store.moderation.getRoom(ROOM)).toMatchObject({
          topic: 'Cats',
          slowModeS: 30,
          locked: true,
          invite: 'sec',
        });
        const unlocked = await store.moderation.updateRoom(ROOM, { locked: false });
        expect(unlocked).toMatchObject({ topic: 'Cats', slowModeS: 30, locked: false });
        expect(unlocked.invite).toBe('sec');
        expect(await store.moderation.updateRoom(ROOM, { invite: null })).toMatchObject({
          invite: null,
          topic: 'Cats',
        });
        // A room with a record cannot be claimed any more.
        expect(await store.moderation.claimRoom(ROOM, 'u-a')).toBe(false);
      });

      it('sets and clears the owner and the recovery hash, keeping the settings', async () => {
        await store.moderation.setOwner('other', 'u-x');
        expect(await store.moderation.getRoom('other')).toMatchObject({ ownerUserId: 'u-x' });
        await store.moderation.claimRoom(ROOM, 'u-a');
        await store.moderation.updateRoom(ROOM, { topic: 'Kept' });
        await store.moderation.setRecoveryHash(ROOM, 'hash');
        await store.moderation.setOwner(ROOM, 'u-b');
        expect(await store.moderation.getRoom(ROOM)).toMatchObject({
          ownerUserId: 'u-b',
          topic: 'Kept',
          recoveryHash: 'hash',
        });
        await store.moderation.setOwner(ROOM, null);
        await store.moderation.setRecoveryHash(ROOM, null);
        expect(await store.moderation.getRoom(ROOM)).toMatchObject({
          ownerUserId: null,
          recoveryHash: null,
        });
        await store.moderation.setRecoveryHash('third', 'h3');
        expect(await store.moderation.getRoom('third')).toMatchObject({
          ownerUserId: null,
          recoveryHash: 'h3',
        });
      });
    });

    it('adds and removes moderators per room, saying whether anything changed', async () => {
      expect(await store.moderation.setModerator(ROOM, 'u-b', true)).toBe(true);
      expect(await store.moderation.setModerator(ROOM, 'u-a', true)).toBe(true);
      expect(await store.moderation.setModerator(ROOM, 'u-a', true)).toBe(false);
      await store.moderation.setModerator('other', 'u-c', true);
      expect(await store.moderation.moderators(ROOM)).toEqual(['u-a', 'u-b']);
      expect(await store.moderation.setModerator(ROOM, 'u-a', false)).toBe(true);
      expect(await store.moderation.setModerator(ROOM, 'u-a', false)).toBe(false);
      expect(await store.moderation.moderators(ROOM)).toEqual(['u-b']);
      expect(await store.moderation.moderators('empty')).toEqual([]);
    });

    describe('restrictions', () => {
      it('finds a ban by user id and by address hash, in its room only', async () => {
        const ban = restriction({ addressHash: 'addr-1', until: NOW + 1000 });
        await store.moderation.restrict(ban);
        expect(await store.moderation.findBan(ROOM, 'u-target', null, NOW)).toEqual(ban);
        expect(await store.moderation.findBan(ROOM, 'u-new-id', 'addr-1', NOW)).toEqual(ban);
        expect(await store.moderation.findBan(ROOM, 'u-other', 'addr-2', NOW)).toBeUndefined();
        expect(await store.moderation.findBan(ROOM, 'u-other', null, NOW)).toBeUndefined();
        expect(await store.moderation.findBan('other', 'u-target', 'addr-1', NOW)).toBeUndefined();
      });

      it('no longer finds one whose time is up', async () => {
        await store.moderation.restrict(restriction({ until: NOW + 1000 }));
        expect(await store.moderation.findBan(ROOM, 'u-target', null, NOW + 999)).toBeDefined();
        expect(await store.moderation.findBan(ROOM, 'u-target', null, NOW + 1000)).toBeUndefined();
        expect(await store.moderation.restrictions(ROOM, 'ban', NOW + 1000, 10)).toEqual([]);
      });

      it('finds a kick by user id only, and never lists it as a ban', async () => {
        const kick = restriction({ kind: 'kick', addressHash: 'addr-1', until: NOW + 5000 });
        await store.moderation.restrict(kick);
        expect(await store.moderation.findBan(ROOM, 'u-target', null, NOW)).toEqual(kick);
        expect(await store.moderation.findBan(ROOM, 'u-new-id', 'addr-1', NOW)).toBeUndefined();
        expect(await store.moderation.restrictions(ROOM, 'ban', NOW, 10)).toEqual([]);
        expect(await store.moderation.restrictions(ROOM, 'kick', NOW, 10)).toEqual([kick]);
      });

      it('prefers the restriction that ends last, for good first', async () => {
        await store.moderation.restrict(restriction({ kind: 'kick', until: NOW + 5000 }));
        await store.moderation.restrict(restriction({ until: NOW + 9000 }));
        expect(await store.moderation.findBan(ROOM, 'u-target', null, NOW)).toMatchObject({
          kind: 'ban',
          until: NOW + 9000,
        });
        await store.moderation.restrict(restriction({ until: null }));
        expect(await store.moderation.findBan(ROOM, 'u-target', null, NOW)).toMatchObject({
          kind: 'ban',
          until: null,
        });
      });

      it('does not take a mute for a ban', async () => {
        await store.moderation.restrict(restriction({ kind: 'mute', until: NOW + 1000 }));
        expect(await store.moderation.findBan(ROOM, 'u-target', null, NOW)).toBeUndefined();
        expect(await store.moderation.restrictions(ROOM, 'mute', NOW, 10)).toHaveLength(1);
      });

      it('replaces a restriction of the same kind on the same person, and lifts it', async () => {
        await store.moderation.restrict(restriction({ kind: 'mute', until: NOW + 1000 }));
        await store.moderation.restrict(restriction({ kind: 'ban', until: null }));
        const longer = restriction({
          kind: 'mute',
          until: NOW + 9000,
          reason: 'again',
          ts: NOW + 1,
        });
        await store.moderation.restrict(longer);
        expect(await store.moderation.restrictions(ROOM, 'mute', NOW, 10)).toEqual([longer]);
        expect(await store.moderation.lift(ROOM, 'mute', 'u-target')).toBe(true);
        expect(await store.moderation.lift(ROOM, 'mute', 'u-target')).toBe(false);
        expect(await store.moderation.restrictions(ROOM, 'mute', NOW, 10)).toEqual([]);
        // The ban is another kind: still there.
        expect(await store.moderation.findBan(ROOM, 'u-target', null, NOW)).toBeDefined();
        expect(await store.moderation.lift(ROOM, 'ban', 'u-target')).toBe(true);
        expect(await store.moderation.findBan(ROOM, 'u-target', null, NOW)).toBeUndefined();
      });

      it('lists those in force, newest first, at most `limit`, in their room only', async () => {
        for (let i = 0; i < 4; i++) {
          await store.moderation.restrict(restriction({ userId: `u-${i}`, ts: NOW + i }));
        }
        await store.moderation.restrict(restriction({ userId: 'u-gone', until: NOW - 1 }));
        await store.moderation.restrict(restriction({ room: 'other', userId: 'u-there' }));
        const listed = await store.moderation.restrictions(ROOM, 'ban', NOW, 3);
        expect(listed.map((r) => r.userId)).toEqual(['u-3', 'u-2', 'u-1']);
      });
    });

    it('grants, finds and revokes passes per room', async () => {
      expect(await store.moderation.hasPass(ROOM, 'u-a')).toBe(false);
      await store.moderation.grantPass(ROOM, 'u-a');
      await store.moderation.grantPass(ROOM, 'u-a');
      expect(await store.moderation.hasPass(ROOM, 'u-a')).toBe(true);
      expect(await store.moderation.hasPass('other', 'u-a')).toBe(false);
      await store.moderation.revokePass(ROOM, 'u-a');
      expect(await store.moderation.hasPass(ROOM, 'u-a')).toBe(false);
    });

    describe('audit log', () => {
      it('pages a room newest first, saying whether older entries exist', async () => {
        expect(await store.moderation.lastAuditId()).toBe(0);
        const ids: number[] = [];
        for (let i = 0; i < 5; i++) {
          ids.push(await store.moderation.audit(auditEntry({ ts: NOW + i, detail: `d${i}` })));
          await store.moderation.audit(auditEntry({ room: 'other' }));
        }
        expect([...ids].sort((a, b) => a - b)).toEqual(ids);
        const first = await store.moderation.auditPage(ROOM, undefined, 2);
        expect(first.more).toBe(true);
        expect(first.items.map((e) => e.detail)).toEqual(['d4', 'd3']);
        expect(first.items[0]).toEqual({
          ...auditEntry({ ts: NOW + 4, detail: 'd4' }),
          id: ids[4],
        });
        const second = await store.moderation.auditPage(ROOM, first.items[1]!.id, 2);
        expect(second.items.map((e) => e.detail)).toEqual(['d2', 'd1']);
        expect(second.more).toBe(true);
        const last = await store.moderation.auditPage(ROOM, second.items[1]!.id, 2);
        expect(last).toEqual({ items: [expect.objectContaining({ detail: 'd0' })], more: false });
        expect(await store.moderation.auditPage('empty', undefined, 2)).toEqual({
          items: [],
          more: false,
        });
      });

      it('feeds entries of every room after an id, oldest first', async () => {
        const a = await store.moderation.audit(auditEntry({ room: 'a' }));
        const b = await store.moderation.audit(auditEntry({ room: 'b' }));
        const c = await store.moderation.audit(auditEntry({ room: 'a' }));
        expect(await store.moderation.auditSince(0, 10)).toEqual([
          { id: a, room: 'a' },
          { id: b, room: 'b' },
          { id: c, room: 'a' },
        ]);
        expect(await store.moderation.auditSince(a, 1)).toEqual([{ id: b, room: 'b' }]);
        expect(await store.moderation.auditSince(c, 10)).toEqual([]);
        expect(await store.moderation.lastAuditId()).toBe(c);
      });

      it('numbers entries written at once without losing any', async () => {
        const ids = await Promise.all(
          Array.from({ length: 10 }, (_, i) => store.moderation.audit(auditEntry({ ts: i }))),
        );
        expect(new Set(ids).size).toBe(10);
        expect((await store.moderation.auditSince(0, 100)).map((e) => e.id)).toEqual(
          [...ids].sort((x, y) => x - y),
        );
      });
    });

    describe('reports', () => {
      it('files a report once per person and message, returning the first again', async () => {
        const first = await store.moderation.report(reportEntry());
        expect(first.duplicate).toBe(false);
        expect(await store.moderation.report(reportEntry({ reason: 'again' }))).toEqual({
          id: first.id,
          duplicate: true,
        });
        const other = await store.moderation.report(reportEntry({ reporterUserId: 'u-2' }));
        expect(other.duplicate).toBe(false);
        expect(other.id).not.toBe(first.id);
        const { items } = await store.moderation.openReports(ROOM, undefined, 10);
        expect(items).toEqual([
          { ...reportEntry({ reporterUserId: 'u-2' }), id: other.id },
          { ...reportEntry(), id: first.id },
        ]);
      });

      it('lists open reports newest first, in pages, without resolved ones', async () => {
        const ids: number[] = [];
        for (let i = 1; i <= 4; i++) {
          ids.push((await store.moderation.report(reportEntry({ messageId: i }))).id);
        }
        await store.moderation.report(reportEntry({ room: 'other' }));
        expect(await store.moderation.resolveReport(ROOM, ids[2]!, 'u-mod', NOW)).toBe(true);
        expect(await store.moderation.resolveReport(ROOM, ids[2]!, 'u-mod', NOW)).toBe(false);
        const first = await store.moderation.openReports(ROOM, undefined, 2);
        expect(first.items.map((r) => r.messageId)).toEqual([4, 2]);
        expect(first.more).toBe(true);
        const rest = await store.moderation.openReports(ROOM, first.items[1]!.id, 2);
        expect(rest).toEqual({ items: [expect.objectContaining({ messageId: 1 })], more: false });
      });

      it('resolves a report in its own room only', async () => {
        const { id } = await store.moderation.report(reportEntry());
        expect(await store.moderation.resolveReport('other', id, 'u-mod', NOW)).toBe(false);
        expect(await store.moderation.resolveReport(ROOM, id + 100, 'u-mod', NOW)).toBe(false);
        expect((await store.moderation.openReports(ROOM, undefined, 10)).items).toHaveLength(1);
      });
    });

    describe('secrets', () => {
      it('creates a secret once and keeps it', async () => {
        let made = 0;
        const create = () => `secret-${++made}`;
        expect(await store.moderation.secret('address', create)).toBe('secret-1');
        expect(await store.moderation.secret('address', create)).toBe('secret-1');
        expect(made).toBe(1);
        expect(await store.moderation.secret('other', create)).toBe('secret-2');
      });

      it('gives both of two racing creators the one stored', async () => {
        const [a, b] = await Promise.all([
          store.moderation.secret('raced', () => 'from-a'),
          store.moderation.secret('raced', () => 'from-b'),
        ]);
        expect(a).toBe(b);
        expect(['from-a', 'from-b']).toContain(a);
        expect(await store.moderation.secret('raced', () => 'late')).toBe(a);
      });
    });

    describe('chat store additions', () => {
      let ts = NOW;
      const message = (overrides: Partial<NewStoredMessage> = {}): NewStoredMessage => ({
        room: ROOM,
        ts: ts++,
        mentions: [],
        sessionId: 'spammer',
        clientId: null,
        username: 'Spammer',
        avatar: '/a.svg',
        message: 'buy now',
        ...overrides,
      });
      const append = async (overrides: Partial<NewStoredMessage> = {}) =>
        (await store.appendMessage(message(overrides))).message.id;

      it('removes the newest messages of one session in one room, oldest id first', async () => {
        const s1 = await append();
        const other = await append({ sessionId: 'someone', message: 'hi' });
        const s2 = await append();
        const deletedByAuthor = await append();
        await store.deleteMessage(ROOM, deletedByAuthor, NOW);
        const s3 = await append();
        const elsewhere = await append({ room: 'other' });
        const removedAt = NOW + 10_000;

        expect(await store.removeLatestBy(ROOM, 'spammer', 2, removedAt)).toEqual([s2, s3]);
        const { messages } = await store.latestMessages(ROOM, 10);
        const byId = new Map(messages.map((m) => [m.id, m]));
        expect(byId.get(s1)).toMatchObject({ deleted: false, removed: false, message: 'buy now' });
        expect(byId.get(other)).toMatchObject({ deleted: false, removed: false });
        expect(byId.get(deletedByAuthor)).toMatchObject({ deleted: true, removed: false });
        for (const id of [s2, s3]) {
          expect(byId.get(id)).toMatchObject({ deleted: true, removed: true, message: '' });
        }
        // Stamped like a delete, so a resuming client learns of it.
        const changed = await store.changedMessages(ROOM, removedAt, s3, 10);
        expect(changed.map((m) => m.id)).toEqual([s2, s3]);
        expect((await store.getMessage('other', elsewhere))?.deleted).toBe(false);

        expect(await store.removeLatestBy(ROOM, 'spammer', 5, removedAt)).toEqual([s1]);
        expect(await store.removeLatestBy(ROOM, 'spammer', 5, removedAt)).toEqual([]);
        expect(await store.removeLatestBy(ROOM, 'nobody', 5, removedAt)).toEqual([]);
      });

      it('marks a message deleted by a moderator as removed', async () => {
        const id = await append();
        await store.deleteMessage(ROOM, id, NOW + 5, true);
        expect(await store.getMessage(ROOM, id)).toMatchObject({
          deleted: true,
          removed: true,
          message: '',
          mentions: [],
        });
      });

      it('finds the distinct recent authors of a room, most recent first', async () => {
        await append({ sessionId: 'a', username: 'Old A' });
        await append({ sessionId: 'b', username: 'B' });
        await append({ sessionId: 'a', username: 'New A' });
        await append({ sessionId: 'c', username: 'C', room: 'other' });
        await append({ sessionId: 'd', username: 'D' });
        expect(await store.recentAuthors(ROOM, 10)).toEqual([
          { sessionId: 'd', username: 'D' },
          { sessionId: 'a', username: 'New A' },
          { sessionId: 'b', username: 'B' },
        ]);
        // Only the newest `scan` messages are looked at.
        expect(await store.recentAuthors(ROOM, 2)).toEqual([
          { sessionId: 'd', username: 'D' },
          { sessionId: 'a', username: 'New A' },
        ]);
        expect(await store.recentAuthors('empty', 10)).toEqual([]);
      });
    });
  });
}
