/**
 * Just enough of Engine.IO v4 / Socket.IO v5 over a WebSocket, on raw Buffers: every frame is one
 * text message, its first character the Engine.IO packet type, and for Engine.IO "message" packets
 * (`4`) the second one the Socket.IO packet type.
 *
 *   server → client  `0{"sid":…,"pingInterval":…}` engine open, `2` ping (answer `3`)
 *   client → server  `40{auth}` join the `/` namespace
 *   server → client  `40{"sid":…}` joined, `44{"message":…}` refused (connect_error),
 *                    `42["event",payload]` an event, `43<id>[payload]` the ack of request <id>
 *   client → server  `42<id>["event",payload]` an event asking for an ack
 */

export const CHAR_0 = 0x30;
export const CHAR_1 = 0x31;
export const CHAR_2 = 0x32;
export const CHAR_3 = 0x33;
export const CHAR_4 = 0x34;
export const COLON = 0x3a;
export const SPACE = 0x20;
export const OPEN_BRACKET = 0x5b;

/** The query that asks for a WebSocket straight away (no long-polling first). */
export const SOCKET_IO_PATH = '/socket.io/?EIO=4&transport=websocket';

export const PONG = '3';

/** What follows `42` in a `new_message` event. */
const NEW_MESSAGE = Buffer.from('["new_message",');

/** Whether bytes `start..end` of `buffer` are `42["new_message",…`, compared byte by byte. */
export function isNewMessage(buffer: Buffer, start: number, end: number): boolean {
  const length = NEW_MESSAGE.length;
  if (end - start < length + 2) {
    return false;
  }
  const from = start + 2;
  for (let i = 0; i < length; i++) {
    if (buffer[from + i] !== NEW_MESSAGE[i]) {
      return false;
    }
  }
  return true;
}

/**
 * Bench messages read `bench:<seq>:<sendTimeMicros> ` followed by filler: one JSON string, so the
 * marker starts with its opening quote (which also keeps it from matching the room name).
 */
export const MESSAGE_MARKER = Buffer.from('"bench:');

const FILLER =
  'the quick brown fox jumps over the lazy dog while the rest of the room keeps on talking about lunch ';

/** A ~100-character chat line carrying its sequence number and send time. */
export function benchText(seq: number, sentMicros: number, length = 100): string {
  const head = `bench:${seq}:${sentMicros} `;
  return head.length >= length ? head : head + FILLER.slice(0, length - head.length);
}

/** `42<seq>["send_message",{"message":"…"}]`: a send whose ack id is its sequence number. */
export function sendMessageFrame(seq: number, text: string): string {
  return `42${seq}["send_message",${JSON.stringify({ message: text })}]`;
}

/** `40{auth}`: join the default namespace. */
export function joinFrame(auth: Record<string, unknown> | undefined): string {
  return auth ? `40${JSON.stringify(auth)}` : '40';
}

/**
 * Reads the two numbers after the marker found at `at`, before `end`: `<seq>:<micros> `. Returns
 * false (and leaves `out` alone) when they are not there.
 */
export function readSeqAndTime(
  buffer: Buffer,
  at: number,
  end: number,
  out: Float64Array,
): boolean {
  let i = at + MESSAGE_MARKER.length;
  let seq = 0;
  let digits = 0;
  while (i < end) {
    const c = buffer[i++] ?? 0;
    if (c === COLON) {
      break;
    }
    if (c < CHAR_0 || c > CHAR_0 + 9) {
      return false;
    }
    seq = seq * 10 + (c - CHAR_0);
    digits++;
  }
  if (digits === 0) {
    return false;
  }
  let micros = 0;
  digits = 0;
  while (i < end) {
    const c = buffer[i++] ?? 0;
    if (c === SPACE) {
      break;
    }
    if (c < CHAR_0 || c > CHAR_0 + 9) {
      return false;
    }
    micros = micros * 10 + (c - CHAR_0);
    digits++;
  }
  if (digits === 0) {
    return false;
  }
  out[0] = seq;
  out[1] = micros;
  return true;
}

/**
 * The ack id of `43<id>[…]` (bytes `start..end` of `buffer`) into `out[0]` (-1 when malformed),
 * and where its payload starts into `out[1]`.
 */
export function readAckId(buffer: Buffer, start: number, end: number, out: Float64Array): void {
  let id = 0;
  let i = start + 2;
  while (i < end) {
    const c = buffer[i] ?? 0;
    if (c === OPEN_BRACKET) {
      break;
    }
    if (c < CHAR_0 || c > CHAR_0 + 9) {
      out[0] = -1;
      return;
    }
    id = id * 10 + (c - CHAR_0);
    i++;
  }
  out[0] = i > start + 2 && i < end ? id : -1;
  out[1] = i;
}

/** The code of a `44{…}` connect_error: `message` (our server puts the error code there). */
export function connectErrorCode(buffer: Buffer, start: number, end: number): string {
  try {
    const body = JSON.parse(buffer.toString('utf8', start + 2, end)) as { message?: unknown };
    return typeof body.message === 'string' ? body.message : JSON.stringify(body.message ?? null);
  } catch {
    return 'unreadable';
  }
}
