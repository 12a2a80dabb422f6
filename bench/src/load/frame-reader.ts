/**
 * A minimal reader of server-to-client WebSocket frames (RFC 6455: unmasked, no extensions),
 * handing each complete text message to `onText(buffer, start, end)` without copying or
 * allocating: the message is bytes `start..end` of `buffer`, valid during the call only.
 *
 * It replaces ws's own receiver on the load generator's connections (see LoadGenerator): ws's
 * receiver is a Writable stream that allocates a Buffer view and emits two events per frame, which
 * at a few hundred thousand frames per second is most of the load generator's JavaScript time.
 * Fragmented messages (never sent by Engine.IO, but legal) are reassembled, with a copy.
 */
export class FrameReader {
  /** Bytes of an incomplete frame, kept until the rest arrives. */
  private rest: Buffer | undefined;
  /** Fragments of a fragmented text message, until its final frame. */
  private fragments: Buffer[] | undefined;

  constructor(
    private readonly onText: (buffer: Buffer, start: number, end: number) => void,
    /** Close frame, or a frame this reader does not accept (masked, binary, too long). */
    private readonly onClose: (reason: string) => void,
  ) {}

  /**
   * Reads the first `size` bytes of `chunk`. The chunk may be reused by the caller afterwards
   * (a socket's read buffer): whatever this keeps of it is copied.
   */
  push(chunk: Buffer, size = chunk.length): void {
    let buffer = chunk;
    let length = size;
    if (this.rest) {
      buffer = Buffer.concat([this.rest, chunk.subarray(0, size)]);
      length = buffer.length;
      this.rest = undefined;
    }
    let at = 0;
    while (at + 2 <= length) {
      const first = buffer[at] ?? 0;
      const second = buffer[at + 1] ?? 0;
      if (second & 0x80) {
        this.onClose('masked frame from the server');
        return;
      }
      let size = second & 0x7f;
      let header = 2;
      if (size === 126) {
        if (at + 4 > length) {
          break;
        }
        size = buffer.readUInt16BE(at + 2);
        header = 4;
      } else if (size === 127) {
        if (at + 10 > length) {
          break;
        }
        if (buffer.readUInt32BE(at + 2) !== 0) {
          this.onClose('frame too long');
          return;
        }
        size = buffer.readUInt32BE(at + 6);
        header = 10;
      }
      const start = at + header;
      const end = start + size;
      if (end > length) {
        break;
      }
      at = end;
      const fin = (first & 0x80) !== 0;
      const opcode = first & 0x0f;
      if (opcode === 0x1 && fin && !this.fragments) {
        this.onText(buffer, start, end);
      } else if (opcode === 0x1 || (opcode === 0x0 && this.fragments)) {
        (this.fragments ??= []).push(Buffer.from(buffer.subarray(start, end)));
        if (fin) {
          const message = Buffer.concat(this.fragments);
          this.fragments = undefined;
          this.onText(message, 0, message.length);
        }
      } else if (opcode === 0x8) {
        this.onClose('close frame');
        return;
      } else if (opcode === 0x9 || opcode === 0xa) {
        // WebSocket-level ping or pong: Engine.IO pings in its own packets; nothing to answer.
      } else {
        this.onClose(`unexpected frame (opcode ${opcode})`);
        return;
      }
    }
    if (at < length) {
      this.rest = Buffer.from(buffer.subarray(at, length));
    }
  }
}
