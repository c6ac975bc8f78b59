import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Marks the async execution of an operation whose statements must run with
 * the tenant's settings applied in the database session: raw SQL (which is
 * not schema-qualified by Prisma) and writes (whose column defaults read the
 * tenant setting). Plain reads skip that and go straight to the pool.
 */
export const settingsScope = new AsyncLocalStorage<StatementKind>();

/**
 * `write`: a model write Prisma generates, which cannot change the session.
 * `any`: raw SQL, typed SQL and anything not known, which may (`SET`,
 * temporary tables...), so its connection is reset before its next use.
 */
export type StatementKind = 'write' | 'any';
