import type { Pool } from 'pg';
import type { TenantSecretCipher } from '../crypto/tenant-secret.cipher';
import type { Tenant, TenancyStrategyName, TenantStatus } from '../store/tenant.interface';

/** A tenant as the registry holds it: the `Tenant` fields plus its lifecycle bookkeeping. */
export interface RegistryTenant extends Tenant {
  /** Name of the last migration applied to the tenant's schema or database; `null` before any. */
  schemaVersion: string | null;
  /** When a migration run last finished without error; `null` before any. */
  migratedAt: Date | null;
  /** Message of the last failed lifecycle operation; cleared when a provision or migration succeeds. */
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Input of `PrismaTenantStore.create()`. */
export interface NewRegistryTenant {
  id: string;
  name?: string;
  /** Default: `provisioning`, so a new tenant is not served until someone activates it. */
  status?: TenantStatus;
  /** Default: none (the module's default strategy). */
  strategy?: TenancyStrategyName;
  schemaName?: string;
  /** Stored encrypted when the store has a cipher. */
  databaseUrl?: string;
}

/** Fields `update()` may change: `undefined` leaves a field alone, `null` clears it. */
export interface RegistryTenantPatch {
  name?: string | null;
  status?: TenantStatus;
  strategy?: TenancyStrategyName | null;
  schemaName?: string | null;
  /** Stored encrypted when the store has a cipher. */
  databaseUrl?: string | null;
  schemaVersion?: string | null;
  migratedAt?: Date | null;
  lastError?: string | null;
}

/** Filter of `list()`. */
export interface ListTenantsOptions {
  /** Only tenants in this status (or these). Default: every status. */
  status?: TenantStatus | readonly TenantStatus[];
  /** Only tenants recorded with this strategy. Default: any. */
  strategy?: TenancyStrategyName;
}

/** Options of `PrismaTenantStore`. */
export interface PrismaTenantStoreOptions {
  /** Schema holding `tenancy_tenants` (and its `_prisma_migrations`). Default: `tenancy`. */
  schema?: string;
  /**
   * Encrypts `database_url` at rest (AES-256-GCM, the tenant id as associated
   * data). Without it URLs are stored as given. Default: none.
   */
  cipher?: TenantSecretCipher;
  /**
   * Whether `findById()`/`list()` return `databaseUrl` decrypted. Set `false`
   * when the module's database strategy has `encryptionKeys`: it then decrypts
   * at connection time itself, and the tenant cache only ever holds
   * ciphertext. Default: `true`.
   */
  decryptOnRead?: boolean;
  /**
   * NOTIFY this channel with the tenant id on every write, in the write's own
   * statement (so only committed changes are announced), for
   * `RegistryInvalidationListener`s in other processes; `false` to stay
   * silent. Default: `tenancy_tenants`.
   */
  notifyChannel?: string | false;
}

/** What the store was given to connect with: a pool it borrows, or a URL it opens (and closes) a pool for. */
export type RegistryConnection = Pool | string;
