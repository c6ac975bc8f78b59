import type { TenantEntryPoint } from './tenant-entry-point.interface';
import { microserviceEntryPoint } from './microservices';
import { graphqlEntryPoint } from './graphql';
import { websocketEntryPoint } from './websockets';

/**
 * The entry points `TenancyModule` uses when `entryPoints` is not given: every
 * context type Nest has, so a GraphQL resolver, gateway or message handler gets
 * the same answers as an HTTP route without any code in the app. Each is built
 * lazily and requires its transport's package only when a call of its type arrives.
 * @internal
 */
export function defaultEntryPoints(): TenantEntryPoint[] {
  return [
    // One line per entry point; see lib/entry-points/<kind>/.
    microserviceEntryPoint(),
    graphqlEntryPoint(),
    websocketEntryPoint(),
  ];
}
