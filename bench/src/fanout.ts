/**
 * Fan-out speed, side by side (issue #8): our production server and a bare Socket.IO server
 * implementing the same tutorial events (bare-server.ts), driven by the same light load generator
 * (load/), in one run. Prints a table per scenario, the parley/bare ratios, and the same as
 * markdown for docs/performance.md (also written to bench/results/latest.md).
 *
 *   A  N clients in one room (1000), S of them senders (100), a sweep of total send rates
 *      (50-300 msg/s, i.e. 50k-300k deliveries/s offered), D seconds each (10), same connections.
 *   B  10 000 clients, 100 senders, 10 msg/s for 20 s; connecting must finish within 60 s.
 * Each window follows W seconds (3) of the same load, unmeasured, with no pause in between, so
 * that it measures the steady state: optimised code, warm caches, sockets that have carried data.
 *
 * The server runs pinned to CPU 0, this process (the load generator) to CPU 1. Every scenario
 * gets a fresh server process per kind. Timing never fails a run; `--quick` (CI, `pnpm test`)
 * exits non-zero only on broken behaviour: a server that does not start or dies, a client that
 * cannot connect, a message lost at low rates.
 *
 * Usage: pnpm bench [--clients 1000 --senders 100 --rates 50,100 --duration 10 --only parley|bare
 *                    --skip-bare-10k --scenarios A,B --cpu-prof <dir> --ws-receiver --quick
 *                    --warmup 3 --env KEY=VALUE --node-arg=--trace-gc]
 * --clients, --senders, --rates and --duration shape scenario A. --cpu-prof writes each server's
 * profile into <dir>. --ws-receiver reads frames with ws's own receiver instead of FrameReader
 * (to compare the load generator's cost).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import type { RunningServer } from '@parley/server/testing';

import { LoadGenerator, type RunResult } from './load/load-generator.js';
import { coreBusyPct, cpuCoreTicks, machineDescription, pin, rssKb } from './load/proc.js';
import {
  connectTable,
  describeConnect,
  describeRun,
  failureList,
  mapList,
  type Outcome,
  pct,
  ratioTable,
  renderMarkdown,
  renderText,
  runTable,
  type Scenario,
  scenarioHeading,
  secs,
} from './fanout-report.js';
import { BENCH_LIMITS, launch, SERVER_KINDS, type ServerKind } from './servers.js';

const { values: args } = parseArgs({
  // `pnpm bench -- --quick` passes the `--` along.
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: {
    quick: { type: 'boolean', default: false },
    clients: { type: 'string' },
    senders: { type: 'string' },
    rates: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    only: { type: 'string' },
    'skip-bare-10k': { type: 'boolean', default: false },
    scenarios: { type: 'string', default: 'A,B' },
    'ws-receiver': { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
    /** KEY=VALUE for our server's environment (repeatable), to measure a variant. */
    env: { type: 'string', multiple: true, default: [] },
    /** A Node.js option for the servers (repeatable), e.g. --node-arg=--trace-gc. */
    'node-arg': { type: 'string', multiple: true, default: [] },
  },
});

const QUICK = args.quick;
const SERVER_CORE = 0;
const LOAD_CORE = 1;
const DRAIN_MS = 5000;
const CONNECT_CONCURRENCY = 200;
/** Idle time before the "connected" memory reading. */
const IDLE_MS = 3000;
/** Above this, the load generator may be what limits the figures. */
const LOAD_CPU_WARNING_PCT = 90;
/** Busier than this before the run starts: something else is running. */
const BACKGROUND_WARNING_PCT = 10;

function numberArg(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) {
    return fallback;
  }
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) {
    throw new Error(`--${name} must be a positive number, got "${value}"`);
  }
  return parsed;
}

const WARMUP_S = args.warmup === '0' ? 0 : numberArg(args.warmup, QUICK ? 0.5 : 3, 'warmup');

function kindsToRun(): ServerKind[] {
  if (args.only === undefined) {
    return [...SERVER_KINDS];
  }
  if (!SERVER_KINDS.includes(args.only as ServerKind)) {
    throw new Error(`--only must be one of ${SERVER_KINDS.join(', ')}, got "${args.only}"`);
  }
  return [args.only as ServerKind];
}

