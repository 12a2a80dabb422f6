import { Module } from '@nestjs/common';

import { ClusterModule } from '../cluster/cluster.module.js';
import { MessagesModule } from '../messages/messages.module.js';
import { SecurityModule } from '../security/security.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { UsersModule } from '../users/users.module.js';
import { MemberActionsService } from './member-actions.service.js';
import { ModerationFeedService } from './moderation-feed.service.js';
import { ModerationRelay } from './moderation-relay.service.js';
import { ModerationService } from './moderation.service.js';
import { ReportsService } from './reports.service.js';
import { RoomRolesModule } from './room-roles.module.js';
import { RoomStateService } from './room-state.service.js';

/** Rooms a community can run: roles, admission, actions on people, settings, reports, the log. */
@Module({
  imports: [
    StorageModule,
    RoomRolesModule,
    SecurityModule,
    UsersModule,
    ClusterModule,
    MessagesModule,
  ],
  providers: [
    RoomStateService,
    ModerationRelay,
    ModerationService,
    MemberActionsService,
    ReportsService,
    ModerationFeedService,
  ],
  exports: [
    RoomRolesModule,
    RoomStateService,
    ModerationRelay,
    ModerationService,
    MemberActionsService,
    ReportsService,
  ],
})
export class ModerationModule {}
