import type { ClientConfig } from 'pg';
import { parse, toClientConfig } from 'pg-connection-string';
import { TenancyConfigError } from '../errors/tenancy-config.error';
import { TenantMisconfiguredError } from '../errors/tenant-misconfigured.error';

/**
 * Query parameters other PostgreSQL clients (libpq: psql, pg_dump, Prisma's
 * tools) read as "connect elsewhere" while pg ignores them. A tenant URL
 * carrying one would be checked against one server and used on another.
 */
const ELSEWHERE_PARAMS = ['hostaddr', 'service', 'servicefile', 'target_session_attrs', 'load_balance_hosts'];

/** A connection string as pg reads it: query parameters (`?host=`, `?port=`, `?user=`, `?password=`) win over the URL's own parts. */
export function readConnection(url: string): ClientConfig {
  const config = toClientConfig(parse(url));
  // A `?connectionString=` parameter would land in the config, and pg would let it override every field.
  delete config.connectionString;
  return config;
}

// Parameters pg-connection-string reads files for (TLS client certificate, key, CA).
const FILE_PARAMS = ['sslcert', 'sslkey', 'sslrootcert'];

/**
 * Server, user, password and database of a connection string, as pg reads
 * them, without reading the files its TLS parameters name: a tenant URL must
 * not make the provisioner open files on its host just to be checked.
 */
export function readAddress(url: string): ClientConfig {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // pg reads a few forms WHATWG refuses (`user@/db?host=/socket/dir`): its own parser decides.
    return readConnection(url);
  }
  if (!FILE_PARAMS.some((name) => parsed.searchParams.has(name))) return readConnection(url);
  for (const name of FILE_PARAMS) parsed.searchParams.delete(name);
  return readConnection(parsed.href);
}

/** `host:port` of the server a pg config dials (IPv6 in brackets), with pg's own defaults for what it leaves out. */
export function serverOf(config: Pick<ClientConfig, 'host' | 'port'>): string {
  const host = String(config.host || process.env.PGHOST || 'localhost').toLowerCase();
  const port = Number(config.port || process.env.PGPORT || 5432);
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** `host:port`, `[v6]:port` or `host` (port 5432), normalised like `serverOf`; `undefined` when it is none of those. */
export function parseServer(entry: string): string | undefined {
  const match = /^(?:\[([0-9a-f:.]+)\]|([^\s:/[\],@?#]+))(?::(\d{1,5}))?$/i.exec(entry);
  const port = Number(match?.[3] ?? 5432);
  if (!match || port < 1 || port > 65535) return undefined;
  return serverOf({ host: match[1] ?? match[2], port });
}

/** What a tenant database URL names, read as pg reads it. */
export interface TenantConnection {
  database: string;
  user: string;
  password: string;
}

/**
 * Where owner and admin credentials may go: the admin URL's server, only.
 *
 * Connections to a tenant database for create, grant, migrate and drop are
 * built from the admin URL (server, TLS and other parameters) and the owner
 * URL (user and password), with nothing of the tenant URL but its database
 * name. A tenant URL is accepted only when the server it names, read the way
 * pg reads it (`?host=`, `?port=` included), is the admin URL's, the app
 * URL's, or listed in `allowedServers`: otherwise the app would be sent to a
 * server provisioning never created anything on.
 */
export class TenantServerPolicy {
  /** The owner role, as pg reads the owner URL. */
  readonly ownerRole: string;
  /** Databases the owner and admin URLs name (never a tenant's). */
  readonly ownDatabases: string[];
  private readonly owner: ClientConfig;
  private readonly allowed: Set<string>;
  /** The admin URL read in full (its TLS files too), on first use: only connections need it. */
  private admin?: ClientConfig;

  constructor(
    ownerUrl: string,
    private readonly adminUrl: string,
    appUrl: string | undefined,
    allowedServers: readonly string[] = [],
  ) {
    const admin = readAddress(adminUrl);
    this.owner = readAddress(ownerUrl);
    this.ownerRole = this.owner.user ?? '';
    this.ownDatabases = [this.owner.database, admin.database].filter((name): name is string => !!name);
    this.allowed = new Set([serverOf(admin), ...(appUrl ? [serverOf(readAddress(appUrl))] : [])]);
    for (const entry of allowedServers) this.allowed.add(parseServer(entry)!);
  }

  /** The admin role on the admin server (its URL, as pg reads it). */
  adminConnection(): ClientConfig {
    this.admin ??= readConnection(this.adminUrl);
    return { ...this.admin };
  }

  /** The owner role on a tenant database of the admin server: only `database` comes from the tenant. */
  ownerConnection(database: string): ClientConfig {
    return { ...this.adminConnection(), user: this.owner.user, password: this.owner.password, database };
  }

  /**
   * A URL for a new tenant database, on `base`'s server with its parameters,
   * with `user` and `password` (default: `base`'s, as pg reads them) in the
   * URL itself, and no credential left in its query string: no password, and
   * for another user no client certificate of `base`'s (the admin's, say).
   */
  tenantUrl(base: string, parts: { user?: string; password?: string; database: string }): string {
    const effective = readAddress(base);
    const url = new URL(base);
    const credentials = [
      'user',
      'password',
      'database',
      'dbname',
      ...(parts.user === undefined ? [] : ['sslcert', 'sslkey', 'sslpassword']),
    ];
    for (const name of credentials) url.searchParams.delete(name);
    url.username = encodeURIComponent(parts.user ?? effective.user ?? '');
    url.password = encodeURIComponent(parts.password ?? String(effective.password ?? ''));
    url.pathname = `/${encodeURIComponent(parts.database)}`;
    return url.href;
  }

  /**
   * Reads a tenant's URL and checks the server it names.
   * @throws TenantMisconfiguredError when it does not parse, names its server in a way clients disagree on, or names a server not allowed.
   */
  read(tenantId: string, url: string): TenantConnection {
    let config: ClientConfig;
    try {
      if (!/^postgres(?:ql)?:\/\//i.test(url)) throw new Error('not a postgresql:// URL');
      config = readAddress(url);
    } catch {
      throw new TenantMisconfiguredError(tenantId, 'its database URL does not parse (a postgresql:// URL is expected)');
    }
    // pg-connection-string copies every query parameter into the config.
    const elsewhere = ELSEWHERE_PARAMS.find((name) => name in config);
    if (elsewhere)
      throw new TenantMisconfiguredError(
        tenantId,
        `its database URL sets "${elsewhere}", which other clients read as another server`,
      );
    if (String(config.host ?? '').includes(','))
      throw new TenantMisconfiguredError(tenantId, 'its database URL names several hosts');
    const server = serverOf(config);
    if (!this.allowed.has(server)) {
      throw new TenantMisconfiguredError(
        tenantId,
        `its database URL names the server ${server}, which is not the admin server (database.adminUrl), the app URL's, or one of database.allowedServers`,
      );
    }
    return { database: config.database ?? '', user: config.user ?? '', password: String(config.password ?? '') };
  }
}

/** Checks `database.allowedServers` at construction. */
export function validateAllowedServers(value: unknown): void {
  if (value === undefined) return;
  if (!Array.isArray(value) || value.some((entry) => typeof entry !== 'string' || parseServer(entry) === undefined)) {
    throw new TenancyConfigError(
      'database.allowedServers',
      'expected a list of "host:port" (or "[ipv6]:port") strings',
    );
  }
}