function scenarios(): Scenario[] {
  const kinds = kindsToRun();
  const rates = args.rates
    ?.split(',')
    .map((rate) => numberArg(rate.trim(), NaN, 'rates'))
    .filter((rate) => rate > 0);
  const a: Scenario = {
    id: 'A',
    title: 'rate sweep',
    clients: Math.round(numberArg(args.clients, QUICK ? 50 : 1000, 'clients')),
    senders: Math.round(numberArg(args.senders, QUICK ? 5 : 100, 'senders')),
    rates: rates && rates.length > 0 ? rates : QUICK ? [20, 50] : [50, 100, 150, 200, 300],
    warmupS: WARMUP_S,
    durationS: numberArg(args.duration, QUICK ? 2 : 10, 'duration'),
    connectDeadlineMs: 60_000,
    kinds,
  };
  const b: Scenario = {
    id: 'B',
    title: 'big room',
    clients: QUICK ? 200 : 10_000,
    senders: 100,
    rates: [10],
    warmupS: WARMUP_S,
    durationS: QUICK ? 2 : 20,
    connectDeadlineMs: QUICK ? 20_000 : 60_000,
    kinds: args['skip-bare-10k'] ? kinds.filter((kind) => kind !== 'bare') : kinds,
  };
  const wanted = new Set(args.scenarios.split(',').map((id) => id.trim().toUpperCase()));
  return [a, b].filter((scenario) => wanted.has(scenario.id));
}

/** Behaviour (never timing) that makes the run fail. */
const problems: string[] = [];
const warnings: string[] = [];

/** `--env KEY=VALUE` options: a variant of our server to measure (e.g. FANOUT_COALESCING=false). */
const VARIANT: NodeJS.ProcessEnv = Object.fromEntries(
  args.env.map((pair) => {
    const at = pair.indexOf('=');
    if (at < 1) {
      throw new Error(`--env takes KEY=VALUE, got "${pair}"`);
    }
    return [pair.slice(0, at), pair.slice(at + 1)];
  }),
);

function parleyEnv(dataDir: string): NodeJS.ProcessEnv {
  return { DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...BENCH_LIMITS, ...VARIANT };
}

const AUTH = { room: 'bench', features: ['presence_batch'] };

async function stopServer(server: RunningServer): Promise<void> {
  const killed = sleep(20_000).then(() => {
    server.kill('SIGKILL');
    return server.exited;
  });
  await Promise.race([server.stop(), killed]);
}

