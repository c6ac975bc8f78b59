// CPU time of processes, read from Linux's /proc: the HTTP benchmark's server
// child and PostgreSQL's backends. On a 2-core machine PostgreSQL's share of
// each request comes out of the same CPUs as the server's, so the table shows
// both. Elsewhere (no /proc) every reading is undefined and the columns print '-'.
import { readdirSync, readFileSync } from 'node:fs';

// USER_HZ: /proc reports clock ticks of 10 ms on every Linux build Node supports.
const US_PER_TICK = 10_000;

/** User + system CPU of one process since it started, µs; undefined when unreadable. */
export function processCpuUs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    // Fields after the command name (which may hold spaces), from field 3 on: utime is 14, stime 15.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * US_PER_TICK;
  } catch {
    return undefined;
  }
}

/** Summed CPU of every process named `postgres` (the server and its backends), µs; undefined without /proc. */
export function postgresCpuUs(): number | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  let total = 0;
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
    } catch {
      continue; // exited meanwhile
    }
    total += processCpuUs(Number(entry)) ?? 0;
  }
  return total;
}
