// CPU time of processes, read from Linux's /proc: the HTTP benchmark's server
// child and PostgreSQL's backends. On a 2-core machine PostgreSQL's share of
// each request comes out of the same CPUs as the server's, so the table shows
// both. Elsewhere (no /proc) every reading is undefined and the columns print '-'.
import { readdirSync, readFileSync } from 'node:fs';

// USER_HZ: /proc reports clock ticks of 10 ms on every Linux build Node supports.
const US_PER_TICK = 10_000;

/** The fields of /proc/<pid>/stat after the command name (which may hold spaces): index 0 is field 3. */
function statFields(pid: number | string): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  } catch {
    return undefined; // no /proc, or the process exited meanwhile
  }
}

/** User + system CPU of one process since it started, µs; undefined when unreadable. */
export function processCpuUs(pid: number | undefined): number | undefined {
  const fields = pid === undefined ? undefined : statFields(pid);
  // utime and stime are fields 14 and 15.
  return fields && (Number(fields[11]) + Number(fields[12])) * US_PER_TICK;
}

/**
 * CPU of PostgreSQL, µs, undefined without /proc: every process named
 * `postgres`, plus, for the postmaster, the CPU of the backends that have
 * exited (its cutime and cstime, fields 16 and 17: a backend's time moves
 * there when the postmaster reaps it). Without those, a backend closed
 * between two readings (a pool's idle timeout) would make the difference
 * negative.
 */
export function postgresCpuUs(): number | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  const postgres = new Map<number, string[]>();
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(entry);
    // The command name sits between the pid and these fields: read it from comm.
    if (!fields) continue;
    let comm: string;
    try {
      comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
    } catch {
      continue;
    }
    if (comm === 'postgres') postgres.set(Number(entry), fields);
  }
  let total = 0;
  for (const fields of postgres.values()) {
    total += Number(fields[11]) + Number(fields[12]);
    // ppid is field 4: a postgres process whose parent is not one is the postmaster.
    if (!postgres.has(Number(fields[1]))) total += Number(fields[13]) + Number(fields[14]);
  }
  return total * US_PER_TICK;
}
