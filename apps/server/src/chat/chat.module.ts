import { Module } from '@nestjs/common';

import { ClusterModule } from '../cluster/cluster.module.js';
import { MessagesModule } from '../messages/messages.module.js';
import { SecurityModule } from '../security/security.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { UsersModule } from '../users/users.module.js';
import { ChatGateway } from './chat.gateway.js';
import { PresenceAnnouncer } from './presence-announcer.service.js';

@Module({
  imports: [UsersModule, SessionsModule, MessagesModule, SecurityModule, ClusterModule],
  providers: [ChatGateway, PresenceAnnouncer],
})
export class ChatModule {}
