import {
  type INestApplication,
  RequestMethod,
  VERSION_NEUTRAL,
  type VersioningOptions,
  VersioningType,
} from '@nestjs/common';
import {
  HOST_METADATA,
  METHOD_METADATA,
  MODULE_PATH,
  PATH_METADATA,
  SSE_METADATA,
  VERSION_METADATA,
} from '@nestjs/common/constants';
import { MetadataScanner, ModulesContainer } from '@nestjs/core';
import type { TenantLeakRoute } from './tenant-leak-route.interface';

/** The parts of Nest's `ApplicationConfig` that shape paths (a private field of `NestApplication`). */
interface PathConfig {
  getGlobalPrefix?(): string;
  getGlobalPrefixOptions?(): { exclude?: { pathRegex?: RegExp; requestMethod?: RequestMethod }[] };
  getVersioning?(): VersioningOptions | undefined;
}

type Version = string | symbol | (string | symbol)[] | undefined;

const METHODS: Partial<Record<RequestMethod, string>> = {
  [RequestMethod.GET]: 'GET',
  [RequestMethod.POST]: 'POST',
  [RequestMethod.PUT]: 'PUT',
  [RequestMethod.PATCH]: 'PATCH',
  [RequestMethod.DELETE]: 'DELETE',
  // Answers every method: called as a read.
  [RequestMethod.ALL]: 'GET',
};

const list = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];
const join = (a: string, b: string) => a.replace(/\/+$/, '') + (b.startsWith('/') || !b ? b : `/${b}`);
const finish = (path: string) =>
  path === '' || path === '/' ? '/' : `/${path.replace(/^\/+/, '').replace(/\/+$/, '')}`;

/**
 * Every HTTP route of a Nest app, read from the same metadata Nest's router
 * reads (controllers of every module, `@Get()`..., global prefix and its
 * exclusions, `RouterModule` paths, URI versioning), so it works alike on
 * Express and Fastify. Routes it cannot call come back in `skipped`.
 */
export function discoverRoutes(app: INestApplication): {
  routes: TenantLeakRoute[];
  skipped: { route: string; reason: string }[];
} {
  const container = app.get(ModulesContainer, { strict: false });
  const config = ((app as unknown as { config?: PathConfig }).config ?? {}) as PathConfig;
  const prefix = config.getGlobalPrefix?.() ?? '';
  const excluded = config.getGlobalPrefixOptions?.().exclude ?? [];
  const versioning = config.getVersioning?.();
  const scanner = new MetadataScanner();
  const routes: TenantLeakRoute[] = [];
  const skipped: { route: string; reason: string }[] = [];
  const seen = new Set<string>();

  for (const moduleRef of container.values()) {
    const modulePath: string | undefined =
      Reflect.getMetadata(MODULE_PATH + container.applicationId, moduleRef.metatype) ??
      Reflect.getMetadata(MODULE_PATH, moduleRef.metatype);
    for (const wrapper of moduleRef.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => object) | null;
      if (!controller?.prototype) continue;
      const controllerPaths = list<string>(Reflect.getMetadata(PATH_METADATA, controller) ?? '/');
      const controllerVersion: Version = Reflect.getMetadata(VERSION_METADATA, controller);
      for (const name of scanner.getAllMethodNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, object>)[name];
        const methodPaths = list<string>(Reflect.getMetadata(PATH_METADATA, handler));
        if (!methodPaths.length) continue;
        const requestMethod: RequestMethod = Reflect.getMetadata(METHOD_METADATA, handler) ?? RequestMethod.GET;
        const label = `${controller.name}.${name}`;
        const method = METHODS[requestMethod];
        const why = !method
          ? `method ${RequestMethod[requestMethod]} is not called`
          : Reflect.getMetadata(HOST_METADATA, controller)
            ? 'its controller is bound to a host'
            : Reflect.getMetadata(SSE_METADATA, handler)
              ? 'server-sent events never end'
              : undefined;
        const version: Version =
          Reflect.getMetadata(VERSION_METADATA, handler) ?? controllerVersion ?? versioning?.defaultVersion;
        if (version !== undefined && versioning && versioning.type !== VersioningType.URI) {
          skipped.push({ route: label, reason: 'versioned by header or media type' });
          continue;
        }
        if (why) {
          skipped.push({ route: label, reason: why });
          continue;
        }
        for (const versionPath of versionPaths(version, versioning)) {
          for (const c of controllerPaths) {
            for (const m of methodPaths) {
              const bare = finish(join(join(versionPath, modulePath ?? ''), join(c, m)));
              const unversioned = finish(bare.slice(versionPath.length));
              const isExcluded = excluded.some(
                (e) =>
                  (e.requestMethod === undefined ||
                    e.requestMethod === RequestMethod.ALL ||
                    e.requestMethod === requestMethod) &&
                  e.pathRegex?.test(unversioned),
              );
              const path = prefix && !isExcluded ? finish(join(prefix, bare)) : bare;
              const key = `${method} ${path}`;
              if (seen.has(key)) continue;
              seen.add(key);
              routes.push({ method: method!, path, handler: label });
            }
          }
        }
      }
    }
  }
  return { routes, skipped };
}

/** `['/v1', '/v2']` for URI versioning, `['']` otherwise or for a version-neutral route. */
function versionPaths(version: Version, versioning: VersioningOptions | undefined): string[] {
  if (version === undefined || versioning?.type !== VersioningType.URI) return [''];
  const prefix = versioning.prefix === false ? '' : (versioning.prefix ?? 'v');
  return list(version).map((v) => (v === VERSION_NEUTRAL ? '' : `/${prefix}${String(v)}`));
}
