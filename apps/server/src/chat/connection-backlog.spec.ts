import { describe, expect, it } from '@jest/globals';

import { backlogBytes, BacklogLimit, STALL_TIMEOUT_MS } from './connection-backlog.js';

/** A WebSocket connection as engine.io and ws shape it, with `waiting` bytes in its TCP socket. */
function websocketConnection(waiting: number, queued: string[] = []) {
  const raw = {
    destroyed: false,
    writableLength: waiting,
    _handle: { writeQueueSize: 0 },
    destroy() {
      this.destroyed = true;
    },
  };
  return {
    raw,
    conn: {
      readyState: 'open',
      upgrading: false,
      server: {},
      writeBuffer: queued.map((data) => ({ type: 'message', data })),
      transport: {
        name: 'websocket',
        writable: waiting === 0,
        socket: { readyState: 1, bufferedAmount: waiting, _socket: raw },
      },
      write() {},
      close() {},
    },
  };
}

describe('backlogBytes', () => {
  it('counts what waits behind a stalled WebSocket write, not a burst to a reader', () => {
    const page = 'x'.repeat(100_000);
    // A reader: the kernel took everything; engine.io's buffer goes out in the next round.
    expect(backlogBytes(websocketConnection(0, [page, page]).conn)).toBe(0);
    // A stalled reader: the socket has bytes waiting, so engine.io's buffer stays too.
    expect(backlogBytes(websocketConnection(5000, [page, page]).conn)).toBeGreaterThan(205_000);
  });

  it('counts engine.io buffer of a long-polling client that does not poll', () => {
    const conn = {
      readyState: 'open',
      server: {},
      writeBuffer: [{ data: 'é'.repeat(1000) }],
      transport: { name: 'polling', writable: false },
    };
    // Bytes as sent (UTF-8), plus a little per packet.
    expect(backlogBytes(conn)).toBeGreaterThanOrEqual(2000);
    conn.writeBuffer.push({ data: 'x'.repeat(500) });
    expect(backlogBytes(conn)).toBeGreaterThanOrEqual(2500);
    conn.writeBuffer = [];
    expect(backlogBytes(conn)).toBe(0);
  });
});

describe('BacklogLimit.sweep', () => {
  const LIMIT = 4 * 1024 * 1024;

  it('closes a connection that keeps more than a quarter of the limit waiting for 30 s', () => {
    const limit = new BacklogLimit(LIMIT, {});
    const stalled = websocketConnection(LIMIT / 2);
    const draining = websocketConnection(LIMIT / 2);
    const t0 = 1_000_000;
    limit.sweep([stalled.conn, draining.conn], t0);
    // The reader takes its bytes meanwhile; the other takes none, however it answers pings.
    draining.raw.writableLength = 0;
    draining.conn.transport.socket.bufferedAmount = 0;
    limit.sweep([stalled.conn, draining.conn], t0 + STALL_TIMEOUT_MS / 2);
    expect(stalled.raw.destroyed).toBe(false);
    draining.raw.writableLength = LIMIT / 2;
    draining.conn.transport.socket.bufferedAmount = LIMIT / 2;
    limit.sweep([stalled.conn, draining.conn], t0 + STALL_TIMEOUT_MS);
    expect(stalled.raw.destroyed).toBe(true);
    expect(draining.raw.destroyed).toBe(false);
    expect(limit.slowClosed).toBe(1);
  });
});
