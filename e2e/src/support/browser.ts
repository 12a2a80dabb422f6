import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { Page } from '@playwright/test';

/** Where screenshots go; CI keeps this folder in its output. */
export const SCREENSHOT_DIR =
  process.env.SCREENSHOT_DIR ??
  fileURLToPath(new URL('../../../artifacts/screenshots', import.meta.url));

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  // Finite animations are run to their end: no bubble caught half-way through easing in.
  await page.screenshot({ path, fullPage: false, animations: 'disabled' });
  return path;
}
