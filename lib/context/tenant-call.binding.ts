import { ModulesContainer } from '@nestjs/core';
import { TenantCallInterceptor } from './tenant-call.interceptor';

// Method metadata Nest's transports set on the handlers they call, other than HTTP routes:
// @MessagePattern/@EventPattern, @SubscribeMessage, and GraphQL's @Query/@Mutation/@Subscription.
const CALL_HANDLER_METADATA = ['microservices:pattern', 'message', 'graphql:resolver_type'];
const INTERCEPTORS_METADATA = '__interceptors__';

// One stateless instance for every app of the process; the handlers it is bound to.
const interceptor = new TenantCallInterceptor();
const boundHandlers = new WeakSet<object>();

/**
 * Puts `TenantCallInterceptor` on every GraphQL resolver, gateway message
 * handler and microservice handler of the app, as `@UseInterceptors()` on the
 * method would (first of the method's own), and on nothing else: a global
 * interceptor would put every HTTP request through Nest's interceptor chain
 * and rxjs, which costs more than everything else the package does for it.
 * Runs when the module's providers are created, before Nest builds the
 * handlers' contexts (gateways and microservices when the app initialises,
 * GraphQL resolvers in its module's init hook).
 * @internal
 */
export function bindTenantCallInterceptor(modules: ModulesContainer): void {
  for (const moduleRef of modules.values()) {
    for (const wrapper of [...moduleRef.controllers.values(), ...moduleRef.providers.values()]) {
      const type: unknown = wrapper.metatype;
      const prototype = typeof type === 'function' ? (type.prototype as object | undefined) : undefined;
      if (prototype) for (const method of handlerMethods(prototype)) bind(method);
    }
  }
}

/** Whether the handler runs inside its call's store (see `bindTenantCallInterceptor`). @internal */
export function isBoundCallHandler(handler: unknown): boolean {
  return typeof handler === 'function' && boundHandlers.has(handler);
}

type Handler = (...args: unknown[]) => unknown;

function handlerMethods(prototype: object): Handler[] {
  const methods: Handler[] = [];
  const seen = new Set<string | symbol>();
  for (
    let proto: object | null = prototype;
    proto && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto)
  ) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name === 'constructor' || seen.has(name)) continue;
      seen.add(name);
      const value = Object.getOwnPropertyDescriptor(proto, name)?.value as unknown;
      if (typeof value !== 'function') continue;
      if (CALL_HANDLER_METADATA.some((key) => Reflect.hasMetadata(key, value))) methods.push(value as Handler);
    }
  }
  return methods;
}

function bind(method: Handler): void {
  // Once per method, however many apps of the process share the class (tests boot many).
  if (boundHandlers.has(method)) return;
  const own = (Reflect.getMetadata(INTERCEPTORS_METADATA, method) as unknown[] | undefined) ?? [];
  Reflect.defineMetadata(INTERCEPTORS_METADATA, [interceptor, ...own], method);
  boundHandlers.add(method);
}
