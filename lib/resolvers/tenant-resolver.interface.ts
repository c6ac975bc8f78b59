/**
 * The parts of an HTTP request that resolvers read, the same on Express and
 * Fastify. Built once per request by the guard.
 */
export interface TenancyRequest {
  /** Lower-cased header names. */
  headers: Record<string, string | string[] | undefined>;
  /** Host name without port, lower-cased (from `Host`, or `X-Forwarded-Host` when trusted by the platform). */
  hostname: string;
  /**
   * The host an absolute-form request target names (`GET http://acme.example.com/x HTTP/1.1`),
   * lower-cased, without port; `undefined` for the usual `GET /x`. RFC 9112 says
   * it wins over `Host`: `SubdomainTenantResolver` refuses a request where the two disagree.
   */
  authority?: string;
  /** Path without query string, for example `/acme/projects`. */
  path: string;
  /** `req.user` as set by an authentication guard or middleware that ran before, if any. */
  user?: unknown;
  /** The platform's own request object (Express `Request` or Fastify `FastifyRequest`). */
  raw: unknown;
}

/**
 * Extracts a tenant id candidate from a request. Returns `undefined` when the
 * request does not carry what this resolver reads, so that the next one is
 * tried. When it does carry it but the value is unusable (empty, repeated, of
 * the wrong type), it throws `InvalidTenantIdError` instead: falling through
 * would let a later, maybe less trusted, source pick the tenant. It must not
 * validate or look up the id: the guard does that once for whichever resolver matched.
 */
export interface TenantResolver {
  resolve(request: TenancyRequest): string | undefined | Promise<string | undefined>;
}
