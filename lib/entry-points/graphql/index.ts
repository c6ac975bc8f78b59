// GraphQL (@nestjs/graphql, Apollo and Mercurius drivers): the 'graphql' entry
// point and tenant-scoped subscriptions. Nothing here loads graphql or a
// driver at import time: `graphql` is required when an operation is refused.
export { graphqlEntryPoint } from './graphql.entry-point';
export type { GraphqlTenancyOptions } from './graphql.options';
export type { GraphqlTenancyErrorExtensions } from './graphql-transport-error';
export { formatTenancyError, type GraphqlFormattedErrorLike } from './format-tenancy-error';
export { TenantPubSub, tenantTopic, type PubSubEngineLike } from './tenant-pub-sub';
