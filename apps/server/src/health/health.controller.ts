import { Controller, Get, Header, HttpCode, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';

import { CHAT_STORE } from '../storage/storage.module.js';
import type { ChatStore } from '../storage/chat-store.js';

@Controller()
export class HealthController {
  constructor(@Inject(CHAT_STORE) private readonly store: ChatStore) {}

  /** Liveness: the process is up and serving HTTP. */
  @Get(['healthz', 'health'])
  @Header('Cache-Control', 'no-store')
  @HttpCode(200)
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: the store answers; load balancers send no traffic to a node that is not ready. */
  @Get('readyz')
  @Header('Cache-Control', 'no-store')
  async ready(@Res() response: Response): Promise<void> {
    const store = await this.store.ping();
    response.status(store ? 200 : 503).json({ status: store ? 'ready' : 'unready', store });
  }
}
