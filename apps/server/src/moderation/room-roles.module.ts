import { Module } from '@nestjs/common';

import { StorageModule } from '../storage/storage.module.js';
import { RoomRolesService } from './room-roles.service.js';

/** Roles on their own, for presence (which names them) without the rest of moderation. */
@Module({
  imports: [StorageModule],
  providers: [RoomRolesService],
  exports: [RoomRolesService],
})
export class RoomRolesModule {}
