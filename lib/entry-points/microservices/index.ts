// Microservices (@nestjs/microservices): the 'rpc' entry point for incoming
// messages and the client side that makes outgoing ones carry the tenant.
// Nothing here loads @nestjs/microservices, a transport's package or grpc-js
// at import time: each is required when first used.
export { microserviceEntryPoint } from './microservice.entry-point';
export type { MicroserviceTenancyOptions } from './microservice.options';
export { GRPC_TENANCY_ERROR_KEY, type RpcTenancyErrorBody } from './rpc-transport-error';
export {
  TenantClientSerializer,
  type TenantClientSerializerOptions,
  type TenantClientTransport,
  type ClientSerializer,
} from './tenant-client.serializer';
export { tenantGrpcInterceptor, type TenantGrpcInterceptor } from './tenant-grpc.interceptor';
export { propagateTenant, type TenantClientOptionsLike } from './propagate-tenant';
