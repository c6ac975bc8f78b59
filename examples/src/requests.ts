import { request as httpRequest } from 'node:http';

/** One HTTP request against the example, printable as curl and runnable as is. */
export interface ExampleRequest {
  method: 'GET' | 'POST';
  path: string;
  /** Sent as `x-tenant-id` (the header resolver). */
  tenant?: string;
  /** A tenant subdomain of `localhost`, for example `acme` (the subdomain resolver). */
  subdomain?: string;
  body?: unknown;
}

export interface ExampleResponse {
  status: number;
  body: any;
}

/** A ready-to-paste curl command. curl resolves `*.localhost` to the loopback address by itself. */
export function toCurl(port: number, req: ExampleRequest): string {
  const host = req.subdomain ? `${req.subdomain}.localhost` : 'localhost';
  const parts = ['curl', '-i'];
  if (req.method !== 'GET') parts.push('-X', req.method);
  if (req.tenant !== undefined) parts.push('-H', shellQuote(`x-tenant-id: ${req.tenant}`));
  if (req.body !== undefined)
    parts.push('-H', "'content-type: application/json'", '-d', shellQuote(JSON.stringify(req.body)));
  parts.push(`http://${host}:${port}${req.path}`);
  return parts.join(' ');
}

/**
 * Sends the request the curl command describes. node:http rather than fetch:
 * fetch ignores a `Host` header, and the subdomain resolver needs one.
 */
export function send(port: number, req: ExampleRequest): Promise<ExampleResponse> {
  const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
  const headers: Record<string, string> = { host: `${req.subdomain ? `${req.subdomain}.` : ''}localhost:${port}` };
  if (req.tenant !== undefined) headers['x-tenant-id'] = req.tenant;
  if (payload !== undefined) headers['content-type'] = 'application/json';
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ host: '127.0.0.1', port, method: req.method, path: req.path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON: keep the text
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
