import { AsyncLocalStorage } from 'node:async_hooks';
import { Observable } from 'rxjs';
import type { TenantClientTransport } from './tenant-client.serializer';

/**
 * `source`, with every notification delivered in the execution context of
 * whoever subscribed. A broker client reads replies from one socket, made
 * when it first connected: without this, a reply's `map`/`mergeMap` runs in
 * the CLS context of the call that happened to open the connection, which is
 * another tenant's when that call was made inside a tenant.
 * @internal
 */
export function inSubscriberContext<T>(source: Observable<T>): Observable<T> {
  return new Observable<T>((subscriber) => {
    const resume = AsyncLocalStorage.snapshot();
    return source.subscribe({
      next: (value) => resume(() => subscriber.next(value)),
      error: (error: unknown) => resume(() => subscriber.error(error)),
      complete: () => resume(() => subscriber.complete()),
    });
  });
}

interface ClientLike {
  send(pattern: unknown, data: unknown): Observable<unknown>;
  emit(pattern: unknown, data: unknown): Observable<unknown>;
}
interface GrpcClientLike {
  createServiceMethod(client: unknown, methodName: string): (...args: unknown[]) => Observable<unknown>;
}
// The mixin form TypeScript requires for `extends` on a class chosen at run time.
type Class<T> = new (...args: any[]) => T;

/** The transports `propagateTenant` gives a client class of its own. */
export type TenantAwareTransport = TenantClientTransport | 'grpc';

const CLASS_NAMES: Record<TenantAwareTransport, string> = {
  tcp: 'ClientTCP',
  redis: 'ClientRedis',
  nats: 'ClientNats',
  rmq: 'ClientRMQ',
  kafka: 'ClientKafka',
  grpc: 'ClientGrpcProxy',
};

const classes = new Map<TenantAwareTransport, Class<unknown>>();

function extendClient(Base: Class<ClientLike>): Class<ClientLike> {
  return class extends Base {
    override send(pattern: unknown, data: unknown): Observable<unknown> {
      return inSubscriberContext(super.send(pattern, data));
    }

    override emit(pattern: unknown, data: unknown): Observable<unknown> {
      return inSubscriberContext(super.emit(pattern, data));
    }
  };
}

// gRPC: the calls a service's methods make. grpc-js queues the calls made
// while its channel connects and starts them from the connection's context.
function extendGrpcClient(Base: Class<GrpcClientLike>): Class<GrpcClientLike> {
  return class extends Base {
    override createServiceMethod(client: unknown, methodName: string): (...args: unknown[]) => Observable<unknown> {
      const method = super.createServiceMethod(client, methodName);
      return (...args) => inSubscriberContext(method(...args));
    }
  };
}

/**
 * Nest's client class for `transport`, whose `send` and `emit` (gRPC: the
 * service methods) hand their results back in the caller's context
 * (`inSubscriberContext`); otherwise the very same client. `propagateTenant`
 * passes it as `customClass`.
 * @internal
 */
export function tenantAwareClientClass(transport: TenantAwareTransport): Class<unknown> {
  const known = classes.get(transport);
  if (known) return known;
  const name = CLASS_NAMES[transport];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Base = (require('@nestjs/microservices') as Record<string, Class<never>>)[name];
  const Extended = transport === 'grpc' ? extendGrpcClient(Base) : extendClient(Base);
  Object.defineProperty(Extended, 'name', { value: `TenantAware${name}` });
  classes.set(transport, Extended);
  return Extended;
}
