import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isTenancyStrategyName, strategyNamesText } from '../strategies/strategy.registry';
import { DEFAULT_CONFIG_FILE } from './cli.constants';
import { CLI_SETTINGS } from './cli-settings.definition';
import type { CliSettings, CliSettingSpec } from './cli-settings.interface';
import { CliSettingsError } from './cli-settings.error';

/** Where `loadCliSettings` reads from. */
export interface CliSettingsSources {
  env: Record<string, string | undefined>;
  cwd: string;
  /** Parsed flags by name (`registry-url`); settings flags among them are applied last. */
  flags: Record<string, string | boolean | undefined>;
  /** `--config`: must exist. Default: `tenancy.config.json` in `cwd`, when present. */
  configPath?: string;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/i;
// Lower-case: the schema strategy refuses names PostgreSQL would fold.
const PREFIX = /^[a-z_][a-z0-9_]{0,39}$/;

/**
 * Merges the config file, then the environment, then the flags (each
 * overriding the one before), checks every value against its kind and fills
 * in defaults. A bad value fails with `CliUsageError` naming where it came
 * from; secrets are never echoed.
 */
export function loadCliSettings(sources: CliSettingsSources): CliSettings {
  const raw: Partial<Record<keyof CliSettings, unknown>> = {};
  const file = readConfigFile(sources);
  for (const spec of CLI_SETTINGS) {
    const fromFile = file?.values[spec.key];
    const fromEnv = sources.env[spec.env];
    const fromFlag = sources.flags[spec.flag];
    if (fromFlag !== undefined) raw[spec.key] = read(spec, fromFlag, `--${spec.flag}`, sources.cwd);
    else if (fromEnv !== undefined && fromEnv !== '') raw[spec.key] = read(spec, fromEnv, spec.env, sources.cwd);
    else if (fromFile !== undefined && fromFile !== null)
      raw[spec.key] = read(spec, fromFile, `"${spec.key}" in ${file!.path}`, file!.dir);
  }
  return {
    registrySchema: 'tenancy',
    migrationsDir: resolve(sources.cwd, 'prisma/migrations'),
    encryptionKeys: [],
    schemaPrefix: 'tenant_',
    concurrency: 4,
    perTenantRole: false,
    allowPlaintextUrls: false,
    allowedServers: [],
    rlsTables: [],
    ...(raw as Partial<CliSettings>),
  };
}

function readConfigFile(
  sources: CliSettingsSources,
): { path: string; dir: string; values: Record<string, unknown> } | undefined {
  const path = resolve(sources.cwd, sources.configPath ?? DEFAULT_CONFIG_FILE);
  if (!existsSync(path)) {
    if (sources.configPath === undefined) return undefined;
    throw new CliSettingsError(`config file ${path} not found`);
  }
  let values: unknown;
  try {
    values = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CliSettingsError(`config file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof values !== 'object' || values === null || Array.isArray(values)) {
    throw new CliSettingsError(`config file ${path} must hold a JSON object`);
  }
  // A misspelt key would otherwise be ignored in silence, and its default used.
  const unknown = Object.keys(values).filter(
    (key) => !key.startsWith('$') && !CLI_SETTINGS.some((spec) => spec.key === key),
  );
  if (unknown.length) {
    throw new CliSettingsError(`unknown key(s) ${unknown.map((key) => `"${key}"`).join(', ')} in config file ${path}`);
  }
  return { path, dir: dirname(path), values: values as Record<string, unknown> };
}

/** Checks one value; `where` names its source in the message, `base` resolves relative paths. */
function read(spec: CliSettingSpec, value: unknown, where: string, base: string): unknown {
  const bad = (expected: string): never => {
    const shown = spec.secret ? '' : `, got ${JSON.stringify(value)}`;
    throw new CliSettingsError(`invalid ${where}: expected ${expected}${shown}`);
  };
  switch (spec.kind) {
    case 'int': {
      const n =
        typeof value === 'number'
          ? value
          : typeof value === 'string' && /^\d+$/.test(value.trim())
            ? Number(value)
            : NaN;
      return Number.isInteger(n) && n >= 1 ? n : bad('a positive integer');
    }
    case 'bool':
      if (typeof value === 'boolean') return value;
      if (typeof value === 'string' && /^(true|1|yes)$/i.test(value.trim())) return true;
      if (typeof value === 'string' && /^(false|0|no)$/i.test(value.trim())) return false;
      return bad('true or false');
    case 'list': {
      const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : bad('a list');
      if (!items.every((item) => typeof item === 'string')) bad('a list of strings');
      return (items as string[]).map((item) => item.trim()).filter(Boolean);
    }
    default:
      if (typeof value !== 'string' || value.trim() === '') return bad('a non-empty string');
  }
  const text = value.trim();
  if (spec.kind === 'strategy' && !isTenancyStrategyName(text)) bad(strategyNamesText());
  if (spec.kind === 'identifier' && !IDENTIFIER.test(text)) bad('a plain SQL identifier');
  if (spec.kind === 'prefix' && !PREFIX.test(text)) bad('lower-case letters, digits and _, not starting with a digit');
  if (spec.kind === 'path') return resolve(base, text);
  if (spec.kind === 'pattern') {
    // Unanchored, a pattern would accept any id that merely contains a match.
    if (!text.startsWith('^') || !text.endsWith('$')) bad('a regular expression anchored with ^ and $');
    try {
      return new RegExp(text);
    } catch {
      return bad('a valid regular expression');
    }
  }
  if (spec.kind === 'url') {
    let protocol = '';
    try {
      protocol = new URL(text).protocol;
    } catch {
      bad('a postgresql:// URL');
    }
    if (protocol !== 'postgres:' && protocol !== 'postgresql:') bad('a postgresql:// URL');
  }
  return text;
}
