import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';

/** An HTTP answer, read whole. `error` is set instead when none came (timeout, reset). */
export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  error?: string;
}

/** One request to send. */
export interface HttpCall {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: unknown;
  timeoutMs: number;
}

/** Where the app listens; starts it on an ephemeral port of 127.0.0.1 when it does not listen yet. */
export async function listeningAddress(app: INestApplication): Promise<{ host: string; port: number }> {
  const server = app.getHttpServer() as { listening?: boolean; address(): AddressInfo | string | null };
  if (!server.listening) await app.listen(0, '127.0.0.1');
  const address = server.address();
  if (!address || typeof address === 'string')
    throw new Error('nestjs-prisma-tenancy/testing: the app listens on a pipe, not a TCP port');
  const host = ['::', '0.0.0.0'].includes(address.address) ? '127.0.0.1' : address.address;
  return { host, port: address.port };
}

/**
 * Sends one request over real HTTP with Node's own client (no test
 * dependency), one connection each, so that nothing is left open when the
 * app closes. `Host` may be set, for subdomain resolvers.
 */
export function sendHttp(to: { host: string; port: number }, call: HttpCall): Promise<HttpAnswer> {
  const payload = call.body === undefined ? undefined : Buffer.from(JSON.stringify(call.body));
  const headers: Record<string, string | number> = { accept: 'application/json', ...call.headers };
  if (payload) Object.assign(headers, { 'content-type': 'application/json', 'content-length': payload.length });
  return new Promise((resolve) => {
    const req = request(
      { host: to.host, port: to.port, method: call.method, path: call.path, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error) => resolve({ status: 0, headers: {}, body: '', error: error.message }));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: Object.fromEntries(
              Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v ?? '')]),
            ),
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.setTimeout(call.timeoutMs, () => req.destroy(new Error(`no answer within ${call.timeoutMs} ms`)));
    req.on('error', (error) => resolve({ status: 0, headers: {}, body: '', error: error.message }));
    req.end(payload);
  });
}
