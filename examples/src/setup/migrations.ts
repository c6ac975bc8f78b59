import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from 'pg';

/**
 * Applies every `<folder>/migration.sql` under `dir`, in name order, each in
 * its own transaction. Deliberately tiny: it records nothing, so it is only
 * fit for the fresh database the example creates on each start. Use
 * `prisma migrate deploy` (run as the table owner) in a real app.
 */
export async function applyMigrations(url: string, dir: string): Promise<string[]> {
  const folders = (await readdir(dir, { withFileTypes: true }))
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    for (const folder of folders) {
      const sql = await readFile(join(dir, folder, 'migration.sql'), 'utf8');
      await client.query('BEGIN');
      try {
        await client.query(sql);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${folder} failed: ${(error as Error).message}`);
      }
    }
  } finally {
    await client.end();
  }
  return folders;
}
