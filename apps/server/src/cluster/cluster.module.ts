import { Module } from '@nestjs/common';

import { ClusterPresenceService } from './cluster-presence.service.js';

@Module({
  providers: [ClusterPresenceService],
  exports: [ClusterPresenceService],
})
export class ClusterModule {}
