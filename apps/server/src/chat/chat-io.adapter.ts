import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { ServerOptions } from 'socket.io';

/**
 * Engine-level limits. Frames are capped well below Socket.IO's 1 MB default: the largest valid
 * request is a 2000-character message (at most ~12 KB once JSON-escaped), and long-polling may
 * batch a few packets into one request.
 */
export const MAX_HTTP_BUFFER_SIZE = 64 * 1024;

export class ChatIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly recoveryWindowMs: number,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions) {
    const limited: Partial<ServerOptions> = {
      ...options,
      // Fast path for short drops: the socket keeps its id, data and missed packets. The app-level
      // resume (`auth.offset`) covers everything else (restarts, long gaps).
      connectionStateRecovery: {
        maxDisconnectionDuration: this.recoveryWindowMs,
        skipMiddlewares: true,
      },
      maxHttpBufferSize: MAX_HTTP_BUFFER_SIZE,
      // The browser app bundles its client; nobody needs /socket.io/socket.io.js from us.
      serveClient: false,
    };
    return super.createIOServer(port, limited as ServerOptions);
  }
}
