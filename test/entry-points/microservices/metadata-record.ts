import { createServer } from 'node:net';
import type { HeaderValue } from './transport-suite';

/**
 * A payload with packet metadata of the test's choosing, for TCP and Redis,
 * whose clients have no record builder: `metadataSerializer` moves it into
 * the `metadata` field of Nest's packet, where `TcpContext`/`RedisContext`
 * find it. What any producer writing Nest's packet format can send.
 */
export class MetadataRecord {
  constructor(
    readonly data: unknown,
    readonly metadata: Record<string, unknown>,
  ) {}
}

export const metadataSerializer = {
  serialize(packet: { data?: unknown; metadata?: Record<string, unknown> }): unknown {
    if (!(packet.data instanceof MetadataRecord)) return packet;
    return { ...packet, data: packet.data.data, metadata: { ...packet.metadata, ...packet.data.metadata } };
  },
};

export function withMetadata(data: object, tenant: HeaderValue): unknown {
  if ('absent' in tenant) return data;
  const metadata =
    'value' in tenant
      ? { 'x-tenant-id': tenant.value }
      : { 'x-tenant-id': tenant.repeated[0], 'X-Tenant-Id': tenant.repeated[1] };
  return new MetadataRecord(data, metadata);
}

/** A port free right now on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
