import type { Socket } from 'node:net';

/**
 * Every connection's reads land here (one read is handled before the next starts). A read is
 * at most this long, as with Node's own 64 KiB read buffers.
 */
const SHARED_READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/**
 * Switches a connected socket to Node's `onread` mode (`net.connect({ onread })`, which ws's
 * handshake cannot use): each read fills `SHARED_READ_BUFFER` and calls `onRead`, without the
 * Buffer, the stream bookkeeping and the 'data' event of a normal read. At 100,000 reads/s that
 * is a third of the load generator's JavaScript time. The switch uses net.Socket's internal
 * fields (Node 12+); if they are not found, the socket keeps its 'data' events.
 */
export function useSharedReadBuffer(
  socket: Socket,
  onRead: (size: number, buffer: Buffer) => void,
): boolean {
  const fields = new Map(
    Object.getOwnPropertySymbols(socket).map((symbol) => [symbol.description, symbol]),
  );
  const buffer = fields.get('kBuffer');
  const callback = fields.get('kBufferCb');
  const handle = (socket as unknown as { _handle?: { useUserBuffer?: (buffer: Buffer) => void } })
    ._handle;
  if (!buffer || !callback || !fields.has('kBufferGen') || !handle?.useUserBuffer) {
    return false;
  }
  const fieldsOf = socket as unknown as Record<symbol, unknown>;
  if (fieldsOf[buffer] !== null || fieldsOf[callback] !== null) {
    return false;
  }
  fieldsOf[buffer] = SHARED_READ_BUFFER;
  fieldsOf[callback] = onRead;
  handle.useUserBuffer(SHARED_READ_BUFFER);
  return true;
}
