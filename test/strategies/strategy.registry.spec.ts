import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { CLI_SETTINGS } from '../../lib/cli/cli-settings.definition';
import {
  isTenancyStrategyName,
  strategyDefinition,
  strategyNamesText,
  TENANCY_STRATEGIES,
  TENANCY_STRATEGY_NAMES,
} from '../../lib/strategies/strategy.registry';

// Unit spec of the registry every list of strategy names comes from.
describe('strategy registry', () => {
  it('registers rls, schema and database once each', () => {
    expect(TENANCY_STRATEGY_NAMES).toEqual(['rls', 'schema', 'database']);
    expect(new Set(TENANCY_STRATEGY_NAMES).size).toBe(TENANCY_STRATEGIES.length);
    for (const name of TENANCY_STRATEGY_NAMES) expect(strategyDefinition(name).name).toBe(name);
  });

  it('tells registered names from anything else', () => {
    for (const name of TENANCY_STRATEGY_NAMES) expect(isTenancyStrategyName(name)).toBe(true);
    for (const value of ['silo', 'RLS', '', undefined, null, 1, ['rls']])
      expect(isTenancyStrategyName(value)).toBe(false);
    expect(() => strategyDefinition('silo' as never)).toThrow(/no strategy named "silo"/);
  });

  it('names them for messages', () => {
    expect(strategyNamesText()).toBe('rls, schema or database');
  });

  it("each definition's CLI settings exist, and its provisioning loads", () => {
    const keys = new Set<string>(CLI_SETTINGS.map((spec) => spec.key));
    for (const definition of TENANCY_STRATEGIES) {
      for (const key of definition.cli.requiredSettings ?? []) expect(keys).toContain(key);
      expect(typeof definition.provisioning().create).toBe('function');
    }
  });

  it('each definition validates its own options slice, naming fields under its name', () => {
    const store = { findById: async () => null };
    for (const definition of TENANCY_STRATEGIES) {
      expect(() => definition.resolveOptions(undefined, { store })).not.toThrow();
      // A slice whose every field is of the wrong type.
      const bad = { naming: 1, mode: 1, tenantColumn: 1, selfCheck: 1, poolSize: 'x' };
      expect(() => definition.resolveOptions(bad, { store })).toThrow(
        expect.objectContaining({ field: expect.stringMatching(new RegExp(`^${definition.name}\\.`)) }),
      );
    }
  });

  it("keeps provisioning out of the root entry point's import graph", () => {
    // A process of its own: the test runner's module registry is not Node's.
    const script =
      "require('./lib'); const loaded = Object.keys(require.cache).filter((f) => /[\\\\/]lib[\\\\/]/.test(f));" +
      'process.stdout.write(JSON.stringify(loaded));';
    const root = join(__dirname, '..', '..');
    const out = execFileSync(process.execPath, ['-r', '@swc-node/register', '-e', script], {
      cwd: root,
      encoding: 'utf8',
    });
    const loaded = (JSON.parse(out) as string[]).map((file) => file.slice(root.length + 1));
    expect(loaded).toContain(join('lib', 'strategies', 'strategy.registry.ts'));
    expect(loaded.filter((file) => /provision|migrations/.test(file))).toEqual([]);
  }, 60_000);
});