async function runScenario(scenario: Scenario, kind: ServerKind): Promise<Outcome> {
  const outcome: Outcome = { scenario, kind, runs: [], serverOutput: [] };
  const label = `${scenario.id}/${kind}`;
  const dataDir = kind === 'parley' ? mkdtempSync(join(tmpdir(), 'parley-fanout-')) : undefined;
  const profileDir = args['cpu-prof'] ? resolve(args['cpu-prof']) : undefined;
  const profileName = `${kind}-${scenario.id}-${Date.now()}.cpuprofile`;
  const nodeArgs = [
    ...args['node-arg'],
    ...(profileDir
      ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${profileName}`]
      : []),
  ];
  let server: RunningServer;
  try {
    server = await launch(kind, { env: dataDir ? parleyEnv(dataDir) : {}, nodeArgs });
  } catch (error) {
    outcome.startError = error instanceof Error ? error.message : String(error);
    problems.push(`${label}: the server did not start: ${outcome.startError}`);
    if (dataDir) {
      rmSync(dataDir, { recursive: true, force: true });
    }
    return outcome;
  }
  let stopping = false;
  void server.exited.then(({ code, signal }) => {
    if (!stopping) {
      outcome.exitedEarly = `exited with ${code ?? signal} during the run`;
      problems.push(`${label}: the server ${outcome.exitedEarly}`);
    }
  });
  outcome.pinned = pin(server.pid, SERVER_CORE);
  console.log(`\n[${label}] ${kind} server pid ${server.pid} at ${server.url}, ${outcome.pinned}`);
  const load = new LoadGenerator(server.url, AUTH, !args['ws-receiver']);
  try {
    await sleep(1000); // Warm-up: let start-up work (JIT, lazy modules, first GCs) settle.
    outcome.rssBeforeKb = rssKb(server.pid);
    const connect = await load.connect({
      clients: scenario.clients,
      concurrency: CONNECT_CONCURRENCY,
      deadlineMs: scenario.connectDeadlineMs,
    });
    outcome.connect = connect;
    console.log(`[${label}] ${describeConnect(connect, scenario)}`);
    if (load.ownReaderFallbacks > 0) {
      warnings.push(
        `${label}: ${load.ownReaderFallbacks} connections fell back to ws's receiver (ws internals changed?)`,
      );
    }
    if (load.sharedReadFallbacks > 0) {
      warnings.push(
        `${label}: ${load.sharedReadFallbacks} connections read through Node's stream after all (net.Socket internals changed?)`,
      );
    }
    if (connect.connected < scenario.clients) {
      outcome.skipped = `only ${connect.connected} of ${scenario.clients} connected within ${scenario.connectDeadlineMs / 1000} s`;
      (QUICK ? problems : warnings).push(`${label}: ${outcome.skipped} (${failureList(connect)})`);
      return outcome;
    }
    await sleep(IDLE_MS);
    outcome.rssConnectedKb = rssKb(server.pid);
    for (const [i, rate] of scenario.rates.entries()) {
      if (outcome.exitedEarly) {
        break;
      }
      if (i > 0) {
        await sleep(2000);
      }
      const run = await load.run({
        rate,
        warmupS: scenario.warmupS,
        durationS: scenario.durationS,
        senders: scenario.senders,
        drainMs: DRAIN_MS,
        serverPid: server.pid,
        serverCore: SERVER_CORE,
        loadCore: LOAD_CORE,
      });
      outcome.runs.push(run);
      console.log(`[${label}] ${describeRun(run)}`);
      checkRun(label, run);
      if (!run.drained) {
        const waited = await load.quiet(500, 60_000);
        console.log(`[${label}]   backlog: waited ${secs(waited / 1000)} more for it to clear`);
      }
    }
  } finally {
    stopping = true;
    // The server first: closing the clients first would have the bare server broadcast one
    // `user_left` per client to all the others.
    await stopServer(server);
    load.close();
    if (dataDir) {
      rmSync(dataDir, { recursive: true, force: true });
    }
    outcome.serverOutput = server
      .output()
      .split('\n')
      .filter((line) => line.trim() !== '' && !/Listening on http/.test(line));
    if (profileDir) {
      outcome.profile = join(profileDir, profileName);
      console.log(`[${label}] CPU profile: ${outcome.profile}`);
    }
    if (outcome.serverOutput.length > 0) {
      warnings.push(
        `${label}: the server printed ${outcome.serverOutput.length} line(s) (shown after its run)`,
      );
      console.log(`[${label}] server output (${outcome.serverOutput.length} lines):`);
      for (const line of outcome.serverOutput.slice(0, 20)) {
        console.log(`  | ${line.length > 400 ? `${line.slice(0, 400)}…` : line}`);
      }
    }
  }
  return outcome;
}

