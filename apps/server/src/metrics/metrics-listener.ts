import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';

import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { metricsAccess } from './metrics-access.js';
import { MetricsService } from './metrics.service.js';

/**
 * `METRICS_PORT`: a second, private HTTP listener that serves `GET /metrics` and nothing else,
 * for a scraper on the internal network while the public port has no `/metrics` at all. No
 * listener when it is unset. METRICS_TOKEN, when set, is asked for here too.
 */
@Injectable()
export class MetricsListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Metrics');
  private server: Server | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {}

  /** `http://host:port` of the listener once it listens; undefined without METRICS_PORT. */
  get url(): string | undefined {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (!address) {
      return undefined;
    }
    // Listening on every interface: loopback is where this machine reaches it.
    const shown = { '0.0.0.0': '127.0.0.1', '::': '::1' }[address.address] ?? address.address;
    const host = shown.includes(':') ? `[${shown}]` : shown;
    return `http://${host}:${address.port}`;
  }

  async onApplicationBootstrap(): Promise<void> {
    const { metricsPort, host, metricsToken } = this.config;
    if (metricsPort === undefined) {
      return;
    }
    const server = createServer((request, response) => {
      const path = (request.url ?? '').split('?')[0];
      if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
        response.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found\n');
        return;
      }
      const access = metricsAccess(request.headers.authorization, metricsToken, true);
      if (access !== 'allowed') {
        response
          .writeHead(401, { 'Content-Type': 'text/plain', 'WWW-Authenticate': 'Bearer' })
          .end('Unauthorized\n');
        return;
      }
      this.metrics.registry.metrics().then(
        (text) => {
          response
            .writeHead(200, {
              'Content-Type': this.metrics.registry.contentType,
              'Cache-Control': 'no-store',
            })
            .end(request.method === 'HEAD' ? undefined : text);
        },
        (error: unknown) => {
          this.logger.error(`Metrics failed: ${String(error)}`);
          response.writeHead(500).end();
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(metricsPort, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.logger.log(`Metrics on ${this.url ?? '?'}/metrics`);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) {
      return;
    }
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
