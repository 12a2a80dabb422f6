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
  stop: () => Promise<void>;
}

/**
 * Starts the production build exactly as users do (`node apps/server/dist/main.js`, which also
 * serves the built web app) on an ephemeral port, and resolves once it says where it listens.
 * For out-of-process users: the browser tests and the benchmarks.
 */
export async function startServer(env: NodeJS.ProcessEnv = {}): Promise<RunningServer> {
  const child: ChildProcess = spawn(process.execPath, ['--enable-source-maps', SERVER_ENTRY], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Server did not start:\n${output}`)), 20_000);
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
  return {
    url,
    pid: child.pid ?? -1,
    output: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) {
          resolve();
          return;
        }
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
