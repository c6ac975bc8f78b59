import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

function majorOf(main: string): number {
  const pkg = JSON.parse(readFileSync(join(dirname(main), 'package.json'), 'utf8')) as { version: string };
  return Number(pkg.version.split('.')[0]);
}

/** The installed @nestjs/microservices major: 12 in development, 11 under `npm run test:nest11`. */
export const MICROSERVICES_MAJOR = majorOf(require.resolve('@nestjs/microservices'));

/**
 * Whether TCP and Redis carry the packet's `metadata` to the handler's
 * context (Nest 12). Nest 11's servers drop it: there the tenant travels in
 * a payload field only.
 */
export const PACKET_METADATA = MICROSERVICES_MAJOR >= 12;

/** Whether `name` can be required (Nest 11's NATS client needs `nats`, Nest 12's `@nats-io/transport-node`). */
export function installed(name: string): boolean {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}

/** The package Nest's NATS client loads: `@nats-io/transport-node` on Nest 12, `nats` on Nest 11. */
export const NATS_PACKAGE = MICROSERVICES_MAJOR >= 12 ? '@nats-io/transport-node' : 'nats';
