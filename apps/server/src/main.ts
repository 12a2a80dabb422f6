import type { AddressInfo } from 'node:net';

import { createApp } from './app.factory.js';
import { InvalidConfigError, loadConfig, type AppConfig } from './config/app-config.js';

function readConfig(): AppConfig {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof InvalidConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

/** A stop that still has not finished after this long ends the process anyway. */
const FORCED_EXIT_MS = 15_000;

async function main(): Promise<void> {
  const config = readConfig();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      setTimeout(() => process.exit(0), FORCED_EXIT_MS).unref();
    });
  }
  const app = await createApp(config);
  await app.listen(config.port, config.host);
  const { port } = app.getHttpServer().address() as AddressInfo;
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  // Printed whatever LOG_LEVEL says: people need the address, and tests and scripts read this
  // line to find the port when PORT=0.
  process.stdout.write(`Parley: Listening on http://${shownHost}:${port}\n`);
}

main().catch((error: unknown) => {
  console.error('Parley failed to start:', error);
  process.exit(1);
});
