import { Client } from 'pg';
import type { BenchDatabase } from '../support/bench-database';
import { median } from '../support/timing';
import { ROW, TENANT } from '../rls/rls-data';

/** One statement's plan, as the scale bench prints it. */
export interface PlanLine {
  op: string;
  /** Who ran it and how it was scoped. */
  as: string;
  /** Node types from the top, with the index each scan uses: `Limit > Index Scan (projects_pkey)`. */
  plan: string;
  /** Median execution time of 5 runs (EXPLAIN ANALYZE), ms. */
  executionMs: number;
}

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Rows Removed by Filter'?: number;
  'Parent Relationship'?: string;
  Plans?: PlanNode[];
}

const COLUMNS = 'id, tenant_id, name, budget, created_at';

function describe(node: PlanNode): string {
  const index = node['Index Name'] ? ` (${node['Index Name']})` : '';
  const removed = node['Rows Removed by Filter'] ? ` [${node['Rows Removed by Filter']} filtered out]` : '';
  const here = `${node['Node Type']}${index}${removed}`;
  // InitPlans (the policy's `(SELECT current_setting(...))`) are listed too; the main path is the first child.
  const main = node.Plans?.find((p) => p['Parent Relationship'] !== 'InitPlan');
  return main ? `${here} > ${describe(main)}` : here;
}

async function explain(client: Client, sql: string, values: unknown[], rls: boolean) {
  const times: number[] = [];
  let plan = '';
  for (let i = 0; i < 5; i++) {
    if (rls) await client.query(`BEGIN; SELECT set_config('app.tenant_id', '${TENANT}', true)`);
    const { rows } = await client.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode; 'Execution Time': number }> }>(
      `EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`,
      values,
    );
    if (rls) await client.query('COMMIT');
    const [result] = rows[0]['QUERY PLAN'];
    plan = describe(result.Plan);
    times.push(result['Execution Time']);
  }
  return { plan, executionMs: median(times) };
}

/**
 * Plans of the SQL the variants send, by hand: plain as the superuser (the
 * tenant in the WHERE clause for findMany), and as the app role under RLS
 * with the tenant set, both with the policy alone and with the tenant also in
 * the WHERE clause (what the package's Prisma extension adds to reads).
 */
export async function explainBoth(db: BenchDatabase, ops: readonly string[]): Promise<PlanLine[]> {
  const admin = new Client({ connectionString: db.adminUrl });
  const app = new Client({ connectionString: db.appUrl });
  await admin.connect();
  await app.connect();
  const lines: PlanLine[] = [];
  try {
    for (const op of ops) {
      const byId = op === 'findFirst';
      const bare = byId
        ? { sql: `SELECT ${COLUMNS} FROM projects WHERE id = $1 LIMIT 1`, values: [ROW] }
        : { sql: `SELECT ${COLUMNS} FROM projects LIMIT 50`, values: [] };
      const scoped = byId
        ? { sql: `SELECT ${COLUMNS} FROM projects WHERE id = $1 AND tenant_id = $2 LIMIT 1`, values: [ROW, TENANT] }
        : { sql: `SELECT ${COLUMNS} FROM projects WHERE tenant_id = $1 LIMIT 50`, values: [TENANT] };
      const plain = byId ? bare : scoped;
      lines.push({ op, as: 'plain (superuser)', ...(await explain(admin, plain.sql, plain.values, false)) });
      lines.push({ op, as: 'RLS, policy only', ...(await explain(app, bare.sql, bare.values, true)) });
      lines.push({ op, as: 'RLS, policy + WHERE tenant_id', ...(await explain(app, scoped.sql, scoped.values, true)) });
    }
  } finally {
    await admin.end();
    await app.end();
  }
  return lines;
}
