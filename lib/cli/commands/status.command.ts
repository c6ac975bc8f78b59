import { EXIT_OK } from '../cli.constants';
import type { CliCommand } from '../cli-command.interface';
import { tenantJson } from '../cli-json';
import { renderTable, shortError } from '../cli-output';

const HEADERS = ['id', 'name', 'strategy', 'status', 'schema version', 'migrated at', 'last error'];

/** `status`: the registry as a table (or JSON), without connection strings. */
export const statusCommand: CliCommand = {
  name: 'status',
  summary: 'List tenants: strategy, status, schema version, last migration and last error',
  usage: ['[--json]'],
  description:
    'Lists every tenant of the registry, oldest first, deleted ones included. Database URLs are never shown. ' +
    'Needs only the registry URL.',
  positionals: { min: 0, max: 0 },
  // --json (a global flag): a JSON array instead of the table, schema names and timestamps included.
  options: {},
  settings: ['registryUrl', 'registrySchema'],
  async run(context) {
    const tenants = await context.registry().list();
    if (context.output.jsonMode) {
      context.output.document(tenants.map(tenantJson));
      return EXIT_OK;
    }
    if (!tenants.length) {
      context.output.out('No tenants registered.');
      return EXIT_OK;
    }
    const rows = tenants.map((tenant) => [
      tenant.id,
      tenant.name ?? '',
      tenant.strategy ?? `(${context.settings.defaultStrategy ?? 'default'})`,
      tenant.status,
      tenant.schemaVersion ?? '-',
      tenant.migratedAt ? formatDate(tenant.migratedAt) : '-',
      tenant.lastError ? shortError(tenant.lastError, 80) : '',
    ]);
    context.output.out(renderTable(HEADERS, rows));
    const counts = new Map<string, number>();
    for (const tenant of tenants) counts.set(tenant.status, (counts.get(tenant.status) ?? 0) + 1);
    context.output.out(`\n${tenants.length} tenants: ${[...counts].map(([status, n]) => `${n} ${status}`).join(', ')}`);
    return EXIT_OK;
  },
};

/** `2026-01-31 14:05:09Z`: sortable, unambiguous, no milliseconds. */
function formatDate(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}
