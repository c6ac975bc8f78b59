import { cpus, loadavg } from 'node:os';

/** A number from the environment, or `fallback`; anything else than a positive number is an error, not a silent default. */
export function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name}=${raw}: expected a positive number`);
  return value;
}

/** A comma-separated list from the environment, each entry one of `allowed`; `fallback` when unset. */
export function envList<T extends string>(name: string, allowed: readonly T[], fallback: readonly T[] = allowed): T[] {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return [...fallback];
  const given = raw.split(',').map((s) => s.trim());
  const unknown = given.filter((s) => !allowed.includes(s as T));
  if (unknown.length) throw new Error(`${name}: unknown ${unknown.join(', ')}; expected some of ${allowed.join(', ')}`);
  return given as T[];
}

/**
 * Node version, CPU count and load averages: print them with every table. On
 * a 2-core machine a load above about 1 means other processes shared the CPUs
 * with the bench, and absolute µs (less so ratios) are inflated.
 */
export function machineLine(): string {
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  return `Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? 'unknown'}), load average ${load} (1/5/15 min)`;
}

/** `PASS` when `value <= goal`, else `MISS`. */
export function passMiss(value: number, goal: number): 'PASS' | 'MISS' {
  return value <= goal ? 'PASS' : 'MISS';
}
