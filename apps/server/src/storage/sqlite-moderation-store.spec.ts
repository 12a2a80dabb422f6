import { describeModerationStoreContract } from './moderation-store.contract.js';
import { SqliteChatStore } from './sqlite-chat-store.js';

describeModerationStoreContract(SqliteChatStore.name, () =>
  Promise.resolve(new SqliteChatStore(':memory:')),
);
