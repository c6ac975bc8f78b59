import { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { Socket } from 'node:net';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';

// Express ships no types here (no @types/express): only its app's request prototype is needed.
const express = createRequire(__filename)('express') as () => { request: object };

/** One HTTP request as a Nest guard receives it on Express: the args array and the context Nest builds around it. */
export interface BenchRequest {
  req: IncomingMessage;
  args: [IncomingMessage, ServerResponse, () => void];
  context: ExecutionContextHost;
}

// Express's request prototype, bound to an app (its `hostname` getter reads the app's settings).
const app = express();
// Requests of a keep-alive connection share one socket.
const socket = new Socket();
const next = () => undefined;

/**
 * `count` requests as Express hands them to Nest (a Node `IncomingMessage`
 * with Express's request prototype, parsed headers and raw header lines),
 * each naming one of `tenantIds` in `x-tenant-id` in turn, and for each the
 * `ExecutionContextHost` Nest's `GuardsConsumer` builds for an HTTP handler
 * (`[req, res, next]`, the controller class, the handler).
 */
export function expressRequests(
  count: number,
  tenantIds: readonly string[],
  controller: new (...args: never[]) => unknown,
  handler: (...args: never[]) => unknown,
): BenchRequest[] {
  const requests: BenchRequest[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const tenant = tenantIds[i % tenantIds.length];
    const req = new IncomingMessage(socket);
    req.method = 'GET';
    req.url = '/projects';
    req.headers = {
      host: 'api.example.com',
      'user-agent': 'bench',
      accept: 'application/json',
      'x-tenant-id': tenant,
    };
    req.rawHeaders = [
      'Host',
      'api.example.com',
      'User-Agent',
      'bench',
      'Accept',
      'application/json',
      'X-Tenant-Id',
      tenant,
    ];
    Object.setPrototypeOf(req, app.request);
    (req as IncomingMessage & { originalUrl: string }).originalUrl = req.url;
    const res = new ServerResponse(req);
    const args: BenchRequest['args'] = [req, res, next];
    const context = new ExecutionContextHost(args, controller as never, handler as never);
    context.setType('http');
    requests[i] = { req, args, context };
  }
  return requests;
}
