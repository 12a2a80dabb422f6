import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { type RunningServer, startServer } from '@parley/server/testing';

/** The two servers the fan-out benchmark compares. */
export type ServerKind = 'parley' | 'bare';

export const SERVER_KINDS: readonly ServerKind[] = ['parley', 'bare'];

/** The line both servers print once they listen (the one `startServer` waits for too). */
const LISTENING = /Listening on (http:\/\/\S+)/;

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
    : spawnEntry(BARE_ENTRY, options);
}

/** Runs `node <entry>` like `startServer` runs ours, and waits for its `Listening on` line. */
export async function spawnEntry(
  entry: string,
  { env = {}, nodeArgs = [] }: LaunchOptions = {},
): Promise<RunningServer> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--enable-source-maps', ...nodeArgs, entry],
    {
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${entry} did not start:\n${output}`));
    }, 20_000);
    const check = () => {
      const match = LISTENING.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        child.stdout?.off('data', check);
        child.stderr?.off('data', check);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited (${code ?? signal}) before listening:\n${output}`));
    });
  });
  return {
    url,
    pid: child.pid ?? -1,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
      }
      await exited;
    },
    kill: (signal) => {
      child.kill(signal);
    },
    exited,
  };
}
