import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, release } from 'node:os';

/** USER_HZ: the unit of utime/stime in /proc/<pid>/stat (100 on every Linux we run on). */
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU time (user + system, all threads) a process has used so far, in seconds. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces: the fields start after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return NaN; // The process is gone.
  }
}

/** Resident memory of a process (VmRSS), in KB. */
export function rssKb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) : NaN;
  } catch {
    return NaN; // The process is gone.
  }
}

/** This process's CPU time so far (user + system), in seconds. */
export function ownCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/**
 * Pins every thread of `pid` to `cpu` with taskset (`-a`: all threads; threads started later
 * inherit the affinity). Returns what happened, for the report; never throws.
 */
export function pin(pid: number, cpu: number): string {
  if (cpus().length <= cpu) {
    return `not pinned (only ${cpus().length} CPU)`;
  }
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
    return `CPU ${cpu}`;
  } catch (error) {
    return `not pinned (taskset failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)})`;
  }
}

/** One line: CPU model, cores, Node and kernel versions. */
export function machineDescription(): string {
  let model = cpus()[0]?.model ?? 'unknown CPU';
  try {
    const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
    model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? model;
  } catch {
    // Not Linux: os.cpus() is good enough.
  }
  return `${model}, ${cpus().length} cores, Node ${process.version}, Linux ${release()}`;
}

/** Busy and total time of each CPU so far (from /proc/stat), in ticks; busy includes softirq. */
export function cpuCoreTicks(): Array<{ busy: number; total: number }> {
  try {
    const lines = readFileSync('/proc/stat', 'utf8').split('\n');
    const cores: Array<{ busy: number; total: number }> = [];
    for (const line of lines) {
      const match = /^cpu(\d+)\s+(.*)$/.exec(line);
      if (!match?.[2]) {
        continue;
      }
      // user nice system idle iowait irq softirq steal …
      const values = match[2].split(/\s+/).slice(0, 8).map(Number);
      const total = values.reduce((sum, value) => sum + value, 0);
      const idle = (values[3] ?? 0) + (values[4] ?? 0);
      cores[Number(match[1])] = { busy: total - idle, total };
    }
    return cores;
  } catch {
    return [];
  }
}

/** Percent busy of core `cpu` between two `cpuCoreTicks()` readings. */
export function coreBusyPct(
  before: Array<{ busy: number; total: number }>,
  after: Array<{ busy: number; total: number }>,
  cpu: number,
): number {
  const a = before[cpu];
  const b = after[cpu];
  return a && b && b.total > a.total ? ((b.busy - a.busy) / (b.total - a.total)) * 100 : NaN;
}
