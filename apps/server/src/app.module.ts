import { type DynamicModule, Module } from '@nestjs/common';
import type { DestinationStream } from 'pino';

import { AvatarsModule } from './avatars/avatars.module.js';
import { ChatModule } from './chat/chat.module.js';
import { APP_CONFIG, type AppConfig } from './config/app-config.js';
import { HealthController } from './health/health.controller.js';
import { LoggingModule } from './logging/logging.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { RedisModule } from './redis/redis.module.js';
import { GracefulShutdownService } from './shutdown/graceful-shutdown.service.js';
import { StorageModule } from './storage/storage.module.js';

/** What the process gives the app besides its configuration. */
export interface AppOptions {
  /** Where JSON logs go instead of stdout (tests read them). */
  logDestination?: DestinationStream;
}

@Module({})
export class AppModule {
  /** The root module, given the configuration parsed at boot (never read from env later). */
  static forRoot(config: AppConfig, options: AppOptions = {}): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        LoggingModule.forRoot(config, options.logDestination),
        MetricsModule,
        RedisModule,
        StorageModule,
        AvatarsModule,
        ChatModule,
      ],
      controllers: [HealthController],
      providers: [{ provide: APP_CONFIG, useValue: config }, GracefulShutdownService],
      exports: [APP_CONFIG],
    };
  }
}
