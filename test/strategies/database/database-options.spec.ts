import { randomBytes } from 'node:crypto';
import { TenancyConfigError, type TenancyModuleOptions } from '../../../lib';
import { resolveTenancyOptions } from '../../../lib/options/tenancy-options.validator';

const base: TenancyModuleOptions = {
  strategy: 'database',
  databaseUrl: 'postgresql://app@localhost/shared',
  createClient: () => ({}),
  tenants: [],
};
const key = randomBytes(32);

describe('database strategy options', () => {
  it('defaults: pool of 5, budget of 100, 5 s budget wait, 3 s connect timeout, plaintext URLs without keys', () => {
    const { database } = resolveTenancyOptions(base);
    expect(database).toEqual({
      poolSize: 5,
      connectionBudget: 100,
      budgetWaitMs: 1500,
      connectTimeoutMs: 3000,
      cipher: undefined,
      allowPlaintextUrls: true,
      statementCacheSize: 100,
    });
  });

  it('with encryptionKeys: a cipher, and plaintext URLs refused unless allowed', () => {
    const keyed = resolveTenancyOptions({ ...base, database: { encryptionKeys: [key] } }).database;
    expect(keyed.cipher?.isEncrypted(keyed.cipher.encrypt('x'))).toBe(true);
    expect(keyed.allowPlaintextUrls).toBe(false);
    expect(
      resolveTenancyOptions({ ...base, database: { encryptionKeys: [key], allowPlaintextUrls: true } }).database
        .allowPlaintextUrls,
    ).toBe(true);
  });

  it.each([
    ['database', 'nope', /"database": expected an object/],
    ['database.poolSize', { poolSize: 0 }, /"database.poolSize": expected an integer >= 1/],
    ['database.connectionBudget', { connectionBudget: 2.5 }, /"database.connectionBudget": expected an integer >= 1/],
    ['database.budgetWaitMs', { budgetWaitMs: -1 }, /"database.budgetWaitMs": expected an integer >= 0/],
    ['database.connectTimeoutMs', { connectTimeoutMs: 0 }, /"database.connectTimeoutMs": expected an integer >= 1/],
    [
      'pool above budget',
      { poolSize: 10, connectionBudget: 4 },
      /"database.poolSize": must not exceed database.connectionBudget \(4\)/,
    ],
    ['database.allowPlaintextUrls', { allowPlaintextUrls: 'yes' }, /"database.allowPlaintextUrls": expected a boolean/],
    [
      'plaintext refused without keys',
      { allowPlaintextUrls: false },
      /"database.allowPlaintextUrls": false needs database.encryptionKeys/,
    ],
    ['no keys', { encryptionKeys: [] }, /"database.encryptionKeys": give at least one 256-bit key/],
    ['short key', { encryptionKeys: [key, 'c2hvcnQ='] }, /"database.encryptionKeys\[1\]": expected a 32-byte Buffer/],
  ])('%s: refused at boot with an error naming the field', (_label, database, message) => {
    const run = () => resolveTenancyOptions({ ...base, database: database as TenancyModuleOptions['database'] });
    expect(run).toThrow(TenancyConfigError);
    expect(run).toThrow(message);
  });

  it('never puts key material in the error', () => {
    const secret = 'ab'.repeat(31); // 62 hex characters: one byte short
    expect(() => resolveTenancyOptions({ ...base, database: { encryptionKeys: [secret] } })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(secret) }),
    );
  });
});
