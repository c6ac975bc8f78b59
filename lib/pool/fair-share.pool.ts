import { Pool, type QueryConfig } from 'pg';
import { FairShare, type FairShareSettings, fairShareEnabled } from './fair-share';

type QueryArg = string | QueryConfig;

/**
 * A shared pg pool behind a fair share (see `FairShare`), in the `pg.Pool`
 * shape the schema strategy's tenant views draw from: `query` and `connect`
 * count the current tenant's connections and keep the wait deadline. A plain
 * read with an idle connection ready, and no cap, goes to the source as it is.
 */
export class FairSharePool extends Pool {
  private readonly fair: FairShare;

  constructor(
    private readonly source: Pool,
    settings: FairShareSettings,
    /** The tenant the statement runs for, from the request context; undefined for none. */
    private readonly tenantOf: () => string | undefined,
  ) {
    super({ max: 1 });
    this.fair = new FairShare(source, settings);
  }

  override query(...args: any[]): any {
    const [config, values] = args as [QueryArg, unknown[] | undefined];
    if (typeof values === 'function' || typeof args[2] === 'function')
      throw new TypeError('FairSharePool.query does not take callbacks');
    const tenantId = this.tenantOf() ?? null;
    const share = this.fair.takeShare(tenantId);
    if (share !== false && this.fair.ready()) {
      if (!share) return this.source.query(config as QueryConfig, values);
      return this.source.query(config as QueryConfig, values).then(
        (result) => {
          share();
          return result;
        },
        (error: unknown) => {
          share();
          throw error;
        },
      );
    }
    if (share) share(); // taken for the direct path; the checkout takes its own
    return this.fair
      .checkout(tenantId, () => this.source.connect())
      .then((client) =>
        client.query(config as QueryConfig, values).then(
          (result) => {
            client.release();
            return result;
          },
          (error: unknown) => {
            // As pg-pool's own query(): a connection whose statement failed is not reused.
            client.release(error as Error);
            throw error;
          },
        ),
      );
  }

  override connect(...args: any[]): any {
    if (args.length > 0) throw new TypeError('FairSharePool.connect does not take callbacks');
    return this.fair.checkout(this.tenantOf() ?? null, () => this.source.connect());
  }

  /** The source belongs to the strategy; this only fails the tenants still waiting for their share. */
  override end(...args: any[]): any {
    this.fair.close();
    if (typeof args[0] === 'function') args[0]();
    return Promise.resolve();
  }
}

const wrappers = new WeakMap<Pool, Pool>();

/**
 * The pool a strategy's tenant views should draw from: `source` itself when
 * `settings` ask for no fairness (nothing added to any statement), else the
 * one `FairSharePool` of `source`.
 */
export function fairSharePoolOf(
  source: Pool,
  settings: FairShareSettings | undefined,
  tenantOf: () => string | undefined,
): Pool {
  if (!fairShareEnabled(settings)) return source;
  let wrapper = wrappers.get(source);
  if (!wrapper) {
    wrapper = new FairSharePool(source, settings, tenantOf);
    wrappers.set(source, wrapper);
  }
  return wrapper;
}
