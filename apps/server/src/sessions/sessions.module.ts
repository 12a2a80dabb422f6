import { Module } from '@nestjs/common';

import { AvatarsModule } from '../avatars/avatars.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { UsersModule } from '../users/users.module.js';
import { SessionCollector } from './session-collector.service.js';
import { SessionsService } from './sessions.service.js';

@Module({
  imports: [AvatarsModule, StorageModule, UsersModule],
  providers: [SessionsService, SessionCollector],
  exports: [SessionsService],
})
export class SessionsModule {}
