import { currentTenantId } from '../../context/current-tenant-id';
import { InvalidTenantIdError } from '../../errors/invalid-tenant-id.error';
import { MissingTenantError } from '../../errors/missing-tenant.error';

/**
 * The part of a graphql-subscriptions `PubSubEngine` that `TenantPubSub`
 * uses: `PubSub` of graphql-subscriptions 3 (`asyncIterableIterator`) or 2
 * (`asyncIterator`), `RedisPubSub` of graphql-redis-subscriptions, and the like.
 */
export interface PubSubEngineLike {
  publish(triggerName: string, payload: unknown): Promise<void> | void;
  asyncIterableIterator?<T>(triggers: string | readonly string[]): AsyncIterableIterator<T>;
  asyncIterator?<T>(triggers: string | string[]): AsyncIterator<T>;
}

const PREFIX = 'tenant:';

function tenantOrThrow(what: string): string {
  const tenantId = currentTenantId();
  if (tenantId === undefined) throw new MissingTenantError(`${what} needs a tenant, and none is current.`);
  return tenantId;
}

/**
 * The name under which `trigger` travels for one tenant:
 * `tenant:<id>:<trigger>`. The id is URI-encoded, so no `:` in a tenant id (a
 * custom `tenantIdPattern` may allow one) can make two tenants' names meet.
 * Without `tenantId`, the current tenant's (`MissingTenantError` outside one).
 * For pub/sub engines `TenantPubSub` does not wrap, such as Mercurius's:
 *
 * ```ts
 * pubsub.subscribe(tenantTopic('projectAdded'));
 * app.graphql.pubsub.publish({ topic: tenantTopic('projectAdded'), payload });
 * ```
 */
export function tenantTopic(trigger: string, tenantId?: string): string {
  const id = tenantId ?? tenantOrThrow(`The topic "${trigger}"`);
  if (typeof id !== 'string' || id === '') throw new InvalidTenantIdError('A topic needs a non-empty tenant id.');
  return `${PREFIX}${encodeURIComponent(id)}:${trigger}`;
}

/**
 * A pub/sub engine whose triggers are scoped by the current tenant: an event
 * published while tenant A is current reaches only subscriptions opened while
 * tenant A was current. Subscription resolvers run inside their operation's
 * tenant (resolved from the connection parameters by `TenantGuard`), and so
 * do the resolvers and services that publish. Outside a tenant both sides
 * throw `MissingTenantError` rather than use an unscoped name.
 *
 * ```ts
 * const pubSub = new TenantPubSub(new PubSub());
 * // in a mutation: await pubSub.publish('projectAdded', { projectAdded: project });
 * // in a @Subscription(): return pubSub.asyncIterableIterator('projectAdded');
 * ```
 */
export class TenantPubSub<E extends PubSubEngineLike = PubSubEngineLike> {
  constructor(
    /** The engine events travel through, under tenant-scoped names. */
    readonly engine: E,
  ) {}

  /** Publishes `payload` on `trigger` for the current tenant. */
  async publish(trigger: string, payload: unknown): Promise<void> {
    await this.engine.publish(tenantTopic(trigger, tenantOrThrow(`Publishing "${trigger}"`)), payload);
  }

  /**
   * Publishes for a tenant named explicitly, from code that runs outside any
   * (a job over all tenants, a message from another system). The id is not
   * looked up: pass ids you got from the package.
   */
  async publishTo(tenantId: string, trigger: string, payload: unknown): Promise<void> {
    await this.engine.publish(tenantTopic(trigger, tenantId), payload);
  }

  /** The events of `triggers` published for the current tenant (graphql-subscriptions 3's name). */
  asyncIterableIterator<T>(triggers: string | readonly string[]): AsyncIterableIterator<T> {
    const tenantId = tenantOrThrow('Subscribing');
    const scoped = (typeof triggers === 'string' ? [triggers] : [...triggers]).map((t) => tenantTopic(t, tenantId));
    if (this.engine.asyncIterableIterator) return this.engine.asyncIterableIterator<T>(scoped);
    if (this.engine.asyncIterator) return this.engine.asyncIterator<T>(scoped) as AsyncIterableIterator<T>;
    throw new TypeError('TenantPubSub: the engine has neither asyncIterableIterator nor asyncIterator.');
  }

  /** Same as `asyncIterableIterator` (graphql-subscriptions 2's name). */
  asyncIterator<T>(triggers: string | readonly string[]): AsyncIterableIterator<T> {
    return this.asyncIterableIterator<T>(triggers);
  }
}
