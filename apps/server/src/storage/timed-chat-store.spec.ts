import { describe, expect, it } from '@jest/globals';

import type { MetricsService } from '../metrics/metrics.service.js';
import { SqliteChatStore } from './sqlite-chat-store.js';
import { timedChatStore } from './timed-chat-store.js';

describe('timedChatStore', () => {
  it('times the chat store’s calls and the moderation store’s, by name', async () => {
    const timed: string[] = [];
    const metrics = {
      timeStore: <T>(operation: string, run: () => Promise<T>) => {
        timed.push(operation);
        return run();
      },
    } as unknown as MetricsService;
    const store = timedChatStore(new SqliteChatStore(':memory:'), metrics);
    expect(await store.moderation.claimRoom('den', 'u-a')).toBe(true);
    expect(await store.moderation.getRoom('den')).toMatchObject({ ownerUserId: 'u-a' });
    expect((await store.latestMessages('den', 10)).messages).toEqual([]);
    expect(store.onlyWriter).toBe(true);
    await store.close();
    expect(timed).toEqual(['moderation.claimRoom', 'moderation.getRoom', 'latestMessages']);
  });
});
