import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Marks the async execution of an operation on a shared model, which may run
 * without a tenant. Private to the RLS strategy: only its client extension
 * enters it, and only its pool reads it. A module-level ALS (not CLS) keeps it
 * independent of whether the app set up nestjs-cls.
 */
export const sharedModelScope = new AsyncLocalStorage<true>();

/** What the pool must set on a connection: a tenant id, or none for a shared-model operation. */
export type RlsScope = { tenantId: string } | { tenantId: null };

/**
 * Marks the async execution of raw SQL (any operation without a model, typed
 * SQL included). Raw SQL may change session state (`SET`, `set_config(...,
 * false)`, temporary tables, `RESET ALL`) that outlives its statement on the
 * pooled connection, so the pool resets a connection that ran one before its
 * next use. Only the extension enters it, and only the pool reads it.
 */
export const rawStatementScope = new AsyncLocalStorage<true>();
