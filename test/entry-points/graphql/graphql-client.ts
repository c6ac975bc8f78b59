import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

/** A GraphQL response as the client received it. */
export interface GraphqlResponse<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> }[];
  text: string;
}

/** POSTs an operation over HTTP, as a browser or a server-side client would. */
export async function postGraphql<T = Record<string, unknown>>(
  url: string,
  query: string,
  options: { variables?: Record<string, unknown>; headers?: Record<string, string> } = {},
): Promise<GraphqlResponse<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...options.headers },
    body: JSON.stringify({ query, variables: options.variables }),
  });
  const text = await response.text();
  const body = JSON.parse(text) as Omit<GraphqlResponse<T>, 'status' | 'text'>;
  return { status: response.status, ...body, text };
}

/**
 * A graphql-ws client on one socket, with `connectionParams` sent in
 * `connection_init`, and `upgradeHeaders` on the HTTP upgrade request (as a
 * Node client can send; a browser cannot).
 */
export function wsClient(
  url: string,
  connectionParams?: Record<string, unknown>,
  upgradeHeaders?: Record<string, string>,
): Client {
  class HeaderedWebSocket extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { headers: upgradeHeaders });
    }
  }
  return createClient({
    url,
    webSocketImpl: upgradeHeaders ? HeaderedWebSocket : WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: true,
  });
}

/** What one subscription received: results (data or errors), a terminal error, completion. */
export interface SubscriptionRecord<T> {
  results: { data?: T | null; errors?: GraphqlResponse['errors'] }[];
  error?: unknown;
  completed: boolean;
  dispose(): void;
}

export function subscribe<T>(client: Client, query: string): SubscriptionRecord<T> {
  const record: SubscriptionRecord<T> = { results: [], completed: false, dispose: () => undefined };
  record.dispose = client.subscribe<T>(
    { query },
    {
      next: (result) => record.results.push(result as SubscriptionRecord<T>['results'][number]),
      error: (error) => {
        record.error = error;
      },
      complete: () => {
        record.completed = true;
      },
    },
  );
  return record;
}

/** Polls `check` until it holds; generous, for a loaded machine. */
export async function eventually(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
