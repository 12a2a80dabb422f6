import { Controller, Get, Header } from '@nestjs/common';

@Controller('health')
export class HealthController {
  /** Liveness for load balancers and the browser tests: the process is up and serving HTTP. */
  @Get()
  @Header('Cache-Control', 'no-store')
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }
}
