import { Controller, Get, Header, NotFoundException, Param } from '@nestjs/common';

import { AvatarsService } from './avatars.service.js';

@Controller('avatars')
export class AvatarsController {
  constructor(private readonly avatars: AvatarsService) {}

  @Get(':style/:file')
  @Header('Content-Type', 'image/svg+xml; charset=utf-8')
  // The picture for a style and seed never changes, so browsers may keep it for good.
  @Header('Cache-Control', 'public, max-age=31536000, immutable')
  // An SVG opened directly must not run anything, whatever a seed contains.
  @Header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'")
  @Header('X-Content-Type-Options', 'nosniff')
  avatar(@Param('style') style: string, @Param('file') file: string): string {
    const seed = file.endsWith('.svg') ? file.slice(0, -'.svg'.length) : '';
    if (!this.avatars.isStyle(style) || !this.avatars.isValidSeed(seed)) {
      throw new NotFoundException('No such avatar');
    }
    return this.avatars.render(style, seed);
  }
}
