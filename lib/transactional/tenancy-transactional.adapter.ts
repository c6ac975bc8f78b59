import type { TransactionalAdapter, TransactionalOptionsAdapterFactory } from '@nestjs-cls/transactional';
import { TenantContext } from '../context/tenant-context.service';
import { TenantPrisma } from '../prisma/tenant-prisma.service';
import { withSavepoint, type RawStatementRunner } from './savepoint';
import { assertTransactionTenant, tenantBoundTransaction } from './tenant-bound-transaction';

/** A Prisma client with interactive transactions: your generated or extended `PrismaClient`. */
export interface TransactionCapableClient {
  $transaction(fn: (tx: any) => Promise<any>, options?: any): Promise<any>;
}

/** The client `txHost.tx` is inside a transaction: Prisma's interactive transaction client of `TClient`. */
export type TenancyTransactionClient<TClient extends TransactionCapableClient> = Parameters<
  Parameters<TClient['$transaction']>[0]
>[0];

/** Options of one transaction, as Prisma's `$transaction` takes them: `isolationLevel`, `timeout`, `maxWait`. */
export type TenancyTransactionOptions<TClient extends TransactionCapableClient> = NonNullable<
  Parameters<TClient['$transaction']>[1]
>;

/** Options of `TenancyTransactionalAdapter`. */
export interface TenancyTransactionalAdapterOptions<TClient extends TransactionCapableClient> {
  /**
   * Options of every transaction, merged under those given to
   * `@Transactional()` or `withTransaction()`. Default: none (Prisma's own:
   * `maxWait` 2 s, `timeout` 5 s, the database's isolation level).
   */
  defaultTxOptions?: Partial<TenancyTransactionOptions<TClient>>;
}

/**
 * Adapter of `@nestjs-cls/transactional` for nestjs-prisma-tenancy: makes
 * `@Transactional()` and `TransactionHost` work on every strategy.
 *
 * ```ts
 * ClsModule.forRoot({
 *   global: true,
 *   plugins: [new ClsPluginTransactional({ adapter: new TenancyTransactionalAdapter<PrismaClient>() })],
 * })
 * ```
 *
 * - A transaction opens on the client of the tenant in context when it
 *   starts (`TenantPrisma.client`, read then, never kept from boot); with no
 *   tenant it throws `MissingTenantError`. With RLS the tenant is set once,
 *   right after `BEGIN`.
 * - The transaction belongs to that tenant: reaching `txHost.tx` from another
 *   tenant's context (a `TenantContext.run()` inside it) throws
 *   `TenantMismatchError`, and outside any tenant `MissingTenantError`.
 * - Outside a transaction `txHost.tx` is `TenantPrisma.client`, resolved on
 *   each access; with no tenant, `TenantPrisma.shared` (shared models only).
 * - `Propagation.Nested` runs in a PostgreSQL savepoint of the open
 *   transaction (see docs/transactions.md).
 *
 * Needs `TenancyModule` (global by default) for `TenantPrisma` and `TenantContext`.
 */
export class TenancyTransactionalAdapter<
  TClient extends TransactionCapableClient = TransactionCapableClient,
> implements TransactionalAdapter<
  TenantPrisma<TClient>,
  TenancyTransactionClient<TClient>,
  TenancyTransactionOptions<TClient>
> {
  readonly connectionToken = TenantPrisma;
  readonly extraProviderTokens = [TenantContext];
  readonly defaultTxOptions?: Partial<TenancyTransactionOptions<TClient>>;

  constructor(options: TenancyTransactionalAdapterOptions<TClient> = {}) {
    this.defaultTxOptions = options.defaultTxOptions;
  }

  optionsFactory: TransactionalOptionsAdapterFactory<
    TenantPrisma<TClient>,
    TenancyTransactionClient<TClient>,
    TenancyTransactionOptions<TClient>
  > = (prisma, [context]: TenantContext[]) => {
    // One object for the app's lifetime, kept once read: Nest probes providers
    // for lifecycle hooks, the transaction proxy (@InjectTransaction) included,
    // also after app.close() has disposed the strategy.
    let shared: TenancyTransactionClient<TClient> | undefined;
    return {
      wrapWithTransaction: async (options, fn, setTx) => {
        // The tenant and its client are read here, when the transaction starts.
        const tenantId = context.tenantId;
        const client = prisma.client;
        const check = () => assertTransactionTenant(tenantId, context.current()?.id);
        return client.$transaction(async (tx: TenancyTransactionClient<TClient>) => {
          setTx(tenantBoundTransaction(tx, check));
          return fn();
        }, options);
      },
      wrapWithNestedTransaction: async (_options, fn, setTx, tx) => {
        setTx(tx);
        return withSavepoint(tx as unknown as RawStatementRunner, fn);
      },
      getFallbackInstance: () =>
        context.hasTenant()
          ? (prisma.client as unknown as TenancyTransactionClient<TClient>)
          : (shared ??= prisma.shared as unknown as TenancyTransactionClient<TClient>),
    };
  };
}
