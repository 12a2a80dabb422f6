import { Module } from '@nestjs/common';

import { StorageModule } from '../storage/storage.module.js';
import { MessagesService } from './messages.service.js';

@Module({
  imports: [StorageModule],
  providers: [MessagesService],
  exports: [MessagesService],
})
export class MessagesModule {}
