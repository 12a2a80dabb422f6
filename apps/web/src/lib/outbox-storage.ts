import { CLIENT_ID_MAX_LENGTH, DEFAULT_ROOM, MESSAGE_MAX_LENGTH } from '@parley/protocol';

import { readItem, removeItem, writeItem } from './storage';

/**
 * The outbox: messages written here and not yet confirmed by the server, kept in localStorage so a
 * reload (or a crash) does not lose them. Each keeps its `client_id`, so sending it again after a
 * reload is recognised by the server and never doubled.
 *
 * Every open tab of a room shares the room's key; each change reads, edits and writes back the list, so tabs
 * do not wipe each other's entries.
 */

export interface OutboxFailure {
  /** The server's error code, or a local one (`timeout`). */
  error: string;
  /** Why, in plain words. */
  message: string;
}

export interface OutboxEntry {
  clientId: string;
  /** The normalised text, as it will be sent. */
  text: string;
  /** When it was written (ms since the epoch). */
  createdAt: number;
  /** Set once it failed; such entries wait for Retry or Discard. */
  failure?: OutboxFailure;
}

/**
 * Each room has an outbox of its own: a message written in one room is never sent into another.
 * The default room keeps the key it always had.
 */
function keyOf(room: string): string {
  return room === DEFAULT_ROOM ? 'parley.outbox' : `parley.outbox.${room}`;
}
/** More unsent messages than this is not a conversation any more; the oldest are let go. */
const MAX_ENTRIES = 100;
const CLIENT_ID_PATTERN = new RegExp(`^[A-Za-z0-9_-]{1,${CLIENT_ID_MAX_LENGTH}}$`);

/** A fresh id for one message: 128 random bits (works outside secure contexts, unlike randomUUID). */
export function newClientId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

function readEntry(value: unknown): OutboxEntry | null {
  if (typeof value !== 'object' || value === null) {
    return null;
  }
  const { clientId, text, createdAt, failure } = value as Record<string, unknown>;
  if (
    typeof clientId !== 'string' ||
    !CLIENT_ID_PATTERN.test(clientId) ||
    typeof text !== 'string' ||
    // Generous bound: the text is checked properly before it is sent; this only stops junk.
    text.length > MESSAGE_MAX_LENGTH * 4 ||
    typeof createdAt !== 'number' ||
    !Number.isFinite(createdAt)
  ) {
    return null;
  }
  const entry: OutboxEntry = { clientId, text, createdAt };
  if (typeof failure === 'object' && failure !== null) {
    const { error, message } = failure as Record<string, unknown>;
    if (typeof error === 'string' && typeof message === 'string') {
      entry.failure = { error, message };
    }
  }
  return entry;
}

/** The stored outbox, oldest first; anything unreadable is dropped. */
export function loadOutbox(room: string): OutboxEntry[] {
  const raw = readItem(keyOf(room));
  if (!raw) {
    return [];
  }
  try {
    const parsed: unknown = JSON.parse(raw);
    if (!Array.isArray(parsed)) {
      return [];
    }
    const seen = new Set<string>();
    const entries: OutboxEntry[] = [];
    for (const value of parsed) {
      const entry = readEntry(value);
      if (entry && !seen.has(entry.clientId)) {
        seen.add(entry.clientId);
        entries.push(entry);
      }
    }
    return entries;
  } catch {
    return [];
  }
}

function write(room: string, entries: OutboxEntry[]): void {
  if (entries.length === 0) {
    removeItem(keyOf(room));
  } else {
    writeItem(keyOf(room), JSON.stringify(entries.slice(-MAX_ENTRIES)));
  }
}

/** Adds the entry, or updates it in place if it is already stored. */
export function saveOutboxEntry(room: string, entry: OutboxEntry): void {
  const entries = loadOutbox(room);
  const index = entries.findIndex((stored) => stored.clientId === entry.clientId);
  if (index === -1) {
    entries.push(entry);
  } else {
    entries[index] = entry;
  }
  write(room, entries);
}

export function removeOutboxEntry(room: string, clientId: string): void {
  const entries = loadOutbox(room);
  const kept = entries.filter((entry) => entry.clientId !== clientId);
  if (kept.length !== entries.length) {
    write(room, kept);
  }
}
