import { Module } from '@nestjs/common';

import { ClusterModule } from '../cluster/cluster.module.js';
import { RoomRolesModule } from '../moderation/room-roles.module.js';
import { UsersModule } from '../users/users.module.js';
import { PresenceService } from './presence.service.js';

@Module({
  imports: [UsersModule, ClusterModule, RoomRolesModule],
  providers: [PresenceService],
  exports: [PresenceService],
})
export class PresenceModule {}
