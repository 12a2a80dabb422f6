import { performance } from 'node:perf_hooks';

/**
 * Calls `send(i)` for i = 0, 1, … at `rate` per second for `durationS` seconds, drift-free:
 * every tick sends whatever the schedule says is due by then. Resolves when all are sent.
 */
export function pace(rate: number, durationS: number, send: (i: number) => void): Promise<void> {
  const total = Math.round(rate * durationS);
  const started = performance.now();
  let sent = 0;
  return new Promise<void>((resolve) => {
    const tick = () => {
      const elapsed = (performance.now() - started) / 1000;
      const due = elapsed >= durationS ? total : Math.min(total, Math.round(rate * elapsed));
      while (sent < due) {
        send(sent++);
      }
      if (sent >= total) {
        clearInterval(timer);
        resolve();
      }
    };
    const timer = setInterval(tick, 1);
    tick();
  });
}
