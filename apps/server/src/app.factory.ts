import 'reflect-metadata';

import { Logger, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';

import type { Redis } from 'ioredis';
import { Logger as PinoLogger } from 'nestjs-pino';

import { AppModule, type AppOptions } from './app.module.js';
import { REDIS } from './redis/redis.module.js';
import { ChatIoAdapter } from './chat/chat-io.adapter.js';
import type { AppConfig } from './config/app-config.js';
import { MetricsService } from './metrics/metrics.service.js';
import { proxyTrustFunction } from './security/client-address.js';
import { securityHeaders } from './security/security-headers.js';
import { mountWebApp } from './web/web-app.js';

const LOG_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/** Builds the whole application (HTTP, Socket.IO, web app) without listening; tests use it too. */
export async function createApp(
  config: AppConfig,
  options: AppOptions = {},
): Promise<NestExpressApplication> {
  const json = config.logFormat === 'json';
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, options), {
    logger: LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(config.logLevel) + 1),
    // JSON logs: hold boot messages until pino's logger takes over, so every line is structured.
    bufferLogs: json,
  });
  if (json) {
    app.useLogger(app.get(PinoLogger));
  }
  app.disable('x-powered-by');
  // The same proxies as the socket handshake's clientAddress, so req.ip agrees with it (Express's
  // own `true` would believe every hop, i.e. the leftmost X-Forwarded-For entry).
  app.set('trust proxy', proxyTrustFunction(config.trustProxy));
  app.use(securityHeaders());
  app.useWebSocketAdapter(
    new ChatIoAdapter(app, config, app.get<Redis | null>(REDIS), app.get(MetricsService)),
  );
  mountWebApp(app, config.webDistDir, new Logger('WebApp'));
  // Only the signals that mean "stop" (Nest's default list also has SIGUSR2, SIGHUP, ...).
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  return app;
}
