import { currentTenantId } from '../../context/current-tenant-id';
import { type MicroserviceTenancyOptions, resolveMicroserviceOptions } from './microservice.options';

// The parts of @grpc/grpc-js used here, typed locally so that the package's
// declarations never need it installed.
interface GrpcMetadata {
  get(key: string): unknown[];
  set(key: string, value: string): void;
  clone(): GrpcMetadata;
}
type StartNext = (metadata: GrpcMetadata, listener: unknown) => void;
interface GrpcJs {
  InterceptingCall: new (
    next: unknown,
    requester: { start(metadata: GrpcMetadata, listener: unknown, next: StartNext): void },
  ) => unknown;
}

/** A grpc-js client interceptor, as `channelOptions.interceptors` takes it. */
export type TenantGrpcInterceptor = (options: unknown, nextCall: (options: unknown) => unknown) => unknown;

/**
 * A grpc-js client interceptor adding the current tenant's id to the metadata
 * of every call started inside a tenant (key `x-tenant-id`, as
 * `microserviceEntryPoint` reads). The tenant is read when the call starts,
 * in the caller's context; metadata the caller passed is copied, never
 * modified (it may be reused for another tenant), and a key it already holds
 * is kept. `propagateTenant` adds it to a gRPC client's `channelOptions`.
 */
export function tenantGrpcInterceptor(options?: Pick<MicroserviceTenancyOptions, 'header'>): TenantGrpcInterceptor {
  const { header } = resolveMicroserviceOptions(options, 'tenantGrpcInterceptor');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { InterceptingCall } = require('@grpc/grpc-js') as GrpcJs;
  return (callOptions, nextCall) => {
    const tenantId = currentTenantId();
    return new InterceptingCall(nextCall(callOptions), {
      start(metadata, listener, next) {
        if (tenantId === undefined || metadata.get(header).length > 0) return next(metadata, listener);
        const copy = metadata.clone();
        copy.set(header, tenantId);
        next(copy, listener);
      },
    });
  };
}
