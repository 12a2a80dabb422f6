import {
  Controller,
  Get,
  Header,
  Headers,
  Inject,
  NotFoundException,
  Res,
  UnauthorizedException,
} from '@nestjs/common';
import type { Response } from 'express';

import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { metricsAccess } from './metrics-access.js';
import { MetricsService } from './metrics.service.js';

/**
 * `/metrics` on the public port: only with `Authorization: Bearer <METRICS_TOKEN>`; without a
 * token configured it is not there at all (404), and METRICS_PORT serves it privately instead.
 */
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Prometheus text exposition of this node's metrics. */
  @Get()
  @Header('Cache-Control', 'no-store')
  async scrape(
    @Headers('authorization') authorization: string | undefined,
    @Res() response: Response,
  ): Promise<void> {
    const access = metricsAccess(authorization, this.config.metricsToken, false);
    if (access === 'hidden') {
      throw new NotFoundException(`Cannot GET /metrics`);
    }
    if (access === 'unauthorized') {
      response.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
      throw new UnauthorizedException();
    }
    response.setHeader('Content-Type', this.metrics.registry.contentType);
    response.send(await this.metrics.registry.metrics());
  }
}
