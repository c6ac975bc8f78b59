import type { AbstractHttpAdapter } from '@nestjs/core';
import { runInRequestContext } from './tenant-context.middleware';

type Done = (error?: unknown) => void;
type RequestHook = (req: unknown, res: unknown, done: Done) => unknown;

// Nest's HTTP adapters (Express and Fastify, NestJS 11 and 12) keep the hook
// in this field; read only to chain a hook set before ours.
type HookedAdapter = { setOnRequestHook?: (hook: RequestHook) => void; onRequestHook?: RequestHook };

/**
 * Gives every HTTP request its CLS context (`runInRequestContext`) from the
 * adapter's request hook, which Nest's Express and Fastify adapters run
 * first, before any middleware and for every route (also routes of Fastify
 * plugins registered before the app's modules).
 *
 * Why not Nest middleware: on Fastify a Nest middleware runs through
 * @fastify/middie and Nest's path matching and URL sanitising on every
 * request, which cost about 25 µs of CPU per request (a tenth of a
 * primary-key read's whole request) for a function that matches every path.
 *
 * A hook set before this one keeps running, inside the request's context.
 * Returns false when the adapter has no request hook: the caller mounts
 * `TenantContextMiddleware` instead.
 * @internal
 */
export function installRequestContextHook(adapter: AbstractHttpAdapter | undefined): boolean {
  const hooked = adapter as unknown as HookedAdapter | undefined;
  if (!hooked || typeof hooked.setOnRequestHook !== 'function') return false;
  const fastify = adapter!.getType() === 'fastify';
  const previous = typeof hooked.onRequestHook === 'function' ? hooked.onRequestHook : undefined;
  hooked.setOnRequestHook(function (this: unknown, req, res, done) {
    const raw = fastify ? (req as { raw: object }).raw : (req as object);
    runInRequestContext(raw, previous ? () => previous.call(this, req, res, done) : done);
  });
  return true;
}
