import { markSql, type MarkedObject } from '../../lib/strategies/shared/ownership-marker';
import { quoteIdent, withClient } from './pg-client';

/**
 * Writes the ownership marker provisioning would have written, on a schema,
 * database or role made by hand by a fixture: the schema and database
 * strategies refuse to serve a tenant whose objects carry none. `url` must
 * connect as the object's owner (or a superuser); for a schema, to its database.
 */
export async function markOwned(url: string, kind: MarkedObject, name: string, tenantId: string): Promise<void> {
  await withClient(url, (client) => client.query(markSql(kind, quoteIdent(name), tenantId)));
}
