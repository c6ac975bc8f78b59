import { randomUUID } from 'node:crypto';

/** What a savepoint needs of a Prisma transaction client. */
export interface RawStatementRunner {
  $executeRawUnsafe(sql: string): PromiseLike<unknown>;
}

/**
 * Runs `fn` inside a PostgreSQL savepoint of the open transaction `tx`:
 * Prisma has no savepoint API, so the statements go through raw SQL on the
 * transaction's own connection (with the tenant's settings, as any statement
 * of the transaction). On a throw, `ROLLBACK TO SAVEPOINT` undoes what `fn`
 * wrote, also after a failed statement (which aborts the transaction in
 * PostgreSQL until then), and the error goes on to the caller: the outer
 * transaction can catch it and still commit. On success the savepoint is
 * released and what `fn` wrote commits or rolls back with the outer
 * transaction.
 */
export async function withSavepoint<R>(tx: RawStatementRunner, fn: () => Promise<R>): Promise<R> {
  // Generated, never from input: safe to put in the statement as is.
  const name = `tenancy_sp_${randomUUID().replace(/-/g, '')}`;
  await tx.$executeRawUnsafe(`SAVEPOINT ${name}`);
  let result: R;
  try {
    result = await fn();
  } catch (error) {
    // Should the rollback fail too (the transaction timed out), the caller
    // still gets fn's error, the cause; the outer transaction cannot commit.
    await Promise.resolve(tx.$executeRawUnsafe(`ROLLBACK TO SAVEPOINT ${name}`)).catch(() => undefined);
    throw error;
  }
  await tx.$executeRawUnsafe(`RELEASE SAVEPOINT ${name}`);
  return result;
}
