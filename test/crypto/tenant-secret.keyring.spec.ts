import { TenancyConfigError } from '../../lib/errors/tenancy-config.error';
import { TenantSecretCipher } from '../../lib/crypto/tenant-secret.cipher';
import type { TenantSecretKey } from '../../lib/crypto/tenant-secret-cipher.interface';
import { TenantSecretConfigError } from '../../lib/crypto/tenant-secret-config.error';
import { derivedId, KEY_A, KEY_B, spellings } from './tenant-secret.fixtures';

/** Builds a cipher expecting a config error, checks it leaks none of `secrets`, and returns it. */
function configError(keys: unknown, secrets: string[] = []): TenantSecretConfigError {
  try {
    new TenantSecretCipher({ keys: keys as TenantSecretKey[] });
  } catch (error) {
    expect(error).toBeInstanceOf(TenantSecretConfigError);
    expect(error).toBeInstanceOf(TenancyConfigError);
    const message = (error as Error).message;
    for (const secret of secrets) expect(message).not.toContain(secret);
    return error as TenantSecretConfigError;
  }
  throw new Error('expected a TenantSecretConfigError, the cipher was built');
}

describe('TenantSecretCipher key configuration', () => {
  describe('accepted encodings of a 256-bit key', () => {
    const hex = KEY_A.toString('hex');
    it.each([
      ['a 32-byte Buffer', KEY_A],
      ['64 hex characters', hex],
      ['64 upper-case hex characters', hex.toUpperCase()],
      ['padded base64', KEY_A.toString('base64')],
      ['unpadded base64url', KEY_A.toString('base64url')],
      ['a string with surrounding whitespace (as read from a file)', `  ${hex}\n`],
    ])('%s, all decrypting each other', (_name, key) => {
      const stored = new TenantSecretCipher({ keys: [KEY_A] }).encrypt('secret');
      const cipher = new TenantSecretCipher({ keys: [key] });
      expect(cipher.currentKeyId).toBe(derivedId(KEY_A));
      expect(cipher.decrypt(stored)).toBe('secret');
    });

    it('keeps a given id and encrypts with the first key', () => {
      const cipher = new TenantSecretCipher({
        keys: [
          { id: '2026-01_b', key: KEY_B },
          { id: 'a', key: KEY_A },
        ],
      });
      expect(cipher.currentKeyId).toBe('2026-01_b');
      expect(cipher.encrypt('x').split('.')[1]).toBe('2026-01_b');
    });
  });

  describe('rejected configurations', () => {
    it.each([
      ['no options', undefined],
      ['an empty list', []],
      ['not a list', KEY_A],
    ])('%s names the "keys" option', (_name, keys) => {
      const error = configError(keys);
      expect(error.field).toBe('keys');
      expect(error.message).toMatch(/at least one 256-bit key/);
    });

    const short = 'ab'.repeat(16);
    const longHex = 'cd'.repeat(40);
    const notHex = `${'z'.repeat(63)}q`;
    const base64Of16 = Buffer.alloc(16, 9).toString('base64');
    const passphrase = 'correct horse battery staple';
    it.each([
      ['a 32-character hex string (128 bits)', short, 'a string of 32 characters'],
      ['an 80-character hex string', longHex, 'a string of 80 characters'],
      ['64 characters that are not hex', notHex, 'a string of 64 characters'],
      ['base64 of 16 bytes', base64Of16, 'a string of 24 characters'],
      ['a passphrase', passphrase, 'a string of 28 characters'],
      ['a 16-byte Buffer', Buffer.alloc(16, 3), 'a Buffer of 16 bytes'],
      ['a number', 42, 'got number'],
      ['null', null, 'got null'],
    ])('%s fails, naming the key and what was expected, not the value', (_name, bad, got) => {
      const secrets = Buffer.isBuffer(bad) ? spellings(bad) : typeof bad === 'string' ? [bad] : [];
      const error = configError([KEY_A, bad], [...secrets, ...spellings(KEY_A)]);
      expect(error.field).toBe('keys[1]');
      expect(error.message).toContain('"keys[1]"');
      expect(error.message).toContain('expected a 32-byte Buffer, a 64-character hex string or the base64 of 32 bytes');
      expect(error.message).toContain(got);
    });

    it('names the key by id as well as index when it has one', () => {
      const error = configError(
        [
          { id: 'current', key: KEY_A },
          { id: 'legacy', key: short },
        ],
        [short],
      );
      expect(error.message).toContain('keys[1] (id "legacy")');
    });

    it.each([
      ['contains a dot', 'k.1'],
      ['is empty', ''],
      ['is too long', 'k'.repeat(65)],
      ['is not a string', 7],
    ])('rejects a key id that %s', (_name, id) => {
      const error = configError([{ id, key: KEY_A }], spellings(KEY_A));
      expect(error.field).toBe('keys[0].id');
    });

    it('rejects duplicate given ids, naming both keys', () => {
      const error = configError(
        [
          { id: 'k', key: KEY_A },
          { id: 'k', key: KEY_B },
        ],
        [...spellings(KEY_A), ...spellings(KEY_B)],
      );
      expect(error.field).toBe('keys[1]');
      expect(error.message).toMatch(/"k" is already used by keys\[0\]/);
    });

    it('rejects the same key configured twice, in any encoding, as a duplicate derived id', () => {
      const error = configError([KEY_A, KEY_A.toString('base64')], spellings(KEY_A));
      expect(error.message).toContain(`"${derivedId(KEY_A)}" is already used by keys[0]`);
    });
  });
});
