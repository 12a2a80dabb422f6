import type { Server } from 'node:http';

import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';

/** How long open connections (a held long-polling GET, say) may linger after shutdown begins. */
const DRAIN_MS = 2000;

/**
 * Makes a stop finish: Socket.IO closes its clients (they reconnect to another node), but an HTTP
 * connection still holding a long-polling request would keep the server, and the process, open
 * for as long as the client likes. Idle keep-alive sockets go at once, the rest after a short
 * drain.
 */
@Injectable()
export class GracefulShutdownService implements BeforeApplicationShutdown {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  beforeApplicationShutdown(): void {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (!server) {
      return;
    }
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), DRAIN_MS).unref();
  }
}
