import { seededRandom } from './seeded-random';
import { median } from './timing';

/** The q-quantile (0..1) of `values`, linear between ranks. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  return sorted[lo] + (sorted[Math.ceil(pos)] - sorted[lo]) * (pos - lo);
}

/** A ratio over rounds: the median of the per-round ratios, their interquartile range, and how far the median may move. */
export interface RatioSummary {
  median: number;
  p25: number;
  p75: number;
  /**
   * Half-width of a 95% bootstrap interval of the median (2,000 resamples of
   * the rounds, fixed seed). Two runs of the same code on the same machine
   * land within about twice this of each other; ≤ 0.025 is what "two runs
   * agree within 0.05×" needs.
   */
  ci95: number;
}

/** Per-round ratios `a[r] / b[r]` (both measured in the same round) and their summary. */
export function ratioOverRounds(a: readonly number[], b: readonly number[]): RatioSummary {
  if (a.length !== b.length || a.length === 0) throw new Error('ratioOverRounds: rounds differ or none');
  const ratios = a.map((x, r) => x / b[r]);
  const m = median(ratios);
  return { median: m, p25: quantile(ratios, 0.25), p75: quantile(ratios, 0.75), ci95: bootstrapHalfWidth(ratios) };
}

function bootstrapHalfWidth(values: readonly number[], resamples = 2000): number {
  if (values.length < 2) return NaN;
  const next = seededRandom(0x5eed);
  const medians: number[] = [];
  const sample = new Array<number>(values.length);
  for (let i = 0; i < resamples; i++) {
    for (let j = 0; j < values.length; j++) sample[j] = values[Math.floor(next() * values.length)];
    medians.push(median(sample));
  }
  return (quantile(medians, 0.975) - quantile(medians, 0.025)) / 2;
}

/** `1.123x`, or `-` for a missing value. */
export function times(value: number, digits = 2): string {
  return Number.isFinite(value) ? `${value.toFixed(digits)}x` : '-';
}

/** `1.05..1.21` (an interquartile range). */
export function range(summary: RatioSummary, digits = 2): string {
  return `${summary.p25.toFixed(digits)}..${summary.p75.toFixed(digits)}`;
}
