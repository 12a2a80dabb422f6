import type { MetricsService } from '../metrics/metrics.service.js';
import type { ChatStore } from './chat-store.js';

/** The same store, with every call's duration recorded in `parley_store_latency_seconds`. */
export function timedChatStore(store: ChatStore, metrics: MetricsService): ChatStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || property === 'close') {
        return value;
      }
      const method = value as (...args: unknown[]) => Promise<unknown>;
      return (...args: unknown[]) =>
        metrics.timeStore(String(property), () => method.apply(target, args));
    },
  });
}
