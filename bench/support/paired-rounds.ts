import { quantile } from './ratio-stats';
import { seededRandom, shuffle } from './seeded-random';
import { median } from './timing';

/** A way to run one query, measured in blocks. */
export interface PairedVariant {
  name: string;
  /** Wraps a block of queries, e.g. in `TenantContext.run`. */
  run: <T>(fn: () => Promise<T>) => Promise<T>;
  query: () => Promise<unknown>;
  /** Name of the variant this one is compared with. Default: the first. */
  baseline?: string;
}

export interface PairedResult {
  name: string;
  baseline: string;
  /** Median of the round means, µs per query (wall clock). */
  wallUs: number;
  /** Median of the round means, µs of this process's CPU (user + system) per query. */
  cpuUs: number;
  /** Median, 25th and 75th percentile of (this / baseline) over rounds, wall clock. */
  ratio: number;
  ratioP25: number;
  ratioP75: number;
  /** Median of (this / baseline) over rounds, CPU. */
  cpuRatio: number;
  /** Median of (this - baseline) over rounds, µs wall and CPU. */
  overheadUs: number;
  cpuOverheadUs: number;
  /** This variant's mean per query in each measured round (warm-up excluded), µs wall and CPU: for ratios to any other variant (see ratio-stats.ts). */
  wallRounds: number[];
  cpuRounds: number[];
}

/** Settings of `pairedRounds`. */
export interface PairedOptions {
  rounds: number;
  /** Queries per variant per round. */
  n: number;
  /** Take turns every `block` queries within a round instead of running each variant's `n` in one go. */
  interleave?: boolean;
  /** Queries per turn when interleaving. Default: 20. */
  block?: number;
  /** Called after every round (the warm-up too), outside the measured time: e.g. to delete the rows a `create` bench added. */
  afterRound?: (round: number) => Promise<void>;
}

/**
 * Runs `n` sequential queries per variant per round, for `rounds` rounds after
 * one warm-up round, rotating the order of the variants every round. Each
 * variant is compared with the first (the baseline) measured in the same
 * round (or with its own `baseline`), so load that drifts over seconds (other processes on a 2-core
 * machine) cancels out of the ratio; the median over rounds is reported, with
 * the interquartile range as the noise band.
 */
export async function pairedRounds(variants: PairedVariant[], options: PairedOptions): Promise<PairedResult[]> {
  const wall = variants.map(() => [] as number[]);
  const cpu = variants.map(() => [] as number[]);
  if (options.interleave) return summarise(variants, await interleavedRounds(variants, options));
  for (let round = 0; round <= options.rounds; round++) {
    for (let j = 0; j < variants.length; j++) {
      const i = (j + round) % variants.length;
      const v = variants[i];
      const { wallUs, cpuUs } = await v.run(async () => {
        const c0 = process.cpuUsage();
        const t0 = process.hrtime.bigint();
        for (let k = 0; k < options.n; k++) await v.query();
        const elapsed = Number(process.hrtime.bigint() - t0) / 1000;
        const c = process.cpuUsage(c0);
        return { wallUs: elapsed / options.n, cpuUs: (c.user + c.system) / options.n };
      });
      if (round > 0) {
        wall[i].push(wallUs);
        cpu[i].push(cpuUs);
      }
    }
    await options.afterRound?.(round);
  }
  return summarise(variants, { wall, cpu });
}

/**
 * Like the blocked rounds, but the variants take turns every `block` queries,
 * each turn inside its own `run`: load that changes within tens of
 * milliseconds hits every variant alike, so the per-round ratios are much
 * tighter on a busy 2-core machine, while `run` (e.g. entering a tenant
 * context) is paid once per turn, not per query.
 *
 * The order is shuffled every turn, not rotated: with a rotation every variant
 * always follows the same neighbour, and a variant that follows one on the
 * same pg pool (warm backend, warm caches) looked up to 0.3x faster than one
 * that follows a variant on another pool. A fresh permutation per turn gives
 * every variant every predecessor alike. The shuffle is seeded, so runs repeat.
 */
async function interleavedRounds(
  variants: PairedVariant[],
  options: PairedOptions,
): Promise<{ wall: number[][]; cpu: number[][] }> {
  const block = Math.max(1, Math.min(options.block ?? 20, options.n));
  const turns = Math.ceil(options.n / block);
  const wall = variants.map(() => [] as number[]);
  const cpu = variants.map(() => [] as number[]);
  const random = seededRandom(0x5eed);
  const order = variants.map((_, i) => i);
  for (let round = 0; round <= options.rounds; round++) {
    const w = variants.map(() => 0);
    const c = variants.map(() => 0);
    for (let turn = 0; turn < turns; turn++) {
      shuffle(order, random);
      for (const i of order) {
        const v = variants[i];
        const used = await v.run(async () => {
          const c0 = process.cpuUsage();
          const t0 = process.hrtime.bigint();
          for (let k = 0; k < block; k++) await v.query();
          const elapsed = Number(process.hrtime.bigint() - t0) / 1000;
          const cu = process.cpuUsage(c0);
          return { elapsed, cpu: cu.user + cu.system };
        });
        w[i] += used.elapsed;
        c[i] += used.cpu;
      }
    }
    await options.afterRound?.(round);
    if (round === 0) continue; // warm-up
    for (let i = 0; i < variants.length; i++) {
      wall[i].push(w[i] / (turns * block));
      cpu[i].push(c[i] / (turns * block));
    }
  }
  return { wall, cpu };
}

function summarise(variants: PairedVariant[], { wall, cpu }: { wall: number[][]; cpu: number[][] }): PairedResult[] {
  return variants.map((v, i) => {
    const b = v.baseline === undefined ? 0 : variants.findIndex((x) => x.name === v.baseline);
    if (b < 0) throw new Error(`no baseline variant named "${v.baseline}"`);
    const ratios = wall[i].map((w, r) => w / wall[b][r]);
    return {
      name: v.name,
      baseline: variants[b].name,
      wallUs: median(wall[i]),
      cpuUs: median(cpu[i]),
      ratio: median(ratios),
      ratioP25: quantile(ratios, 0.25),
      ratioP75: quantile(ratios, 0.75),
      cpuRatio: median(cpu[i].map((c, r) => c / cpu[b][r])),
      overheadUs: median(wall[i].map((w, r) => w - wall[b][r])),
      cpuOverheadUs: median(cpu[i].map((c, r) => c - cpu[b][r])),
      wallRounds: wall[i],
      cpuRounds: cpu[i],
    };
  });
}
