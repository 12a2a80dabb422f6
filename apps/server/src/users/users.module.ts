import { Module } from '@nestjs/common';

import { AvatarsModule } from '../avatars/avatars.module.js';
import { UsersService } from './users.service.js';

@Module({
  imports: [AvatarsModule],
  providers: [UsersService],
  exports: [UsersService],
})
export class UsersModule {}
