/**
 * The fan-out bench's report: the tables (text for the terminal, markdown for
 * docs/performance.md) of what each server kind did in each scenario, and the ratios.
 */
import type { ConnectResult, RunResult } from './load/load-generator.js';
import type { ServerKind } from './servers.js';

/** One scenario of the bench (see fanout.ts). */
export interface Scenario {
  id: 'A' | 'B';
  title: string;
  clients: number;
  senders: number;
  rates: number[];
  /** Unmeasured sending at each rate before its window. */
  warmupS: number;
  durationS: number;
  connectDeadlineMs: number;
  kinds: ServerKind[];
}

/** What one server kind did in one scenario. */
export interface Outcome {
  scenario: Scenario;
  kind: ServerKind;
  startError?: string;
  pinned?: string;
  connect?: ConnectResult;
  rssBeforeKb?: number;
  rssConnectedKb?: number;
  runs: RunResult[];
  /** Why the sending phase did not run, if it did not. */
  skipped?: string;
  exitedEarly?: string;
  serverOutput: string[];
  profile?: string;
}

const fmt = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : '—');
const int = (value: number) =>
  Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '—';
export const pct = (value: number) => (Number.isFinite(value) ? `${value.toFixed(0)} %` : '—');
export const secs = (value: number) => (Number.isFinite(value) ? `${value.toFixed(1)} s` : '—');
const ms = (value: number) =>
  !Number.isFinite(value)
    ? '—'
    : value < 10
      ? value.toFixed(2)
      : value < 100
        ? value.toFixed(1)
        : value.toFixed(0);
const ratio = (a: number, b: number) => {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) {
    return '—';
  }
  const r = a / b;
  return `${r >= 10 ? r.toFixed(1) : r >= 0.1 ? r.toFixed(2) : r.toPrecision(2)}×`;
};
export const mapList = (map: Map<string, number>) =>
  [...map].map(([key, count]) => `${key} ×${count}`).join(', ');
export const failureList = (connect: ConnectResult) =>
  [
    mapList(connect.failures),
    connect.timedOut > 0 ? `not connected by the deadline ×${connect.timedOut}` : '',
  ]
    .filter(Boolean)
    .join(', ') || 'no failures';
const kbPerConnection = (outcome: Outcome) =>
  outcome.rssBeforeKb !== undefined &&
  outcome.rssConnectedKb !== undefined &&
  outcome.connect &&
  outcome.connect.connected > 0
    ? (outcome.rssConnectedKb - outcome.rssBeforeKb) / outcome.connect.connected
    : NaN;

/** Acks `ok/refused`, and how many sends had no answer when the run ended. */
function acks(run: RunResult): string {
  const unanswered = run.sent - run.unsent - run.acksOk - run.acksRefused;
  return `${run.acksOk}/${run.acksRefused}${unanswered > 0 ? ` (${unanswered} unanswered)` : ''}`;
}

export function describeConnect(connect: ConnectResult, scenario: Scenario): string {
  return (
    `connected ${connect.connected}/${connect.requested} in ${secs(connect.seconds)} ` +
    `(deadline ${scenario.connectDeadlineMs / 1000} s; connect p50 ${ms(connect.connectMs.p50)} ms, ` +
    `p99 ${ms(connect.connectMs.p99)} ms); failures: ${failureList(connect)}`
  );
}

export function describeRun(run: RunResult): string {
  return (
    `${run.rate} msg/s × ${run.clients} clients: delivered ${int(run.deliveredPerSecond)}/s of ` +
    `${int(run.offeredPerSecond)}/s offered, p50 ${ms(run.latencyMs.p50)} ms, p99 ${ms(run.latencyMs.p99)} ms, ` +
    `missing ${int(run.missing)}, acks ok/refused ${acks(run)} (p99 ${ms(run.ackMs.p99)} ms), server CPU ${pct(run.serverCpuPct)}, ` +
    `frames in ${int(run.framesPerSecond)}/s, loadgen CPU ${pct(run.loadCpuPct)} (cores busy: server ${pct(run.serverCoreBusyPct)}, loadgen ${pct(run.loadCoreBusyPct)})`
  );
}

export type Table = { head: string[]; rows: string[][] };

/** Columns of words, aligned left; the rest (figures) align right. */
const LEFT_ALIGNED = new Set(['server', 'failures', 'notes', 'parley / bare']);

export function renderText({ head, rows }: Table): string {
  const widths = head.map((cell, i) =>
    Math.max(cell.length, ...rows.map((row) => row[i]?.length ?? 0)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, i) =>
        LEFT_ALIGNED.has(head[i] ?? '')
          ? cell.padEnd(widths[i] ?? 0)
          : cell.padStart(widths[i] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)]
    .map((l) => `  ${l}`)
    .join('\n');
}

export function renderMarkdown({ head, rows }: Table): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const rule = head.map((cell) => (LEFT_ALIGNED.has(cell) ? '---' : '---:'));
  return [line(head), line(rule), ...rows.map(line)].join('\n');
}

