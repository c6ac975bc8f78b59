import type { CatalogColumn } from '../../lib/testing/canaries/canary-catalog';
import { CanaryValues } from '../../lib/testing/canaries/canary-values';

const column = (sqlType: string, extra: Partial<CatalogColumn> = {}): CatalogColumn => ({
  column: 'c',
  notNull: true,
  hasDefault: false,
  generated: false,
  primaryKey: false,
  sqlType,
  enumLabel: null,
  ...extra,
});
const scalar = (type: string) => ({ kind: 'scalar', type });

describe('CanaryValues', () => {
  const values = new CanaryValues();

  it('marks strings with the run marker, cut to the column length', () => {
    expect(values.marker).toMatch(/^canary-[0-9a-f]{8}$/);
    const text = values.forColumn(scalar('String'), column('text'))!;
    expect(text.value).toMatch(new RegExp(`^${values.marker}-\\d+$`));
    expect(text.search).toBe(text.value);
    expect(values.forColumn(scalar('String'), column('character varying(6)'))!.value).toHaveLength(6);
    expect(values.forColumn(scalar('String'), column('xml'))!.value).toMatch(/^<c>canary-.*<\/c>$/);
  });

  it('makes types PostgreSQL accepts, searchable where they are unique enough', () => {
    const uuid = values.forColumn(scalar('String'), column('uuid'))!;
    expect(uuid.value).toMatch(/^[0-9a-f-]{36}$/);
    expect(uuid.search).toBe(uuid.value);
    const int = values.forColumn(scalar('Int'), column('integer'))!;
    expect(int.value).toBeGreaterThanOrEqual(100_000_000);
    expect(int.search).toBe(String(int.value));
    expect(values.forColumn(scalar('Int'), column('smallint'))).toEqual({ value: expect.any(Number) });
    expect(typeof values.forColumn(scalar('BigInt'), column('bigint'))!.value).toBe('bigint');
    const at = values.forColumn(scalar('DateTime'), column('timestamp(3) without time zone'))!;
    expect(at.search).toBe((at.value as Date).toISOString());
    expect(values.forColumn(scalar('DateTime'), column('timestamp(0) without time zone'))!.search).toBeUndefined();
    expect(values.forColumn(scalar('DateTime'), column('date'))!.search).toBeUndefined();
    expect(values.forColumn(scalar('Boolean'), column('boolean'))).toEqual({ value: true });
    expect(values.forColumn(scalar('Decimal'), column('numeric(10,2)'))).toEqual({ value: '1.5' });
    expect(values.forColumn(scalar('Json'), column('jsonb'))!.value).toEqual({
      canary: expect.stringMatching(/^canary-/),
    });
    expect(values.forColumn(scalar('Bytes'), column('bytea'))!.value).toBeInstanceOf(Uint8Array);
    expect(values.forColumn(scalar('String'), column('text[]'))!.value).toEqual([expect.stringMatching(/^canary-/)]);
    expect(values.forColumn(scalar('Int'), column('integer[]'))).toEqual({ value: [] });
  });

  it("takes an enum's Prisma name over the database label, and gives up on what it does not know", () => {
    const role = { kind: 'enum', type: 'Role' };
    expect(values.forColumn(role, column('"Role"', { enumLabel: 'member' }), 'MEMBER')).toEqual({ value: 'MEMBER' });
    expect(values.forColumn(role, column('"Role"', { enumLabel: 'member' }))).toEqual({ value: 'member' });
    expect(values.forColumn(role, column('"Role"'))).toBeUndefined();
    expect(values.forColumn(scalar('Unsupported'), column('tsvector'))).toBeUndefined();
  });
});
