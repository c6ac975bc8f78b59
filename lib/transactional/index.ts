// `nestjs-prisma-tenancy/transactional`: the adapter for @nestjs-cls/transactional,
// an optional peer, hence a subpath of its own (never imported by the root).

export {
  TenancyTransactionalAdapter,
  type TenancyTransactionalAdapterOptions,
  type TenancyTransactionClient,
  type TenancyTransactionOptions,
  type TransactionCapableClient,
} from './tenancy-transactional.adapter';