export function connectTable(outcomes: Outcome[]): Table {
  return {
    head: [
      'server',
      'connected',
      'in',
      'connect p50 ms',
      'p99 ms',
      'failures',
      'RSS empty MB',
      'RSS connected MB',
      'KB/conn',
    ],
    rows: outcomes.map((o) => [
      o.kind,
      o.startError ? 'did not start' : `${o.connect?.connected ?? 0}/${o.scenario.clients}`,
      o.connect ? secs(o.connect.seconds) : '—',
      ms(o.connect?.connectMs.p50 ?? NaN),
      ms(o.connect?.connectMs.p99 ?? NaN),
      o.connect ? failureList(o.connect) : '—',
      fmt((o.rssBeforeKb ?? NaN) / 1024, 1),
      fmt((o.rssConnectedKb ?? NaN) / 1024, 1),
      fmt(kbPerConnection(o), 1),
    ]),
  };
}

export function runTable(outcomes: Outcome[]): Table {
  const rows: string[][] = [];
  for (const o of outcomes) {
    if (o.runs.length === 0) {
      rows.push([
        o.kind,
        o.scenario.rates.join(', '),
        ...Array<string>(14).fill('—'),
        o.startError ? 'did not start' : (o.skipped ?? o.exitedEarly ?? 'not run'),
      ]);
    }
    for (const run of o.runs) {
      rows.push([
        o.kind,
        String(run.rate),
        int(run.offeredPerSecond),
        int(run.deliveredPerSecond),
        ms(run.latencyMs.p50),
        ms(run.latencyMs.p90),
        ms(run.latencyMs.p99),
        ms(run.latencyMs.max),
        `${int(run.missing)} (${fmt(run.missingPct, 2)} %)`,
        acks(run),
        `${ms(run.ackMs.p50)}/${ms(run.ackMs.p99)}`,
        pct(run.serverCpuPct),
        pct(run.serverCoreBusyPct),
        fmt(run.serverCpuUsPerDelivery, 2),
        pct(run.loadCpuPct),
        pct(run.loadCoreBusyPct),
        [
          run.drained ? '' : 'backlog at drain deadline',
          run.refusals.size > 0 ? `refused: ${mapList(run.refusals)}` : '',
          run.disconnects > 0 ? `${run.disconnects} disconnects` : '',
          run.duplicates > 0 ? `${run.duplicates} duplicates` : '',
          run.late > 0 ? `${int(run.late)} late from the previous rate` : '',
        ]
          .filter(Boolean)
          .join('; '),
      ]);
    }
  }
  return {
    head: [
      'server',
      'msg/s',
      'offered deliv/s',
      'delivered/s',
      'p50 ms',
      'p90 ms',
      'p99 ms',
      'max ms',
      'missing',
      'acks ok/refused',
      'ack p50/p99 ms',
      'server CPU',
      'core 0 busy',
      'CPU µs/deliv',
      'loadgen CPU',
      'core 1 busy',
      'notes',
    ],
    rows,
  };
}

export function ratioTable(outcomes: Outcome[]): Table | undefined {
  const parley = outcomes.find((o) => o.kind === 'parley');
  const bare = outcomes.find((o) => o.kind === 'bare');
  if (!parley || !bare) {
    return undefined;
  }
  const rows: string[][] = [];
  for (const run of parley.runs) {
    const other = bare.runs.find((r) => r.rate === run.rate);
    rows.push([
      `${run.rate} msg/s`,
      ratio(run.deliveredPerSecond, other?.deliveredPerSecond ?? NaN),
      ratio(run.latencyMs.p99, other?.latencyMs.p99 ?? NaN),
      ratio(run.serverCpuUsPerDelivery, other?.serverCpuUsPerDelivery ?? NaN),
      '',
      '',
    ]);
  }
  const allConnected = (o: Outcome) => o.connect?.connected === o.scenario.clients;
  let connectRatio = '—';
  if (parley.connect && bare.connect && allConnected(parley) && allConnected(bare)) {
    connectRatio = ratio(parley.connect.seconds, bare.connect.seconds);
  } else if (parley.connect && bare.connect && allConnected(parley)) {
    // Bare ran out of time: its real figure is longer than the deadline.
    connectRatio = `< ${ratio(parley.connect.seconds, bare.connect.seconds)} (bare did not finish)`;
  }
  rows.push([
    `${int(parley.scenario.clients)} connected`,
    '',
    '',
    '',
    ratio(kbPerConnection(parley), kbPerConnection(bare)),
    connectRatio,
  ]);
  return {
    head: [
      'parley / bare',
      'delivered/s',
      'p99 latency',
      'CPU µs/delivery',
      'RSS/connection',
      'time to connect all',
    ],
    rows,
  };
}

export function scenarioHeading(scenario: Scenario): string {
  return (
    `Scenario ${scenario.id} (${scenario.title}): ${int(scenario.clients)} clients in one room, ` +
    `${scenario.senders} senders, ${scenario.rates.join('/')} msg/s for ${scenario.durationS} s each ` +
    `(after ${scenario.warmupS} s unmeasured), ` +
    `connect deadline ${scenario.connectDeadlineMs / 1000} s`
  );
}

// ---------------------------------------------------------------------------------------------
