import type { INestApplicationContext } from '@nestjs/common';
import { TenantContext, TenantPrisma } from '../../../lib';
import type { PrismaClient } from '../generated/client';

/** A few projects per active tenant, and the shared plans. */
const PROJECTS: Record<string, { name: string; tasks: string[] }[]> = {
  acme: [
    { name: 'Rocket skates', tasks: ['Order wheels', 'Test on a cliff'] },
    { name: 'Giant magnet', tasks: ['Find iron'] },
  ],
  globex: [
    { name: 'Doomsday device', tasks: ['Hire Hank', 'Buy a volcano', 'Write the speech'] },
    { name: 'Hammock district', tasks: [] },
  ],
};

/**
 * Seeds through the package itself, the way a script or job would: plans via
 * the shared client (no tenant needed), projects inside `TenantContext.run`.
 * The nested task creates get their `tenant_id` from the column default,
 * which reads the RLS setting the package put on the connection.
 * Returns the ids of the projects created, by tenant.
 */
export async function seed(app: INestApplicationContext): Promise<Record<string, string[]>> {
  const context = app.get(TenantContext);
  const prisma = app.get<TenantPrisma<PrismaClient>>(TenantPrisma);

  await prisma.shared.plan.createMany({
    data: [
      { id: 'free', name: 'Free', price: 0 },
      { id: 'team', name: 'Team', price: 49 },
      { id: 'enterprise', name: 'Enterprise', price: 499 },
    ],
  });

  const ids: Record<string, string[]> = {};
  for (const [tenantId, projects] of Object.entries(PROJECTS)) {
    ids[tenantId] = await context.run(tenantId, async () => {
      const created: string[] = [];
      for (const project of projects) {
        const { id } = await prisma.client.project.create({
          data: { name: project.name, tasks: { create: project.tasks.map((title) => ({ title })) } },
        });
        created.push(id);
      }
      return created;
    });
  }
  return ids;
}
