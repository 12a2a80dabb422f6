/**
 * Puts `key` in `map` as its most recent entry (a Map iterates in insertion order) and drops the
 * least recent one once the map holds more than `max`: a count-bounded LRU in a plain Map.
 */
export function keepRecent<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > max) {
    const oldest = map.keys().next().value;
    if (oldest !== undefined) {
      map.delete(oldest);
    }
  }
}
