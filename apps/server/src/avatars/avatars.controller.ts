import {
  Controller,
  Get,
  HttpException,
  HttpStatus,
  Inject,
  NotFoundException,
  Param,
  Req,
  Res,
} from '@nestjs/common';
import type { Request, Response } from 'express';

import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { clientAddress } from '../security/client-address.js';
import { AvatarRendersLimiter } from './avatar-renders.limiter.js';
import { AvatarsService } from './avatars.service.js';

const SVG_HEADERS = {
  'Content-Type': 'image/svg+xml; charset=utf-8',
  // The picture for a style and seed never changes, so browsers may keep it for good.
  'Cache-Control': 'public, max-age=31536000, immutable',
  // An SVG opened directly must not run anything, whatever a seed contains.
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
  'X-Content-Type-Options': 'nosniff',
};

@Controller('avatars')
export class AvatarsController {
  constructor(
    private readonly avatars: AvatarsService,
    private readonly renders: AvatarRendersLimiter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Any seed the pattern allows is drawn, not only those the server handed out: avatar URLs are
   * stored with messages and must keep working after a restart. What bounds the cost is the
   * per-address limit on drawing seeds that are not cached. The SVG headers go on the picture
   * only: on a refusal they made Nest warn (with the request's headers) about every 404.
   */
  @Get(':style/:file')
  async avatar(
    @Param('style') style: string,
    @Param('file') file: string,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<string> {
    const seed = file.endsWith('.svg') ? file.slice(0, -'.svg'.length) : '';
    if (!this.avatars.isStyle(style) || !this.avatars.isValidSeed(seed)) {
      throw new NotFoundException('No such avatar');
    }
    let svg = this.avatars.cached(style, seed);
    if (svg === undefined) {
      const address = clientAddress(
        request.socket.remoteAddress,
        request.headers,
        this.config.trustProxy,
      );
      const retryAfterMs = await this.renders.take(address);
      if (retryAfterMs !== undefined) {
        const seconds = Math.ceil(retryAfterMs / 1000);
        response.setHeader('Retry-After', String(seconds));
        throw new HttpException(
          `Too many new avatars from your address. Try again in ${seconds} s.`,
          HttpStatus.TOO_MANY_REQUESTS,
        );
      }
      svg = this.avatars.render(style, seed);
    }
    response.set(SVG_HEADERS);
    return svg;
  }
}
