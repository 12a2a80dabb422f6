import { Inject, Injectable } from '@nestjs/common';
import { HISTORY_PAGE_SIZE, type NewMessagePayload } from '@parley/protocol';

import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { CHAT_STORE } from '../storage/storage.module.js';
import type { ChatStore, StoredMessage } from '../storage/chat-store.js';
import { publicUserId } from '../users/public-user-id.js';
import type { Identity } from '../users/users.service.js';

export interface PostResult {
  message: NewMessagePayload;
  /** A retry of a message already stored: it must not be broadcast again. */
  duplicate: boolean;
}

export interface HistoryPage {
  messages: NewMessagePayload[];
  hasMore: boolean;
  truncated?: boolean;
}

export function toWireMessage(message: StoredMessage): NewMessagePayload {
  const wire: NewMessagePayload = {
    username: message.username,
    avatar: message.avatar,
    message: message.message,
    id: message.id,
    ts: message.ts,
    user_id: publicUserId(message.sessionId),
  };
  if (message.clientId !== null) {
    wire.client_id = message.clientId;
  }
  return wire;
}

/**
 * The room's messages: stored before they are broadcast, ids in the order the room sees them,
 * retries recognised by the sender's `client_id`.
 */
@Injectable()
export class MessagesService {
  /**
   * Posts run one after another, so ids are handed out, and callers resume, in arrival order;
   * with an asynchronous store two posts could otherwise finish out of order.
   */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    @Inject(CHAT_STORE) private readonly store: ChatStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  post(
    author: Identity,
    text: string,
    clientId: string | undefined,
    now = Date.now(),
  ): Promise<PostResult> {
    const run = async (): Promise<PostResult> => {
      const { message, duplicate } = await this.store.appendMessage({
        ts: now,
        sessionId: author.sessionId,
        clientId: clientId ?? null,
        username: author.username,
        avatar: author.avatar,
        message: text,
      });
      return { message: toWireMessage(message), duplicate };
    };
    const result = this.tail.then(run, run);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** The newest page, oldest first. */
  async latest(limit = HISTORY_PAGE_SIZE): Promise<HistoryPage> {
    const page = await this.store.latestMessages(limit);
    return { messages: page.messages.map(toWireMessage), hasMore: page.more };
  }

  /** The page just older than `beforeId`. */
  async before(beforeId: number, limit = HISTORY_PAGE_SIZE): Promise<HistoryPage> {
    const page = await this.store.messagesBefore(beforeId, limit);
    return { messages: page.messages.map(toWireMessage), hasMore: page.more };
  }

  /**
   * What a client that last saw `afterId` missed: exactly those messages, or, past the replay cap
   * (or for an offset this room never reached), the newest page marked `truncated` so the client
   * starts over from it.
   */
  async since(afterId: number): Promise<HistoryPage> {
    const cap = this.config.resumeMaxMessages;
    const page = await this.store.messagesAfter(afterId, cap);
    if (page.more) {
      return { ...(await this.latest()), truncated: true };
    }
    if (page.messages.length === 0 && afterId > 0) {
      const newest = await this.store.latestMessages(1);
      const lastId = newest.messages[0]?.id ?? 0;
      if (afterId > lastId) {
        return { ...(await this.latest()), truncated: true };
      }
    }
    return { messages: page.messages.map(toWireMessage), hasMore: afterId > 0 };
  }
}
