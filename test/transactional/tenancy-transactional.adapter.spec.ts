import { MissingTenantError, TenantMismatchError } from '../../lib';
import { TX_SETUPS, type StoredProject, type TxTestApp } from './transactional-app';

// @Transactional() and TransactionHost of @nestjs-cls/transactional over
// TenancyTransactionalAdapter, on every strategy, against real PostgreSQL.
// What is stored is read afterwards as a superuser (past RLS), so a row
// written in the wrong place, or a rollback that did not happen, shows.
describe.each(TX_SETUPS)('@Transactional() on $label', (setup) => {
  let t: TxTestApp;
  let stored: (tenantId: string) => Promise<StoredProject[]>;
  let drop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ({ t, stored, drop } = await setup.boot());
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await drop?.();
  }, 60_000);

  const as = <T>(tenantId: string, fn: () => Promise<T>) => t.context.run(tenantId, fn);
  /** The names stored for a tenant that start with `prefix`; every such row must carry the tenant's id. */
  const storedNames = async (tenantId: string, prefix: string) => {
    const rows = (await stored(tenantId)).filter((row) => row.name.startsWith(prefix));
    expect(rows.filter((row) => row.tenant_id !== tenantId)).toEqual([]);
    return rows.map((row) => row.name);
  };
  const only = (prefix: string) => (names: string[]) => names.filter((name) => name.startsWith(prefix));
  const boom = new Error('boom');

  it('commits what a @Transactional() method writes through a repository, in the tenant of the context', async () => {
    const seen = await as('t0', () => t.service.createAll(['commit-a', 'commit-b']));
    expect(only('commit-')(seen)).toEqual(['commit-a', 'commit-b']);
    expect(await storedNames('t0', 'commit-')).toEqual(['commit-a', 'commit-b']);
    expect(await storedNames('t1', 'commit-')).toEqual([]);
  });

  it('rolls back everything when the method throws', async () => {
    await expect(
      as('t0', () =>
        t.service.createAll(['rollback-a', 'rollback-b'], async () => {
          // Visible inside the transaction, before it ends.
          expect(only('rollback-')(await t.service.projects.names())).toEqual(['rollback-a', 'rollback-b']);
          throw boom;
        }),
      ),
    ).rejects.toBe(boom);
    expect(await storedNames('t0', 'rollback-')).toEqual([]);
  });

  it('opens the transaction with the tenant set in the session, and passes isolationLevel through', async () => {
    const setting = await as('t1', () =>
      t.service.createAll([], async () => {
        const [row] = await t.txHost.tx.$queryRaw<{ tenant: string }[]>`
          SELECT current_setting('app.tenant_id', true) AS tenant`;
        expect(row.tenant).toBe('t1');
      }),
    );
    expect(setting).toBeDefined();
    expect(await as('t1', () => t.service.isolationLevel())).toBe('serializable');
  });

  it('passes timeout through: a transaction past it fails and writes nothing', async () => {
    await expect(as('t2', () => t.service.slowWrite('timeout-a'))).rejects.toThrow();
    // The rollback may land after the rejection: give it the sleep's second.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(await storedNames('t2', 'timeout-')).toEqual([]);
  });

  it('Required joins the outer transaction: it sees its rows and rolls back with it', async () => {
    await expect(
      as('t0', () =>
        t.service.createAll(['required-outer'], async () => {
          const inner = await t.service.createAll(['required-inner']);
          expect(only('required-')(inner)).toEqual(['required-inner', 'required-outer']);
          throw boom;
        }),
      ),
    ).rejects.toBe(boom);
    expect(await storedNames('t0', 'required-')).toEqual([]);
  });

  it('RequiresNew is independent: it does not see the outer rows, and commits while the outer rolls back', async () => {
    await expect(
      as('t0', () =>
        t.service.createAll(['new-outer'], async () => {
          const inner = await t.service.createAllNew(['new-inner']);
          expect(only('new-')(inner)).toEqual(['new-inner']);
          throw boom;
        }),
      ),
    ).rejects.toBe(boom);
    expect(await storedNames('t0', 'new-')).toEqual(['new-inner']);
  });

  it('Nested runs in a savepoint: a throwing inner block is undone, the outer one commits', async () => {
    await as('t0', () =>
      t.service.createAll(['nested-outer'], async () => {
        await expect(
          t.service.createAllNested(['nested-inner'], async () => {
            expect(only('nested-')(await t.service.projects.names())).toEqual(['nested-inner', 'nested-outer']);
            throw boom;
          }),
        ).rejects.toBe(boom);
        expect(only('nested-')(await t.service.projects.names())).toEqual(['nested-outer']);
      }),
    );
    expect(await storedNames('t0', 'nested-')).toEqual(['nested-outer']);
  });

  it('Nested commits with the outer transaction, and rolls back with it', async () => {
    await as('t1', () => t.service.createAll(['nest2-outer'], () => t.service.createAllNested(['nest2-inner'])));
    expect(await storedNames('t1', 'nest2-')).toEqual(['nest2-inner', 'nest2-outer']);
    await expect(
      as('t1', () =>
        t.service.createAll(['nest3-outer'], async () => {
          await t.service.createAllNested(['nest3-inner']);
          throw boom;
        }),
      ),
    ).rejects.toBe(boom);
    expect(await storedNames('t1', 'nest3-')).toEqual([]);
  });

  it('Nested recovers the transaction after a failed statement inside it', async () => {
    const existing = await as('t2', () => t.service.projects.create('dup-original'));
    await as('t2', () =>
      t.service.createAll(['dup-outer'], async () => {
        await expect(
          t.service.createAllNested([], () => t.txHost.tx.project.create({ data: { id: existing.id, name: 'dup-x' } })),
        ).rejects.toThrow();
        // Without the savepoint PostgreSQL would refuse this: "current transaction is aborted".
        await t.service.projects.create('dup-after');
      }),
    );
    expect(await storedNames('t2', 'dup-')).toEqual(['dup-after', 'dup-original', 'dup-outer']);
  });

  it('concurrent transactions of different tenants never see each other', async () => {
    const tenants = ['t0', 't1', 't2'];
    // Six transactions open at once: within every strategy's default pool.
    const rounds = 2;
    let arrived = 0;
    let open!: () => void;
    const allOpen = new Promise<void>((resolve) => (open = resolve));
    const run = (id: string, round: number) =>
      as(id, () =>
        t.service.createAll([`conc${round}-${id}-1`], async () => {
          // Every transaction holds an uncommitted row before any goes on.
          if (++arrived === tenants.length * rounds) open();
          await allOpen;
          await t.service.projects.create(`conc${round}-${id}-2`);
          const seen = only('conc')(await t.service.projects.names());
          expect(seen.every((name) => name.includes(`-${id}-`))).toBe(true);
          expect(seen).toEqual(expect.arrayContaining([`conc${round}-${id}-1`, `conc${round}-${id}-2`]));
        }),
      ).finally(open); // a failure must not leave the others waiting with their connections
    const results = await Promise.allSettled(
      tenants.flatMap((id) => Array.from({ length: rounds }, (_, round) => run(id, round))),
    );
    expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
    for (const id of tenants) {
      const names = await storedNames(id, 'conc');
      expect(names).toHaveLength(2 * rounds);
      expect(names.every((name) => name.includes(`-${id}-`))).toBe(true);
    }
  });

  it("refuses a transaction's use from another tenant's context with TenantMismatchError (403)", async () => {
    await as('t0', () =>
      t.service.createAll(['cross-a'], async () => {
        const delegate = t.txHost.tx.project;
        await t.context.run('t1', async () => {
          let error: unknown;
          try {
            void t.txHost.tx.project;
          } catch (caught) {
            error = caught;
          }
          expect(error).toBeInstanceOf(TenantMismatchError);
          expect((error as TenantMismatchError).getStatus()).toBe(403);
          expect((error as TenantMismatchError).errorCode).toBe('TENANT_MISMATCH');
          // A delegate taken inside the tenant, used from another.
          expect(() => delegate.create({ data: { name: 'cross-b-delegate' } })).toThrow(TenantMismatchError);
          expect(() => t.txHost.tx.$queryRaw`SELECT 1`).toThrow(TenantMismatchError);
          // The injected transaction proxy (@InjectTransaction) too.
          expect(() => t.service.tx.project).toThrow(TenantMismatchError);
          // Required would join the outer transaction: refused at its first statement.
          await expect(t.service.createAll(['cross-b-required'])).rejects.toBeInstanceOf(TenantMismatchError);
          // Nested would open a savepoint in it: refused too.
          await expect(t.service.createAllNested(['cross-b-nested'])).rejects.toBeInstanceOf(TenantMismatchError);
          // RequiresNew opens a transaction of the tenant in context: allowed.
          await t.service.createAllNew(['cross-b-new']);
        });
        // Back in its own tenant, the transaction works on.
        await t.service.projects.create('cross-a2');
      }),
    );
    expect(await storedNames('t0', 'cross-')).toEqual(['cross-a', 'cross-a2']);
    expect(await storedNames('t1', 'cross-')).toEqual(['cross-b-new']);
  });

  it('outside a transaction, txHost.tx is the current tenant client, read on each access', async () => {
    await as('t0', async () => {
      expect(t.txHost.isTransactionActive()).toBe(false);
      expect(t.txHost.tx).toBe(t.prisma.client);
      await t.txHost.tx.project.create({ data: { name: 'fallback-t0' } });
      await t.service.tx.project.create({ data: { name: 'fallback-proxy-t0' } });
    });
    await as('t1', async () => {
      expect(t.txHost.tx).toBe(t.prisma.client);
      await t.txHost.tx.project.create({ data: { name: 'fallback-t1' } });
    });
    expect(await storedNames('t0', 'fallback-')).toEqual(['fallback-proxy-t0', 'fallback-t0']);
    expect(await storedNames('t1', 'fallback-')).toEqual(['fallback-t1']);
  });

  it('without a tenant: shared models only, and no transaction', async () => {
    expect(await t.txHost.tx.plan.findMany()).toEqual(expect.any(Array));
    await expect(t.txHost.tx.project.findMany()).rejects.toBeInstanceOf(MissingTenantError);
    await expect(t.service.createAll(['no-tenant'])).rejects.toBeInstanceOf(MissingTenantError);
    for (const id of ['t0', 't1', 't2']) expect(await storedNames(id, 'no-tenant')).toEqual([]);
  });

  it('the injected transaction proxy (@InjectTransaction) joins the transaction', async () => {
    await expect(
      as('t1', () =>
        t.service.createAll([], async () => {
          await t.service.tx.project.create({ data: { name: 'proxy-a' } });
          expect(only('proxy-')(await t.service.projects.names())).toEqual(['proxy-a']);
          throw boom;
        }),
      ),
    ).rejects.toBe(boom);
    expect(await storedNames('t1', 'proxy-')).toEqual([]);
  });

  it('a plain TenantRepository writes outside the transaction (documented): its row stays after a rollback', async () => {
    await expect(
      as('t2', () =>
        t.service.createAll(['plain-in-tx'], async () => {
          await t.service.plain.create('plain-outside');
          throw boom;
        }),
      ),
    ).rejects.toBe(boom);
    expect(await storedNames('t2', 'plain-')).toEqual(['plain-outside']);
  });
});
