import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';

import Database from 'better-sqlite3';

import { chatStatements, type Statement } from './chat-statements.js';
import { prepare } from './sqlite-statement.js';
import {
  type ChatStore,
  distinctAuthors,
  type MessagePage,
  pageOf,
  type NewStoredMessage,
  type RecentAuthor,
  type SessionCutoffs,
  type SessionRecord,
  type StoredMessage,
} from './chat-store.js';
import { migrateSqlite } from './sqlite-migrations.js';
import { SqliteModerationStore } from './sqlite-moderation-store.js';

interface MessageRow {
  seq: number;
  room: string;
  ts: number;
  session_id: string;
  client_id: string | null;
  username: string;
  avatar: string;
  message: string;
  mentions: string;
  edited_ts: number | null;
  deleted: number;
  removed: number;
}

interface SessionRow {
  id: string;
  username: string;
  avatar: string;
  created_at: number;
  last_seen_at: number;
}

const toMessage = (row: MessageRow): StoredMessage => ({
  id: row.seq,
  room: row.room,
  ts: row.ts,
  sessionId: row.session_id,
  clientId: row.client_id,
  username: row.username,
  avatar: row.avatar,
  message: row.message,
  mentions: JSON.parse(row.mentions) as string[],
  editedTs: row.edited_ts,
  deleted: row.deleted === 1,
  removed: row.removed === 1,
});

const toSession = (row: SessionRow): SessionRecord => ({
  id: row.id,
  username: row.username,
  avatar: row.avatar,
  createdAt: row.created_at,
  lastSeenAt: row.last_seen_at,
});

/** Session ids remembered as marked used; past this the memory starts over (≈5 MB at most). */
const MARKED_USED_KEPT = 50_000;

/** WAL pages written between checkpoints (SQLite's own default threshold). */
const CHECKPOINT_EVERY_PAGES = 1000;

/**
 * Checkpoints run on their own thread and connection: a checkpoint copies the WAL into the
 * database and fsyncs, which takes milliseconds; on the event loop that would stall every socket.
 * PASSIVE never blocks the writer. (Inline CommonJS so it runs the same from `src` and `dist`.)
 */
