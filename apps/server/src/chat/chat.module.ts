import { Module } from '@nestjs/common';

import { ClusterModule } from '../cluster/cluster.module.js';
import { MessagesModule } from '../messages/messages.module.js';
import { ModerationGateway } from '../moderation/moderation.gateway.js';
import { ModerationModule } from '../moderation/moderation.module.js';
import { PresenceModule } from '../presence/presence.module.js';
import { RoomsModule } from '../rooms/rooms.module.js';
import { SecurityModule } from '../security/security.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { UsersModule } from '../users/users.module.js';
import { ChatGateway } from './chat.gateway.js';
import { RequestRunner } from './request-runner.js';

@Module({
  imports: [
    UsersModule,
    SessionsModule,
    MessagesModule,
    SecurityModule,
    PresenceModule,
    RoomsModule,
    ModerationModule,
    ClusterModule,
  ],
  providers: [RequestRunner, ChatGateway, ModerationGateway],
})
export class ChatModule {}
