import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built entry point, next to this file once compiled (`dist/testing` → `dist/main.js`). */
const SERVER_ENTRY = fileURLToPath(new URL('../main.js', import.meta.url));
const LISTENING = /Listening on (http:\/\/\S+)/;

export interface RunningServer {
  url: string;
  /** The server's process id, for benchmarks that read its CPU and memory. */
  pid: number;
  output: () => string;
  /** Sends SIGTERM (a graceful stop) and resolves once the process is gone. */
  stop: () => Promise<void>;
  /** Sends `signal` (e.g. SIGKILL to simulate a crash). */
  kill: (signal: NodeJS.Signals) => void;
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts the production build exactly as users do (`node apps/server/dist/main.js`, which also
 * serves the built web app) on an ephemeral port, and resolves once it says where it listens.
 * For out-of-process users: the browser tests and the benchmarks.
 */
export function startServer(
  env: NodeJS.ProcessEnv = {},
  /** Extra options for node itself, before the entry point (e.g. `--cpu-prof` for benchmarks). */
  nodeArgs: readonly string[] = [],
): Promise<RunningServer> {
  return spawnServer(SERVER_ENTRY, env, nodeArgs);
}

/**
 * Runs `node <entry>` on an ephemeral port of 127.0.0.1 and resolves once it prints
 * `Listening on <url>`: our server, or another one speaking the same way (the benchmark's bare
 * Socket.IO reference).
 */
export async function spawnServer(
  entry: string,
  env: NodeJS.ProcessEnv = {},
  nodeArgs: readonly string[] = [],
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
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${entry} did not start:\n${output}`));
    }, 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = LISTENING.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Server exited with ${code}:\n${output}`));
    });
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve({ code: child.exitCode, signal: child.signalCode });
    } else {
      child.once('exit', (code, signal) => resolve({ code, signal }));
    }
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
