import { Injectable, Logger } from '@nestjs/common';
import {
  ackError,
  type AckError,
  type ClientEventName,
  ErrorCode,
  ServerEvent,
} from '@parley/protocol';

import { MetricsService } from '../metrics/metrics.service.js';
import { type LimitedAction, RateLimitsService } from '../security/rate-limits.service.js';
import type { AckCallback, ChatSocket } from './chat.types.js';

/**
 * How every gateway answers a client request: the limit first, then the handler, then the
 * answer through the ack when the client passed one, otherwise (the tutorial's clients never do)
 * a refusal as `request_refused` to that client alone. An unexpected failure is logged and
 * reported as `internal_error`, never as a stack trace; a client that keeps hitting limits is
 * disconnected.
 */
@Injectable()
export class RequestRunner {
  private readonly logger = new Logger('ChatGateway');

  constructor(
    private readonly limits: RateLimitsService,
    private readonly metrics: MetricsService,
  ) {}

  async handle<T extends { ok: true }>(
    socket: ChatSocket,
    event: ClientEventName,
    ack: AckCallback<T | AckError>,
    action: LimitedAction | undefined,
    run: () => Promise<T | AckError>,
  ): Promise<void> {
    let response: T | AckError;
    try {
      response = (action && (await this.limit(socket, action))) || (await run());
    } catch (error) {
      this.logFailure(event, error);
      response = ackError(ErrorCode.Internal);
    }
    if (!response.ok) {
      this.metrics.refusals.inc({ code: response.error });
    }
    if (typeof ack === 'function') {
      ack(response);
    } else if (!response.ok) {
      socket.emit(ServerEvent.RequestRefused, { event, ...withoutOk(response) });
    }
    if (!response.ok && response.error === ErrorCode.RateLimited) {
      await this.strike(socket);
    }
  }

  /** A refusal when the socket's session or address is over its limit for `action`. */
  limit(socket: ChatSocket, action: LimitedAction): Promise<AckError | undefined> {
    const { room, sessionId, address } = socket.data;
    return this.limits.check(action, `${room}:${sessionId}`, address ?? 'unknown');
  }

  /** Counts a rate-limited request; a client that keeps flooding is told why and disconnected. */
  async strike(socket: ChatSocket): Promise<void> {
    if (socket.connected && (await this.limits.strike(socket.id))) {
      socket.emit(ServerEvent.RequestRefused, {
        event: 'connection',
        error: ErrorCode.RateLimited,
        message: 'Disconnected for sending too much. Reload the page to come back.',
      });
      socket.disconnect(true);
    }
  }

  logFailure(what: string, error: unknown): void {
    this.logger.error(`${what} failed`, error instanceof Error ? error.stack : error);
  }
}

export function withoutOk({ ok: _ok, ...rest }: AckError): Omit<AckError, 'ok'> {
  return rest;
}
