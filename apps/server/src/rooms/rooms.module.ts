import { Module } from '@nestjs/common';

import { ClusterModule } from '../cluster/cluster.module.js';
import { UsersModule } from '../users/users.module.js';
import { RoomDirectoryService } from './room-directory.service.js';

@Module({
  imports: [UsersModule, ClusterModule],
  providers: [RoomDirectoryService],
  exports: [RoomDirectoryService],
})
export class RoomsModule {}