const CHECKPOINT_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
parentPort.on('message', (message) => {
  if (message === 'close') { db.close(); process.exit(0); }
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* retried on the next signal */ }
});
`;

/**
 * The embedded default store: one SQLite file in WAL mode. better-sqlite3 is synchronous; each
 * statement is a prepared, indexed single-row write or range read (tens of microseconds), cheaper
 * than handing work to a thread, while the slow part, checkpoints, runs on a worker thread.
 * `bench/` measures what a send costs with it on the path.
 */
export class SqliteChatStore implements ChatStore {
  /** The file is this process's own (a cluster shares PostgreSQL instead). */
  readonly onlyWriter = true;
  readonly moderation: SqliteModerationStore;
  private readonly db: Database.Database;
  private readonly statements;
  private readonly checkpointer: Worker | undefined;
  private pagesSinceCheckpoint = 0;
  /**
   * Sessions this process has marked as used (a session exists before it posts, and its id is
   * never reused): the mark is written once, not probed on every message (3 µs of a 30 µs send).
   */
  private readonly markedUsed = new Set<string>();

  /** `file` is a path, or `:memory:` for tests. */
  constructor(file: string) {
    if (file !== ':memory:') {
      mkdirSync(dirname(file), { recursive: true });
    }
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // WAL + NORMAL: durable across a process crash, may lose the last commits on power loss.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    migrateSqlite(this.db);
    const statements = chatStatements('sqlite');
    const prepared = <Params extends object>(statement: Statement<Params>) =>
      prepare(this.db, statement);
    this.statements = {
      insertMessage: prepared(statements.insertMessage),
      markUsed: prepared(statements.markUsed),
      messageById: prepared(statements.messageById),
      edit: prepared(statements.edit),
      delete: prepared(statements.delete),
      remove: prepared(statements.remove),
      removeLatestBy: prepared(statements.removeLatestBy),
      recentAuthors: prepared(statements.recentAuthors),
      changed: prepared(statements.changed),
      messageByClientId: prepared(statements.messageByClientId),
      latest: prepared(statements.latest),
      before: prepared(statements.before),
      after: prepared(statements.after),
      insertSession: prepared(statements.insertSession),
      sessionByToken: prepared(statements.sessionByToken),
      updateIdentity: prepared(statements.updateIdentity),
      deleteUnseen: prepared(statements.deleteUnseen),
      deleteSilent: prepared(statements.deleteSilent),
      touch: prepared(statements.touch),
    };
    this.moderation = new SqliteModerationStore(this.db, () => this.wrotePages(1));
    // Last: a constructor that threw after this would leave the thread running.
    if (file !== ':memory:') {
      this.db.pragma('wal_autocheckpoint = 0');
      this.checkpointer = new Worker(CHECKPOINT_WORKER, {
        eval: true,
        workerData: { file, driver: createRequire(import.meta.url).resolve('better-sqlite3') },
      });
      this.checkpointer.unref();
    }
  }

  appendMessage(input: NewStoredMessage): Promise<{ message: StoredMessage; duplicate: boolean }> {
    if (input.clientId !== null) {
      const existing = this.statements.messageByClientId.get<MessageRow>({
        sessionId: input.sessionId,
        room: input.room,
        clientId: input.clientId,
      });
      if (existing) {
        return Promise.resolve({ message: toMessage(existing), duplicate: true });
      }
    }
    const inserted = this.statements.insertMessage.get<{ seq: number }>({
      ...input,
      mentions: JSON.stringify(input.mentions),
    });
    if (!this.markedUsed.has(input.sessionId)) {
      this.statements.markUsed.run({ sessionId: input.sessionId });
      if (this.markedUsed.size >= MARKED_USED_KEPT) {
        this.markedUsed.clear();
      }
      this.markedUsed.add(input.sessionId);
    }
    this.wrotePages(1);
    return Promise.resolve({
      message: { ...input, id: inserted!.seq, editedTs: null, deleted: false, removed: false },
      duplicate: false,
    });
  }

  getMessage(room: string, id: number): Promise<StoredMessage | undefined> {
    const row = this.statements.messageById.get<MessageRow>({ room, seq: id });
    return Promise.resolve(row ? toMessage(row) : undefined);
  }

  editMessage(
    room: string,
    id: number,
    message: string,
    mentions: string[],
    editedTs: number,
  ): Promise<void> {
    this.statements.edit.run({
      room,
      seq: id,
      message,
      mentions: JSON.stringify(mentions),
      editedTs,
    });
    this.wrotePages(1);
    return Promise.resolve();
  }

  deleteMessage(room: string, id: number, deletedTs: number, removed = false): Promise<void> {
    (removed ? this.statements.remove : this.statements.delete).run({ room, seq: id, deletedTs });
    this.wrotePages(1);
    return Promise.resolve();
  }

  removeLatestBy(
    room: string,
    sessionId: string,
    count: number,
    deletedTs: number,
  ): Promise<number[]> {
    // One statement, so one implicit transaction.
    const rows = this.statements.removeLatestBy.all<{ seq: number }>({
      room,
      sessionId,
      limit: count,
      deletedTs,
    });
    this.wrotePages(rows.length);
    return Promise.resolve(rows.map((row) => row.seq).sort((a, b) => a - b));
  }

  recentAuthors(room: string, scan: number): Promise<RecentAuthor[]> {
    const rows = this.statements.recentAuthors.all<{ session_id: string; username: string }>({
      room,
      limit: scan,
    });
    return Promise.resolve(distinctAuthors(rows));
  }

  latestMessages(room: string, limit: number): Promise<MessagePage> {
    const rows = this.statements.latest.all<MessageRow>({ room, limit: limit + 1 });
    return Promise.resolve(pageOf(rows.reverse(), limit, 'older', toMessage));
  }

  messagesBefore(room: string, beforeId: number, limit: number): Promise<MessagePage> {
    const rows = this.statements.before.all<MessageRow>({ room, seq: beforeId, limit: limit + 1 });
    return Promise.resolve(pageOf(rows.reverse(), limit, 'older', toMessage));
  }

  messagesAfter(room: string, afterId: number, limit: number): Promise<MessagePage> {
    const rows = this.statements.after.all<MessageRow>({ room, seq: afterId, limit: limit + 1 });
    return Promise.resolve(pageOf(rows, limit, 'newer', toMessage));
  }

  changedMessages(
    room: string,
    sinceTs: number,
    uptoId: number,
    limit: number,
  ): Promise<StoredMessage[]> {
    const rows = this.statements.changed.all<MessageRow>({ room, sinceTs, uptoId, limit });
    return Promise.resolve(rows.reverse().map(toMessage));
  }

  createSession(session: SessionRecord, tokenHash: string): Promise<void> {
    this.statements.insertSession.run({ ...session, tokenHash });
    this.wrotePages(1);
    return Promise.resolve();
  }

  findSession(tokenHash: string, seenAfter: number): Promise<SessionRecord | undefined> {
    const row = this.statements.sessionByToken.get<SessionRow>({ tokenHash, seenAfter });
    return Promise.resolve(row ? toSession(row) : undefined);
  }

  updateSessionIdentity(id: string, username: string, avatar: string): Promise<void> {
    this.statements.updateIdentity.run({ id, username, avatar });
    this.wrotePages(1);
    return Promise.resolve();
  }

  touchSession(id: string, lastSeenAt: number): Promise<void> {
    this.statements.touch.run({ id, lastSeenAt });
    this.wrotePages(1);
    return Promise.resolve();
  }

  touchSessions(ids: readonly string[], lastSeenAt: number): Promise<void> {
    this.db.transaction(() => {
      for (const id of ids) {
        this.statements.touch.run({ id, lastSeenAt });
      }
    })();
    this.wrotePages(ids.length);
    return Promise.resolve();
  }

  deleteExpiredSessions(cutoffs: SessionCutoffs, limit: number): Promise<number> {
    let deleted = this.statements.deleteUnseen.run({
      seenBefore: cutoffs.seenBefore,
      limit,
    }).changes;
    if (deleted < limit) {
      deleted += this.statements.deleteSilent.run({
        seenBefore: cutoffs.silentSeenBefore,
        limit: limit - deleted,
      }).changes;
    }
    this.wrotePages(deleted);
    return Promise.resolve(deleted);
  }

  ping(): Promise<boolean> {
    try {
      return Promise.resolve(this.db.prepare('SELECT 1 AS one').get() !== undefined);
    } catch {
      return Promise.resolve(false);
    }
  }

  async close(): Promise<void> {
    if (this.checkpointer) {
      const exited = new Promise((resolve) => this.checkpointer?.once('exit', resolve));
      // Held while closing: an unref'd worker would let a process with nothing else to do exit
      // in the middle of this await.
      this.checkpointer.ref();
      this.checkpointer.postMessage('close');
      await exited;
    }
    if (this.db.open) {
      // Folds the WAL back into the database file, so a stopped server leaves one tidy file.
      this.db.pragma('wal_checkpoint(TRUNCATE)');
      this.db.close();
    }
  }

  /** Roughly one page per small write; asks the worker for a checkpoint every so often. */
  private wrotePages(pages: number): void {
    this.pagesSinceCheckpoint += pages;
    if (this.checkpointer && this.pagesSinceCheckpoint >= CHECKPOINT_EVERY_PAGES) {
      this.pagesSinceCheckpoint = 0;
      this.checkpointer.postMessage('checkpoint');
    }
  }
}
