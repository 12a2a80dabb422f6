import WebSocket from 'ws';

import { joinFrame, PONG, SOCKET_IO_PATH } from '../load/wire.js';

/**
 * A Socket.IO client on a bare `ws` WebSocket bound to a chosen loopback address, so one "hostile
 * address" (127.0.0.2) can be told apart from honest clients (127.0.0.1) by the server's
 * per-address limits. It answers pings, counts what it receives, and can stop reading.
 */
export class RawSocket {
  /** Frames received, by Socket.IO event name (`ack` for acks). */
  readonly received = new Map<string, number>();
  bytesReceived = 0;
  closedByServer = false;
  private closing = false;
  private nextAck = 1;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      this.bytesReceived += data.length;
      const text = data.toString();
      if (text === '2') {
        ws.send(PONG);
        return;
      }
      const event = text.startsWith('42[')
        ? (/^42\["([^"]+)"/.exec(text)?.[1] ?? '?')
        : text.startsWith('43')
          ? 'ack'
          : text.startsWith('44')
            ? 'connect_error'
            : undefined;
      if (event) {
        this.received.set(event, (this.received.get(event) ?? 0) + 1);
      }
    });
    ws.on('close', () => {
      this.closedByServer = !this.closing;
    });
  }

  /** Opens the socket and joins the default namespace; resolves once joined (or refused). */
  static connect(
    url: string,
    localAddress: string,
    auth?: Record<string, unknown>,
  ): Promise<RawSocket | undefined> {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}${SOCKET_IO_PATH}`, {
      localAddress,
      perMessageDeflate: false,
    });
    const socket = new RawSocket(ws);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(undefined), 10_000);
      ws.on('error', () => {
        clearTimeout(timer);
        resolve(undefined);
      });
      ws.on('message', (data: Buffer) => {
        const text = data.toString();
        if (text.startsWith('0{')) {
          ws.send(joinFrame(auth));
        } else if (text.startsWith('40')) {
          clearTimeout(timer);
          resolve(socket);
        } else if (text.startsWith('44')) {
          clearTimeout(timer);
          ws.terminate();
          resolve(undefined);
        }
      });
    });
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** `42<id>["event",payload]`: an event asking for an ack. */
  emit(event: string, payload: unknown): void {
    if (this.open) {
      this.ws.send(`42${this.nextAck++}${JSON.stringify([event, payload])}`);
    }
  }

  /** How many bytes this side has not yet handed to the kernel. */
  get buffered(): number {
    return this.ws.bufferedAmount;
  }

  /** Stops reading: the server's writes pile up in its own buffers once the kernel's are full. */
  stopReading(): void {
    (this.ws as unknown as { _socket?: { pause(): void } })._socket?.pause();
  }

  resumeReading(): void {
    (this.ws as unknown as { _socket?: { resume(): void } })._socket?.resume();
  }

  close(): void {
    this.closing = true;
    this.ws.terminate();
  }
}
