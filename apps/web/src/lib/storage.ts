/**
 * localStorage that never throws. In private modes, with storage blocked or full, reads give
 * `null` and writes report `false`; the app then simply keeps things in memory for this page.
 */

let cached: Storage | null | undefined;

function storage(): Storage | null {
  if (cached !== undefined) {
    return cached;
  }
  try {
    // Reading `window.localStorage` itself throws when storage is blocked.
    const store = window.localStorage;
    const probe = 'parley.probe';
    store.setItem(probe, probe);
    store.removeItem(probe);
    cached = store;
  } catch {
    cached = null;
  }
  return cached;
}

export function readItem(key: string): string | null {
  try {
    return storage()?.getItem(key) ?? null;
  } catch {
    return null;
  }
}

export function writeItem(key: string, value: string): boolean {
  const store = storage();
  if (!store) {
    return false;
  }
  try {
    store.setItem(key, value);
    return true;
  } catch {
    // Quota exceeded (or storage revoked meanwhile): keep going without it.
    return false;
  }
}

export function removeItem(key: string): void {
  try {
    storage()?.removeItem(key);
  } catch {
    // Nothing to do: the value just stays.
  }
}
