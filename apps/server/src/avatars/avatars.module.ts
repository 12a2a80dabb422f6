import { Module } from '@nestjs/common';

import { AvatarRendersLimiter } from './avatar-renders.limiter.js';
import { AvatarsController } from './avatars.controller.js';
import { AvatarsService } from './avatars.service.js';

@Module({
  controllers: [AvatarsController],
  providers: [AvatarsService, AvatarRendersLimiter],
  exports: [AvatarsService],
})
export class AvatarsModule {}
