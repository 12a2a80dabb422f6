import type { SocketOptions } from 'socket.io-client';

import type { ChatSocket } from '../wire';

type Listener = (...args: unknown[]) => void;

/** A request waiting for the test to answer it (or to let it time out). */
export interface PendingRequest {
  event: string;
  payload: Record<string, unknown>;
  answer(value: unknown): void;
  /** What Socket.IO does when no ack comes in time, or the connection goes first. */
  fail(): void;
}

/**
 * A Socket.IO client socket without a network: the test plays the server. It opens, drops and
 * refuses connections, emits the server's events, and answers (or not) each request with an ack.
 */
export class FakeSocket {
  connected = false;
  active = false;
  recovered = false;
  readonly requests: PendingRequest[] = [];
  /** Events sent without an ack (typing). */
  readonly emitted: Array<{ event: string; payload: unknown }> = [];
  readonly #listeners = new Map<string, Listener[]>();

  constructor(private readonly auth: NonNullable<SocketOptions['auth']>) {}

  /** The handshake's `auth` as the next connection attempt would send it. */
  handshake(): Record<string, unknown> {
    let auth: Record<string, unknown> = {};
    if (typeof this.auth === 'function') {
      this.auth((data) => (auth = data as Record<string, unknown>));
    } else {
      auth = this.auth;
    }
    return auth;
  }

  on(event: string, listener: Listener): this {
    this.#listeners.set(event, [...(this.#listeners.get(event) ?? []), listener]);
    return this;
  }

  connect(): this {
    this.active = true;
    return this;
  }

  disconnect(): this {
    const was = this.connected;
    this.connected = false;
    this.active = false;
    if (was) {
      this.fire('disconnect', 'io client disconnect');
    }
    return this;
  }

  get volatile(): { emit: (event: string, payload: unknown) => void } {
    return { emit: (event, payload) => this.emitted.push({ event, payload }) };
  }

  timeout(_ms: number): { emitWithAck: (event: string, payload: unknown) => Promise<unknown> } {
    return {
      emitWithAck: (event, payload) =>
        new Promise((resolve, reject) => {
          this.requests.push({
            event,
            payload: payload as Record<string, unknown>,
            answer: resolve,
            fail: () => reject(new Error('operation has timed out')),
          });
        }),
    };
  }

  // ---- what the server (the test) does ----

  /** A connection is established (as Socket.IO reports it). */
  open(recovered = false): void {
    this.connected = true;
    this.active = true;
    this.recovered = recovered;
    this.fire('connect');
  }

  /** The connection drops; Socket.IO keeps trying unless the server closed it. */
  drop(reason = 'transport close'): void {
    this.connected = false;
    this.active = reason !== 'io server disconnect';
    for (const request of this.requests.splice(0)) {
      request.fail();
    }
    this.fire('disconnect', reason);
  }

  /** The handshake was refused (`active` false: Socket.IO will not try again by itself). */
  refuse(message: string, data?: unknown, active = false): void {
    this.active = active;
    this.fire('connect_error', Object.assign(new Error(message), { data }));
  }

  fire(event: string, ...args: unknown[]): void {
    for (const listener of this.#listeners.get(event) ?? []) {
      listener(...args);
    }
  }

  /** Takes the oldest request waiting for an answer (fails the test if there is none). */
  next(event?: string): PendingRequest {
    const request = this.requests.shift();
    if (!request || (event && request.event !== event)) {
      throw new Error(`expected a ${event ?? 'request'}, got ${request?.event ?? 'none'}`);
    }
    return request;
  }

  asChatSocket(): ChatSocket {
    return this as unknown as ChatSocket;
  }
}

/** A server message as `new_message` and `history` carry it. */
export function wireMessage(id: number, extra: Record<string, unknown> = {}) {
  return {
    id,
    ts: 1_000 + id,
    username: 'Ada',
    avatar: '/avatars/ada.svg',
    message: `message ${id}`,
    user_id: 'ada',
    ...extra,
  };
}

/** Lets promise callbacks (an ack's continuation) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await Promise.resolve();
  }
}
