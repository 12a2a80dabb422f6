import type { MetricsService } from '../metrics/metrics.service.js';
import type { ChatStore } from './chat-store.js';

/**
 * `target` with every method call's duration recorded under `prefix` + its name; properties in
 * `replaced` are answered from there instead.
 */
function timed<T extends object>(
  target: T,
  metrics: MetricsService,
  prefix: string,
  replaced: Partial<T> = {},
): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      if (Object.hasOwn(replaced, property)) {
        return replaced[property as keyof T];
      }
      const value: unknown = Reflect.get(object, property, receiver);
      if (typeof value !== 'function' || property === 'close') {
        return value;
      }
      const method = value as (...args: unknown[]) => Promise<unknown>;
      return (...args: unknown[]) =>
        metrics.timeStore(`${prefix}${String(property)}`, () => method.apply(object, args));
    },
  });
}

/**
 * The same store, with every call's duration recorded in `parley_store_latency_seconds`; the
 * moderation store's calls as `moderation.<method>`.
 */
export function timedChatStore(store: ChatStore, metrics: MetricsService): ChatStore {
  const moderation = timed(store.moderation, metrics, 'moderation.');
  return timed(store, metrics, '', { moderation });
}
