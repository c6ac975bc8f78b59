// The part of autocannon's API the HTTP benchmark uses (the package ships no types).
declare module 'autocannon' {
  namespace autocannon {
    interface Options {
      url: string;
      connections?: number;
      duration?: number;
      requests?: Array<{
        setupRequest?: (request: Record<string, unknown>) => Record<string, unknown>;
        onResponse?: (status: number, body: string, context: Record<string, unknown>) => void;
      }>;
    }
    interface Result {
      requests: { average: number; total: number };
      latency: { p99: number };
      non2xx: number;
      errors: number;
      timeouts: number;
    }
  }
  function autocannon(options: autocannon.Options): Promise<autocannon.Result>;
  export = autocannon;
}