function checkRun(label: string, run: RunResult): void {
  const where = `${label} at ${run.rate} msg/s`;
  if (run.duplicates > 0) {
    problems.push(`${where}: ${run.duplicates} deliveries arrived twice`);
  }
  if (QUICK && (run.missing > 0 || run.unsent > 0)) {
    problems.push(
      `${where}: ${run.missing} of ${run.expected} deliveries lost (${run.unsent} unsent)`,
    );
  }
  // At full rates a refusal or a drop is a finding to report, not a broken benchmark.
  if (run.acksRefused > 0) {
    (QUICK ? problems : warnings).push(
      `${where}: ${run.acksRefused} sends refused (${mapList(run.refusals)})`,
    );
  }
  if (run.disconnects > 0) {
    (QUICK ? problems : warnings).push(`${where}: ${run.disconnects} clients disconnected`);
  }
  if (run.loadCpuPct >= LOAD_CPU_WARNING_PCT) {
    warnings.push(
      `${where}: the load generator used ${pct(run.loadCpuPct)} of its core: the figures may be load-generator bound`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Formatting

const loadPinned = pin(process.pid, LOAD_CORE);
const machine = machineDescription();
const started = new Date();
console.log(`Parley fan-out benchmark${QUICK ? ' (quick)' : ''}, ${started.toISOString()}`);
console.log(`Machine: ${machine}`);
console.log(`Load generator pid ${process.pid}: ${loadPinned}; servers: CPU 0`);
if (args.env.length > 0) {
  console.log(`Parley variant: ${args.env.join(' ')}`);
}

// Anything else running skews every figure: say so.
const idle0 = cpuCoreTicks();
await sleep(1000);
const idle1 = cpuCoreTicks();
const background = [SERVER_CORE, LOAD_CORE].map((core) => coreBusyPct(idle0, idle1, core));
console.log(
  `Background load before the run: CPU ${SERVER_CORE} ${pct(background[0] ?? NaN)} busy, CPU ${LOAD_CORE} ${pct(background[1] ?? NaN)} busy`,
);
if (background.some((busy) => busy > BACKGROUND_WARNING_PCT)) {
  warnings.push(
    `the machine was not idle before the run (CPU ${SERVER_CORE} ${pct(background[0] ?? NaN)}, CPU ${LOAD_CORE} ${pct(background[1] ?? NaN)} busy): other processes share the cores, figures are skewed`,
  );
}

const all: Outcome[][] = [];
for (const scenario of scenarios()) {
  console.log(`\n${scenarioHeading(scenario)}`);
  const outcomes: Outcome[] = [];
  for (const kind of scenario.kinds) {
    outcomes.push(await runScenario(scenario, kind));
    await sleep(1000);
  }
  all.push(outcomes);
}

const text: string[] = [];
const markdown: string[] = [
  `### Fan-out: Parley vs bare Socket.IO${QUICK ? ' (quick)' : ''}`,
  '',
  `${started.toISOString().slice(0, 10)}: ${machine}. Server pinned to ${all.flat()[0]?.pinned ?? '?'}, ` +
    `load generator to ${loadPinned}. Messages of ~100 characters in one room; everyone (the sender ` +
    `too) gets each one. Each window follows a warm-up at the same rate, unmeasured. ` +
    `Latency: send → receipt, one monotonic clock. Missing: not arrived ` +
    `${DRAIN_MS / 1000} s after the sending window closed. Server CPU: user+system time of the ` +
    `server process over the window; core busy: the whole core (softirq and anything else too); ` +
    `CPU µs/deliv: server CPU time per delivery, window plus drain. KB/conn: RSS growth from ` +
    `empty to N connected clients idle for ${IDLE_MS / 1000} s.`,
];
for (const outcomes of all) {
  const scenario = outcomes[0]?.scenario;
  if (!scenario) {
    continue;
  }
  const tables = [connectTable(outcomes), runTable(outcomes)];
  const ratios = ratioTable(outcomes);
  text.push('', scenarioHeading(scenario), '', renderText(tables[0]!), '', renderText(tables[1]!));
  markdown.push('', `#### ${scenarioHeading(scenario)}`, '', renderMarkdown(tables[0]!), '');
  markdown.push(renderMarkdown(tables[1]!));
  if (ratios) {
    text.push('', renderText(ratios));
    markdown.push('', renderMarkdown(ratios));
  }
}
if (warnings.length > 0) {
  text.push('', 'Warnings:', ...warnings.map((w) => `  - ${w}`));
  markdown.push('', ...warnings.map((w) => `- ${w}`));
}

console.log(`\n${'='.repeat(100)}\nResults`);
console.log(text.join('\n'));
const markdownText = `${markdown.join('\n')}\n`;
console.log(
  `\n----- markdown (for docs/performance.md) -----\n${markdownText}----- end of markdown -----`,
);
const resultsDir = fileURLToPath(new URL('../results/', import.meta.url));
mkdirSync(resultsDir, { recursive: true });
const resultsFile = join(resultsDir, QUICK ? 'latest-quick.md' : 'latest.md');
writeFileSync(resultsFile, markdownText);
console.log(`Written to ${resultsFile}`);

if (problems.length > 0) {
  console.error(`\n${problems.length} problem(s):`);
  for (const problem of problems) {
    console.error(`  - ${problem}`);
  }
  process.exit(1);
}
// Sockets that took their time closing must not hold the process (or CI) open.
process.exit(0);
