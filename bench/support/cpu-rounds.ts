import { median } from './timing';
import { quantile } from './ratio-stats';

/** One step of a per-call micro-benchmark. */
export interface MicroStep {
  name: string;
  /** Whether `call` returns a promise to await (async steps pay one await per call, as their callers do). */
  async: boolean;
  /** Called before each round's timed loop, outside the measured time (e.g. fresh request objects for `iterations` calls). */
  prepare?: (iterations: number) => void;
  /** The measured work of call `i` of the round. */
  call: (i: number) => unknown;
  /** Wraps the timed loop, e.g. in a CLS context the step needs; the clock starts inside it. Default: none. */
  within?: (loop: () => Promise<void>) => Promise<void>;
}

export interface MicroResult {
  name: string;
  /** Median over rounds of CPU µs per call (user + system of the whole process), with the interquartile range. */
  cpuUs: number;
  cpuP25: number;
  cpuP75: number;
  /** Median over rounds of wall-clock µs per call. */
  wallUs: number;
}

/**
 * Times each step over `iterations` calls per round, for `rounds` rounds
 * after one warm-up round, the steps' order rotated every round so load that
 * drifts over seconds is shared. CPU comes from `process.cpuUsage()` around
 * the whole loop (its resolution is a microsecond, so the loop must be long),
 * and includes what the calls make the process do meanwhile (garbage
 * collection, promise jobs).
 */
export async function microRounds(
  steps: MicroStep[],
  options: { rounds: number; iterations: number },
): Promise<MicroResult[]> {
  const cpu = steps.map(() => [] as number[]);
  const wall = steps.map(() => [] as number[]);
  const n = options.iterations;
  for (let round = 0; round <= options.rounds; round++) {
    for (let j = 0; j < steps.length; j++) {
      const s = (j + round) % steps.length;
      const step = steps[s];
      step.prepare?.(n);
      let used = { cpu: 0, wall: 0 };
      const loop = async () => {
        const c0 = process.cpuUsage();
        const t0 = process.hrtime.bigint();
        if (step.async) for (let i = 0; i < n; i++) await step.call(i);
        else for (let i = 0; i < n; i++) step.call(i);
        const elapsed = Number(process.hrtime.bigint() - t0) / 1000;
        const c = process.cpuUsage(c0);
        used = { cpu: c.user + c.system, wall: elapsed };
      };
      await (step.within ? step.within(loop) : loop());
      if (round === 0) continue; // warm-up: JIT, caches
      cpu[s].push(used.cpu / n);
      wall[s].push(used.wall / n);
    }
  }
  return steps.map((step, s) => ({
    name: step.name,
    cpuUs: median(cpu[s]),
    cpuP25: quantile(cpu[s], 0.25),
    cpuP75: quantile(cpu[s], 0.75),
    wallUs: median(wall[s]),
  }));
}
