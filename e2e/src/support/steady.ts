import { expect } from '@playwright/test';

/**
 * Asserts that `probe` still returns `expected` once `ms` have passed, polling meanwhile. For a
 * test that must let time pass (a server-side grace, "nothing more arrives"): the time is the
 * server's, so the page clock cannot stand in for it.
 */
export async function expectSteady<T>(
  probe: () => T | Promise<T>,
  expected: T,
  ms: number,
  message?: string,
): Promise<void> {
  const until = Date.now() + ms;
  await expect
    .poll(async () => ({ value: await probe(), waited: Date.now() >= until }), {
      message,
      timeout: ms + 10_000,
      intervals: [100],
    })
    .toEqual({ value: expected, waited: true });
}
