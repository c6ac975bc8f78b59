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

/**
 * A pool's use of a StatementCache, and what it does when a named statement
 * fails. Shared by the RLS pool and the schema and database strategies'
 * tenant views, so each runs Prisma's statements under the same names and
 * turns the cache off the same way behind a pooler that drops them.
 */
export class NamedStatements {
  // Undefined when off (asked for, or turned off): statements stay unnamed, as Prisma's adapter sends them.
  private cache?: StatementCache;

  constructor(
    size: number,
    /** The option that sets the size, named in the warning. */
    private readonly option: string,
    /** Called once if the cache turns itself off (see afterFailure). */
    private readonly onOff?: (reason: string) => void,
  ) {
    if (size > 0) this.cache = new StatementCache(size);
  }

  /** Whether statements are named (false once turned off). */
  get enabled(): boolean {
    return this.cache !== undefined;
  }

  /** `config` under its prepared name on `client`, when the cache is on and the statement has no name of its own. */
  named(client: PoolClient, config: QueryArg): NamedStatement | undefined {
    if (!this.cache) return undefined;
    const base: QueryConfig = typeof config === 'string' ? { text: config } : config;
    if (base.name) return undefined;
    const { name, close } = this.cache.use(client, base.text);
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
        `the server lost a prepared statement between two transactions (${(error as Error).message}): ` +
          'a transaction pooler that does not keep named statements per client (PgBouncer before 1.21, or ' +
          'max_prepared_statements = 0) is in front of the database. Statements run unnamed from now on; ' +
          `set ${this.option}: 0 to start that way.`,
      );
    }
    return failure !== undefined;
  }
}
