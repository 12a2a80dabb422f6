import { Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';

import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type { ChatStore } from './chat-store.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { PostgresChatStore } from './postgres-chat-store.js';
import { SqliteChatStore } from './sqlite-chat-store.js';
import { timedChatStore } from './timed-chat-store.js';

/** Nest injection token for the {@link ChatStore}. */
export const CHAT_STORE = Symbol('CHAT_STORE');

/** Closes the store when the app shuts down, after the gateways stopped using it. */
@Injectable()
class ChatStoreCloser implements OnApplicationShutdown {
  constructor(@Inject(CHAT_STORE) private readonly store: ChatStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

@Module({
  providers: [
    {
      provide: CHAT_STORE,
      inject: [APP_CONFIG, MetricsService],
      useFactory: async (config: AppConfig, metrics: MetricsService): Promise<ChatStore> =>
        timedChatStore(
          config.databaseUrl
            ? await PostgresChatStore.connect(config.databaseUrl)
            : new SqliteChatStore(config.databaseFile),
          metrics,
        ),
    },
    ChatStoreCloser,
  ],
  exports: [CHAT_STORE],
})
export class StorageModule {}
