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
