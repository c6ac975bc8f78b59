import type { INestApplication } from '@nestjs/common';
import { connect, type AddressInfo } from 'node:net';

/** Status and body of a response read off a raw socket. */
export interface RawResponse {
  status: number;
  body: string;
}

/**
 * Sends `head` (request line and header lines, without the blank line) as
 * typed, over a plain TCP socket to the app, and reads the response. For
 * requests supertest cannot make: absolute-form targets, repeated `Host`
 * headers. `Connection: close` is added so the server ends the response.
 */
export function rawRequest(app: INestApplication, head: string[]): Promise<RawResponse> {
  const { port } = app.getHttpServer().address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      if (!match) return reject(new Error(`no HTTP response: ${JSON.stringify(text.slice(0, 200))}`));
      const split = text.indexOf('\r\n\r\n');
      resolve({
        status: Number(match[1]),
        body: split === -1 ? '' : dechunk(text.slice(split + 4), text.slice(0, split)),
      });
    });
    socket.write([...head, 'Connection: close', '', ''].join('\r\n'));
  });
}

function dechunk(body: string, headers: string): string {
  if (!/^transfer-encoding:\s*chunked/im.test(headers)) return body;
  let out = '';
  let rest = body;
  for (;;) {
    const eol = rest.indexOf('\r\n');
    const size = parseInt(rest.slice(0, eol), 16);
    if (!size) return out;
    out += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 2 + size + 2);
  }
}
