import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  type AckOf,
  ClientEvent,
  type ClientToServerEvents,
  type ServerToClientEvents,
} from '@parley/protocol';
import { type RunningServer } from '@parley/server/testing';
import type { Page } from '@playwright/test';
import { io, type Socket } from 'socket.io-client';

/**
 * "Nothing lost" (history, sessions across reloads, paging back, sends that survive a server
 * going away, not answering, or refusing): what those specs share. Each spec runs its own server.
 */

/** Room enough for a test that posts dozens of messages and opens many pages from one address. */
export const GENEROUS_LIMITS = {
  MESSAGE_RATE_PER_SECOND: '1000',
  MESSAGE_BURST: '1000',
  CONNECTIONS_PER_MINUTE: '1000',
};

export const SELECTOR_SOCKET = '**/socket.io/**';

/**
 * Stops a server, killing it if it has not exited after a few seconds. A server asked to stop can
 * wait indefinitely on a long-polling request a browser still has open (reproduced in about half
 * of the restarts with a few pages connected; reported); these tests are about the page, so such
 * a server is not waited for. Its SQLite data is already on disk (WAL).
 */
export async function stopServer(server: RunningServer | undefined): Promise<void> {
  if (!server) {
    return;
  }
  const kill = setTimeout(() => {
    try {
      process.kill(server.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }, 5000);
  try {
    await server.stop();
  } finally {
    clearTimeout(kill);
  }
}

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'parley-e2e-delivery-'));
}

export const message = (page: Page, text: string) =>
  page.getByTestId('message').filter({ has: page.getByText(text, { exact: true }) });

export const withStatus = (page: Page, text: string, status: 'pending' | 'sent' | 'failed') =>
  page
    .locator(`[data-testid="message"][data-status="${status}"]`)
    .filter({ has: page.getByText(text, { exact: true }) });

export const texts = (page: Page) => page.getByTestId('message-text').allTextContents();

/** How many times each of `wanted` shows, in the order they show. */
export function occurrences(all: string[], wanted: readonly string[]): string[] {
  return all.filter((text) => wanted.includes(text));
}

/** Posts messages as a separate (non-browser) client, each acknowledged before the next. */
export async function post(url: string, messages: readonly string[]): Promise<void> {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(url, {
    transports: ['websocket'],
    reconnection: false,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  try {
    for (const text of messages) {
      const ack = (await socket
        .timeout(5000)
        .emitWithAck(ClientEvent.SendMessage, { message: text })) as AckOf<'send_message'>;
      if (!ack.ok) {
        throw new Error(`Posting "${text}" was refused: ${ack.message}`);
      }
    }
  } finally {
    socket.disconnect();
  }
}

export const numbered = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, index) => `${prefix} ${String(index + 1).padStart(2, '0')}`);
