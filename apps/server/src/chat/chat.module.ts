import { Module } from '@nestjs/common';

import { MessagesModule } from '../messages/messages.module.js';
import { PresenceModule } from '../presence/presence.module.js';
import { RoomsModule } from '../rooms/rooms.module.js';
import { SecurityModule } from '../security/security.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { UsersModule } from '../users/users.module.js';
import { ChatGateway } from './chat.gateway.js';

@Module({
  imports: [
    UsersModule,
    SessionsModule,
    MessagesModule,
    SecurityModule,
    PresenceModule,
    RoomsModule,
  ],
  providers: [ChatGateway],
})
export class ChatModule {}
