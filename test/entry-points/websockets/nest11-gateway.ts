import { type ArgumentsHost, Catch, type Type, UseFilters, UseGuards } from '@nestjs/common';
import { BaseWsExceptionFilter, WsException } from '@nestjs/websockets';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TenantGuard } from '../../../lib';

/** The installed @nestjs/websockets major: 12 in development, 11 under `npm run test:nest11`. */
export const WEBSOCKETS_MAJOR = Number(
  (
    JSON.parse(readFileSync(join(dirname(require.resolve('@nestjs/websockets')), 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version.split('.')[0],
);

/** The filter docs/websockets.md gives Nest 11 apps: its own sends nothing to ws clients. */
@Catch(WsException)
export class WsExceptionsToClientFilter extends BaseWsExceptionFilter {
  override catch(exception: WsException, host: ArgumentsHost): void {
    const client = host.switchToWs().getClient<{ readyState?: unknown; send?: (data: string) => void }>();
    if (typeof client.readyState === 'number' && typeof client.send === 'function')
      client.send(JSON.stringify({ event: 'exception', data: exception.getError() }));
    else super.catch(exception, host);
  }
}

/**
 * What docs/websockets.md tells Nest 11 apps to add to each gateway: Nest 11
 * applies no global guard (APP_GUARD) to gateways, so `TenantGuard` goes on the
 * class; and the filter above. On Nest 12 the gateway is left as it is, so the
 * tests prove that the global guard alone does the job there.
 */
export function forNest11(gateway: Type): Type {
  if (WEBSOCKETS_MAJOR >= 12) return gateway;
  UseGuards(TenantGuard)(gateway);
  UseFilters(new WsExceptionsToClientFilter())(gateway);
  return gateway;
}
