import type { PoolClient, QueryConfig } from 'pg';
import type { QueryArg } from './pipelined-settings';
import { isParsed, preparedStatementFailure, StatementCache } from './prepared-statements';
import { markForReset } from './session-reset';

/** A statement under its prepared name on one connection (see NamedStatements.named). */
export interface NamedStatement {
  config: QueryConfig;
  /** The least recently used statement to close first, when the connection is full. */
  close?: string;
  /** Whether this run parses it (it was not prepared on the connection yet). */
  parsing: boolean;
}

// Misses among recent lookups (a moving average over about 64) past which the cache is
// thrashing, and under which it is not any more: apart, so that admitting freely again
// cannot at once bring back the misses that stopped it (a cycle one statement too long).
const THRASHING = 0.5;
const SETTLED = 0.1;
const MISS_WEIGHT = 1 / 64;
// While thrashing, one miss in this many is admitted (prepared); the others run unnamed.
const ADMIT_ONE_IN = 16;

/** What the cache did so far (for tests and benchmarks). */
export interface NamedStatementStats {
  /** Statements that ran under a name already prepared on their connection. */
  hits: number;
  /** Statements prepared on their connection as they ran (parsed under a name). */
  admitted: number;
  /** Statements that ran unnamed because the cache was thrashing. */
  passed: number;
}

/**
 * A pool's use of a StatementCache: which statements to name, and what to do
 * when a named statement fails. Shared by the RLS pool and the schema and
 * database strategies' tenant views, so each runs Prisma's statements under
 * the same names and turns the cache off the same way behind a pooler that
 * drops them.
 *
 * Admission: a plain LRU whose working set does not fit (the schema
 * strategy's shared pool serving more tenants' statements than the size, each
 * tenant's SQL naming its own schema) misses on every statement, and then
 * costs PostgreSQL more than unnamed statements: a named parse and a Close
 * for each. So once most recent lookups miss, only one miss in
 * `ADMIT_ONE_IN` is prepared and the rest run unnamed; the cache then
 * settles on statements that come back, and admits freely again once
 * nearly all lookups hit.
 */
export class NamedStatements {
  // Undefined when off (asked for, or turned off): statements stay unnamed, as Prisma's adapter sends them.
  private cache?: StatementCache;
  // Moving average of misses among lookups (see THRASHING).
  private missRate = 0;
  private thrashing = false;
  // Misses while thrashing, to admit one in ADMIT_ONE_IN of them.
  private thrashingMisses = 0;
  private readonly counts: NamedStatementStats = { hits: 0, admitted: 0, passed: 0 };

  constructor(
    size: number,
    /** The option that sets the size, named in the warning. */
    private readonly option: string,
    /** Called once, with a warning that names the option, if the cache turns itself off (see afterFailure). */
    private readonly onOff?: (reason: string) => void,
  ) {
    if (size > 0) this.cache = new StatementCache(size);
  }

  /** Whether statements are named (false once turned off). */
  get enabled(): boolean {
    return this.cache !== undefined;
  }

  /** Counts so far (see NamedStatementStats). */
  stats(): NamedStatementStats {
    return { ...this.counts };
  }

  /**
   * `config` under its prepared name on `client`, when the cache is on, the
   * statement has no name of its own, and it is prepared there or admitted
   * now (see the class comment); undefined to run it unnamed.
   */
  named(client: PoolClient, config: QueryArg): NamedStatement | undefined {
    const cache = this.cache;
    if (!cache) return undefined;
    const base: QueryConfig = typeof config === 'string' ? { text: config } : config;
    if (base.name) return undefined;
    const name = cache.nameOf(base.text);
    const hit = cache.touch(client, name);
    this.missRate += ((hit ? 0 : 1) - this.missRate) * MISS_WEIGHT;
    if (this.missRate > THRASHING) this.thrashing = true;
    else if (this.missRate < SETTLED) this.thrashing = false;
    if (hit) {
      this.counts.hits++;
      return { config: { ...base, name }, parsing: !isParsed(client, name) };
    }
    if (this.thrashing && ++this.thrashingMisses % ADMIT_ONE_IN !== 0) {
      this.counts.passed++;
      return undefined;
    }
    this.counts.admitted++;
    const close = cache.admit(client, name);
    return { config: { ...base, name }, close, parsing: !isParsed(client, name) };
  }

  /**
   * After a named statement failed: marks the connection for reset when its
   * prepared statements are in doubt (the run parsed or closed one, or the
   * server disagreed about one). Returns whether to retry it unnamed (see
   * preparedStatementFailure). A server that lacked a statement this pool
   * prepared, or had one it did not, sits behind a transaction pooler that
   * does not keep named statements per client (PgBouncer before 1.21, or
   * without `max_prepared_statements`): the cache is turned off for good,
   * so the pool stops sending statements that fail there.
   */
  afterFailure(client: PoolClient, named: NamedStatement, error: unknown): boolean {
    const failure = preparedStatementFailure(error);
    if (failure || named.parsing || named.close) markForReset(client);
    if (failure === 'missing' && this.cache) {
      this.cache = undefined;
      this.onOff?.(
        `${this.option} turned off: the server lost a prepared statement between two transactions (${(error as Error).message}): ` +
          'a transaction pooler that does not keep named statements per client (PgBouncer before 1.21, or ' +
          'max_prepared_statements = 0) is in front of the database. Statements run unnamed from now on; ' +
          `set ${this.option}: 0 to start that way.`,
      );
    }
    return failure !== undefined;
  }
}
