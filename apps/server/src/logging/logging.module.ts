import type { IncomingMessage, ServerResponse } from 'node:http';

import { type DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream, LevelWithSilent } from 'pino';

import type { AppConfig } from '../config/app-config.js';

/** Nest's level names → pino's. */
const PINO_LEVELS = { error: 'error', warn: 'warn', log: 'info', debug: 'debug', verbose: 'trace' };

/** Longest request URL a log line repeats: a client chooses it, up to Node's 16 KB of headers. */
const URL_MAX_LOGGED = 200;

/**
 * One line per finished request, at a level chosen by its outcome: server failures are errors,
 * client errors (404s, 429s: anyone can make thousands) are debug, successes are not logged (the
 * chat's traffic is sockets, and the metrics count it).
 */
export function requestLogLevel(
  _request: IncomingMessage,
  response: ServerResponse,
  error?: Error,
): LevelWithSilent {
  if (error || response.statusCode >= 500) {
    return 'error';
  }
  return response.statusCode >= 400 ? 'debug' : 'silent';
}

/**
 * A request as logs show it: id, method and path, never its headers. A flood of requests with
 * 14 KB headers once wrote 41 MB of logs in 2.3 s; cookies and tokens must not reach logs either.
 */
export function requestForLog(request: { id?: unknown; method?: string; url?: string }) {
  const url = request.url ?? '';
  return {
    id: request.id,
    method: request.method,
    url: url.length > URL_MAX_LOGGED ? `${url.slice(0, URL_MAX_LOGGED)}…` : url,
  };
}

/**
 * Structured JSON logs through pino (`LOG_FORMAT=json`, the default when stdout is not a
 * terminal): one line per event with time, level and context, for log collectors. With
 * `LOG_FORMAT=text` Nest's own logger prints readable lines instead. `destination` replaces stdout
 * (tests read it).
 */
@Module({})
export class LoggingModule {
  static forRoot(config: AppConfig, destination?: DestinationStream): DynamicModule {
    const options = {
      level: PINO_LEVELS[config.logLevel],
      base: { service: 'parley' },
      // In text mode Nest's own logger speaks for people; pino would add JSON lines among them.
      autoLogging: config.logFormat === 'json',
      customLogLevel: requestLogLevel,
      // Lines logged while a request is handled carry its id only, not the request again.
      quietReqLogger: true,
      serializers: {
        req: requestForLog,
        res: (response: { statusCode?: number }) => ({ statusCode: response.statusCode }),
      },
    };
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: destination ? [options, destination] : options,
        }),
      ],
    };
  }
}
