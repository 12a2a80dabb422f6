import { fileURLToPath } from 'node:url';

import { type RunningServer, spawnServer, startServer } from '@parley/server/testing';

/** The two servers the fan-out benchmark compares. */
export type ServerKind = 'parley' | 'bare';

export const SERVER_KINDS: readonly ServerKind[] = ['parley', 'bare'];

const BARE_ENTRY = fileURLToPath(new URL('./bare-server.js', import.meta.url));

/**
 * Our server's limits, raised for benchmarks: every bench client comes from 127.0.0.1 and sends
 * far more than a person would, so per-session and per-address limits would refuse them (and
 * disconnect them as flooders). The limits still run; their cost is part of the figures.
 */
export const BENCH_LIMITS: NodeJS.ProcessEnv = {
  MESSAGE_RATE_PER_SECOND: '1000',
  MESSAGE_BURST: '1000',
  PER_IP_MULTIPLIER: '1000',
  CONNECTIONS_PER_MINUTE: '1000000',
  FLOOD_DISCONNECT_AFTER: '1000000',
};

export interface LaunchOptions {
  env?: NodeJS.ProcessEnv;
  /** Options for node itself, e.g. `--cpu-prof`. */
  nodeArgs?: readonly string[];
}

/**
 * Starts either server on an ephemeral port of 127.0.0.1 and resolves once it says where it
 * listens: ours exactly as production runs it (`startServer`, the production build), the bare one
 * from this package's build.
 */
export function launch(kind: ServerKind, options: LaunchOptions = {}): Promise<RunningServer> {
  return kind === 'parley'
    ? startServer(options.env, options.nodeArgs)
    : spawnServer(BARE_ENTRY, options.env, options.nodeArgs);
}
