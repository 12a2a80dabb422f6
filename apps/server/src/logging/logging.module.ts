import { type DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';

import type { AppConfig } from '../config/app-config.js';

/** Nest's level names → pino's. */
const PINO_LEVELS = { error: 'error', warn: 'warn', log: 'info', debug: 'debug', verbose: 'trace' };

/**
 * Structured JSON logs through pino (`LOG_FORMAT=json`, the default): one line per event with
 * time, level and context, for log collectors. Request logging is off: the chat's traffic is
 * sockets, and the metrics count it.
 */
@Module({})
export class LoggingModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            level: PINO_LEVELS[config.logLevel],
            autoLogging: false,
            base: { service: 'parley' },
            redact: ['req.headers.cookie', 'req.headers.authorization'],
          },
        }),
      ],
    };
  }
}
