import { createHash } from 'node:crypto';
import type { PoolClient } from 'pg';

// pg's own record of the statements it believes a connection has parsed (its typings omit it).
type ParsedStatements = { connection?: { parsedStatements?: Record<string, string> } };

// Per connection: the names prepared there, least recently used first. A
// connection is a unique object, so one map serves every pool.
const preparedOn = new WeakMap<PoolClient, Map<string, true>>();

// Statement texts whose name is remembered, per cache (see StatementCache.nameOf).
const NAME_MEMO_MAX = 10_000;

/**
 * Named (prepared) statements for the statements Prisma builds from model
 * operations, at most `max` per connection, least recently used closed first.
 * PostgreSQL then parses and plans a statement once per connection instead
 * of on every run (Prisma's pg adapter sends unnamed statements). Which
 * statements to admit is the caller's choice (see NamedStatements).
 *
 * A statement's name is a hash of its text, so a name always means the same
 * text: on a connection shared with other clients (a pooler) a name can be
 * missing, never bound to another statement. Nothing about the tenant is in
 * a prepared statement: the tenant is read when it runs (the policies'
 * `current_setting`), and PostgreSQL re-plans when the role, the search path,
 * row security or a table changes.
 */
export class StatementCache {
  private readonly names = new Map<string, string>();

  constructor(private readonly max: number) {}

  /** Whether `name` is prepared on `client`; if so, it becomes the most recently used there. */
  touch(client: PoolClient, name: string): boolean {
    const prepared = preparedOn.get(client);
    if (!prepared?.delete(name)) return false;
    prepared.set(name, true);
    return true;
  }

  /** Records `name` as prepared on `client`; returns the least recently used name to close when that makes one too many. */
  admit(client: PoolClient, name: string): string | undefined {
    let prepared = preparedOn.get(client);
    if (!prepared) preparedOn.set(client, (prepared = new Map()));
    prepared.set(name, true);
    if (prepared.size <= this.max) return undefined;
    const close = prepared.keys().next().value as string;
    prepared.delete(close);
    delete parsedStatements(client)?.[close];
    return close;
  }

  /** The statement name of `text`: `npt_` and its SHA-1. */
  nameOf(text: string): string {
    let name = this.names.get(text);
    if (name === undefined) {
      // 160 bits: a collision would need two statement texts chosen against SHA-1, from Prisma's own SQL.
      name = `npt_${createHash('sha1').update(text).digest('hex')}`;
      if (this.names.size >= NAME_MEMO_MAX) this.names.clear();
      this.names.set(text, name);
    }
    return name;
  }
}

/**
 * Forgets every statement prepared on `client`, on its side and pg's: after
 * `DISCARD ALL` (which deallocates them on the server), or when a failed
 * pipeline leaves it unknown which of them exist.
 */
export function forgetPreparedStatements(client: PoolClient): void {
  preparedOn.delete(client);
  const parsed = parsedStatements(client);
  if (parsed) for (const name of Object.keys(parsed)) delete parsed[name];
}

/** Whether pg's record of `client` lists `name` as parsed. */
export function isParsed(client: PoolClient, name: string): boolean {
  return parsedStatements(client)?.[name] !== undefined;
}

function parsedStatements(client: PoolClient): Record<string, string> | undefined {
  return (client as unknown as ParsedStatements).connection?.parsedStatements;
}

/** Why a named statement was stopped before it ran (see preparedStatementFailure). */
export type PreparedStatementFailure = 'missing' | 'stale';

/**
 * Whether `error` stopped a named statement for its name, before it ran:
 * `missing`, the server lacked it (26000) or already had it (42P05), which a
 * direct connection never does (its statements are known here) but a
 * transaction pooler that does not keep named statements per client does;
 * `stale`, its cached plan went stale in a way PostgreSQL will not re-plan (a
 * column's type changed: "cached plan must not change result type"). Each
 * ends the statement's implicit transaction, so nothing of it took effect
 * and it can run again, unnamed.
 */
export function preparedStatementFailure(error: unknown): PreparedStatementFailure | undefined {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  if (code === '26000' || code === '42P05') return 'missing';
  if (code === '0A000' && /cached plan must not change result type/.test(message ?? '')) return 'stale';
  return undefined;
}
