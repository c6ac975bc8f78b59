import type { TenancyStrategyName } from '../store/tenant.interface';
import { databaseStrategy } from './database/database.definition';
import { rlsStrategy } from './rls/rls.definition';
import { schemaStrategy } from './schema/schema.definition';
import type { TenancyStrategyDefinition } from './strategy-definition.interface';

/**
 * Every isolation strategy, once. The module's validator, the strategy
 * factory, the pool service, the provisioner and the CLI read their lists of
 * names, and every per-strategy choice, from here.
 *
 * A new strategy gets a folder `lib/strategies/<name>/` holding:
 * - its runtime class, implementing `TenancyStrategy` (built from its own
 *   resolved options and `TenancyStrategyCommon`, never the whole options);
 * - its provisioner, implementing `StrategyProvisioner`;
 * - `<name>.options.ts`: the public interface of its module options slice
 *   (`TenancyModuleOptions[name]`) and of its provisioner slice
 *   (`TenantProvisionerOptions[name]`), and the function validating the
 *   first and filling in its defaults;
 * - `<name>.definition.ts`: its `TenancyStrategyDefinition`;
 *
 * and one line in the list below. The compiler then asks for the rest: the
 * name in the `TenancyStrategyName` union, and the slices in
 * `TenancyModuleOptions` and `TenantProvisionerOptions` (checked in
 * tenancy-options.interface.ts and tenant-provisioner.interface.ts). The
 * registry table's CHECK constraint on `strategy` (registry migrations) must
 * accept the name too.
 */
const DEFINITIONS = [rlsStrategy, schemaStrategy, databaseStrategy] as const;

type RegisteredDefinition = (typeof DEFINITIONS)[number];

/** The registered strategies, in a stable order (the order of lists in messages and stats). */
export const TENANCY_STRATEGIES: readonly TenancyStrategyDefinition<TenancyStrategyName, any, any>[] = DEFINITIONS;

/** Every strategy name, from the registry. */
export const TENANCY_STRATEGY_NAMES: readonly TenancyStrategyName[] = TENANCY_STRATEGIES.map((d) => d.name);

/** Each strategy's module options slice once resolved, by name: part of `ResolvedTenancyOptions`. */
export type ResolvedStrategyOptions = {
  [D in RegisteredDefinition as D['name']]: ReturnType<D['resolveOptions']>;
};

// Compile-time: a name added to the union without a definition fails here, naming it.
type AssertNone<T extends never> = T;
type _Unregistered = AssertNone<Exclude<TenancyStrategyName, RegisteredDefinition['name']>>;

/** Whether `value` names a registered strategy. */
export function isTenancyStrategyName(value: unknown): value is TenancyStrategyName {
  return (TENANCY_STRATEGY_NAMES as readonly unknown[]).includes(value);
}

/** The definition of a registered strategy. */
export function strategyDefinition(
  name: TenancyStrategyName,
): TenancyStrategyDefinition<TenancyStrategyName, any, any> {
  const definition = TENANCY_STRATEGIES.find((d) => d.name === name);
  if (!definition) throw new Error(`nestjs-prisma-tenancy: no strategy named ${JSON.stringify(name)} is registered`);
  return definition;
}

/** The names for messages: `rls, schema or database`. */
export function strategyNamesText(): string {
  const names = [...TENANCY_STRATEGY_NAMES];
  const last = names.pop();
  return names.length ? `${names.join(', ')} or ${last}` : String(last);
}
