import { createCipheriv } from 'node:crypto';
import { inspect } from 'node:util';

import { TenantSecretCipher } from '../../lib/crypto/tenant-secret.cipher';
import { TenantSecretDecryptError, type TenantSecretDecryptReason } from '../../lib/crypto/tenant-secret-decrypt.error';
import { derivedId, flipBit, KEY_A, KEY_B, KEY_C, spellings, withPart } from './tenant-secret.fixtures';

const URL = 'postgresql://tenant_acme:s3cr%40t@db.internal:5432/acme?sslmode=require';

/** Runs `fn`, expecting a `TenantSecretDecryptError` for `reason`, and returns it. */
function decryptError(fn: () => unknown, reason: TenantSecretDecryptReason): TenantSecretDecryptError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TenantSecretDecryptError);
    expect((error as TenantSecretDecryptError).reason).toBe(reason);
    expect((error as TenantSecretDecryptError).errorCode).toBe('TENANT_SECRET_DECRYPT_FAILED');
    return error as TenantSecretDecryptError;
  }
  throw new Error(`expected a TenantSecretDecryptError (${reason}), nothing was thrown`);
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** A 16-byte tag is 22 characters; the last one's 4 low bits are unused, and lenient decoders ignore them. */
function setStrayBit(tag: string): string {
  return tag.slice(0, -1) + BASE64URL[BASE64URL.indexOf(tag.slice(-1)) | 1];
}

describe('TenantSecretCipher', () => {
  const cipher = new TenantSecretCipher({ keys: [{ id: 'k1', key: KEY_A }] });

  describe('round trip', () => {
    it.each([
      ['a connection string', URL],
      ['the empty string', ''],
      ['unicode (accents, CJK, emoji, combining marks)', 'pässwörd-数据库-🔐-é'],
      ['a long string (1 MiB)', 'x'.repeat(1 << 20)],
      ['a string with dots and newlines', 'a.b.c\nd\r\n.'],
    ])('decrypts %s to what was encrypted', (_name, plaintext) => {
      expect(cipher.decrypt(cipher.encrypt(plaintext))).toBe(plaintext);
      expect(cipher.decrypt(cipher.encrypt(plaintext, { aad: 'acme' }), { aad: 'acme' })).toBe(plaintext);
    });

    it('writes the documented versioned format, with the empty string still recognised', () => {
      const stored = cipher.encrypt(URL);
      expect(stored).toMatch(/^v1\.k1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
      expect(stored).not.toContain('acme');
      expect(cipher.encrypt('')).toMatch(/^v1\.k1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.$/);
    });

    it('decrypts a value built by hand from the documented layout (the format is a stable contract)', () => {
      const iv = Buffer.alloc(12, 7);
      const gcm = createCipheriv('aes-256-gcm', KEY_A, iv);
      gcm.setAAD(Buffer.from('v1.k1.acme'));
      const body = Buffer.concat([gcm.update('hello', 'utf8'), gcm.final()]);
      const b64 = (bytes: Buffer) => bytes.toString('base64url');
      const stored = `v1.k1.${b64(iv)}.${b64(gcm.getAuthTag())}.${b64(body)}`;
      expect(cipher.decrypt(stored, { aad: 'acme' })).toBe('hello');
    });

    it('uses a fresh IV per call: the same plaintext never encrypts to the same value', () => {
      const values = Array.from({ length: 200 }, () => cipher.encrypt(URL, { aad: 'acme' }));
      expect(new Set(values).size).toBe(values.length);
      expect(new Set(values.map((v) => v.split('.')[2])).size).toBe(values.length);
    });
  });

  describe('associated data', () => {
    it('refuses a value copied onto another tenant', () => {
      const stored = cipher.encrypt(URL, { aad: 'acme' });
      decryptError(() => cipher.decrypt(stored, { aad: 'globex' }), 'AUTHENTICATION_FAILED');
    });

    it('treats a missing aad as different from any tenant id, and omitted as the empty string', () => {
      decryptError(() => cipher.decrypt(cipher.encrypt(URL), { aad: 'acme' }), 'AUTHENTICATION_FAILED');
      decryptError(() => cipher.decrypt(cipher.encrypt(URL, { aad: 'acme' })), 'AUTHENTICATION_FAILED');
      expect(cipher.decrypt(cipher.encrypt(URL, { aad: '' }))).toBe(URL);
    });
  });

  describe('tampering', () => {
    const stored = cipher.encrypt(URL, { aad: 'acme' });

    it.each([
      ['the IV', 2, 0],
      ['the IV (last byte)', 2, 11],
      ['the tag', 3, 0],
      ['the tag (last byte)', 3, 15],
      ['the ciphertext', 4, 0],
      ['the ciphertext (last byte)', 4, URL.length - 1],
    ])('a flipped bit in %s fails authentication', (_name, index, byte) => {
      const tampered = withPart(stored, index, (part) => flipBit(part, byte, 3));
      expect(tampered).not.toBe(stored);
      const error = decryptError(() => cipher.decrypt(tampered, { aad: 'acme' }), 'AUTHENTICATION_FAILED');
      expect(error.message).not.toContain(URL);
    });

    it('a flipped bit in the key id names a key that is not configured', () => {
      const tampered = withPart(stored, 1, () => 'k0'); // '1' is 0x31, '0' is 0x30
      const error = decryptError(() => cipher.decrypt(tampered, { aad: 'acme' }), 'UNKNOWN_KEY');
      expect(error.keyId).toBe('k0');
    });

    it('relabelling a value to another configured key fails, since the header is authenticated', () => {
      const both = new TenantSecretCipher({
        keys: [
          { id: 'k1', key: KEY_A },
          { id: 'k0', key: KEY_B },
        ],
      });
      decryptError(
        () =>
          both.decrypt(
            withPart(stored, 1, () => 'k0'),
            { aad: 'acme' },
          ),
        'AUTHENTICATION_FAILED',
      );
    });

    it('a truncated ciphertext or a shortened body fails', () => {
      const shorter = (p: string) => Buffer.from(p, 'base64url').subarray(0, -1).toString('base64url');
      decryptError(() => cipher.decrypt(withPart(stored, 4, shorter), { aad: 'acme' }), 'AUTHENTICATION_FAILED');
      decryptError(() => cipher.decrypt(stored.slice(0, stored.indexOf('.', 8)), { aad: 'acme' }), 'MALFORMED');
    });

    it.each([
      ['plaintext', URL],
      ['the empty string', ''],
      ['too few parts', 'v1.k1.AAAA.BBBB'],
      ['too many parts', `${stored}.AAAA`],
      ['a character outside base64url', withPart(stored, 4, (p) => `${p.slice(0, -1)}+`)],
      ['non-canonical base64url (stray trailing bits)', withPart(stored, 3, setStrayBit)],
      ['an IV of the wrong length', withPart(stored, 2, () => Buffer.alloc(16).toString('base64url'))],
      ['a tag of the wrong length', withPart(stored, 3, () => Buffer.alloc(12).toString('base64url'))],
      ['a key id with a bad character', withPart(stored, 1, () => 'k`')],
      ['not a string', 42 as unknown as string],
    ])('rejects %s as MALFORMED', (_name, value) => {
      decryptError(() => cipher.decrypt(value, { aad: 'acme' }), 'MALFORMED');
    });

    it('reports a newer format version as UNSUPPORTED_VERSION, not as plaintext', () => {
      const future = withPart(stored, 0, () => 'v2');
      expect(cipher.isEncrypted(future)).toBe(true);
      decryptError(() => cipher.decrypt(future, { aad: 'acme' }), 'UNSUPPORTED_VERSION');
    });
  });

  describe('key rotation', () => {
    const oldCipher = new TenantSecretCipher({ keys: [KEY_A] });
    const rotating = new TenantSecretCipher({ keys: [KEY_B, KEY_A] });
    const newOnly = new TenantSecretCipher({ keys: [KEY_B] });
    const fromA = oldCipher.encrypt(URL, { aad: 'acme' });

    it('records a derived key id when none is given', () => {
      expect(fromA.split('.')[1]).toBe(derivedId(KEY_A));
      expect(rotating.currentKeyId).toBe(derivedId(KEY_B));
    });

    it('still decrypts values of an older key, and flags them for rotation', () => {
      expect(rotating.decrypt(fromA, { aad: 'acme' })).toBe(URL);
      expect(rotating.needsRotation(fromA)).toBe(true);
      expect(oldCipher.needsRotation(fromA)).toBe(false);
    });

    it('rotate() re-encrypts with the newest key and keeps the aad', () => {
      const fromB = rotating.rotate(fromA, { aad: 'acme' });
      expect(fromB.split('.')[1]).toBe(derivedId(KEY_B));
      expect(rotating.needsRotation(fromB)).toBe(false);
      expect(newOnly.decrypt(fromB, { aad: 'acme' })).toBe(URL);
      decryptError(() => newOnly.decrypt(fromB, { aad: 'globex' }), 'AUTHENTICATION_FAILED');
    });

    it('rotate() returns a value already on the newest key unchanged, but still checks it', () => {
      const fromB = rotating.encrypt(URL, { aad: 'acme' });
      expect(rotating.rotate(fromB, { aad: 'acme' })).toBe(fromB);
      decryptError(() => rotating.rotate(fromB, { aad: 'globex' }), 'AUTHENTICATION_FAILED');
      decryptError(() => rotating.rotate(fromA, { aad: 'globex' }), 'AUTHENTICATION_FAILED');
    });

    it('once the old key is dropped, its values fail with UNKNOWN_KEY naming the ids', () => {
      const error = decryptError(() => newOnly.decrypt(fromA, { aad: 'acme' }), 'UNKNOWN_KEY');
      expect(error.keyId).toBe(derivedId(KEY_A));
      expect(error.message).toContain(derivedId(KEY_A));
      expect(error.message).toContain(derivedId(KEY_B));
      expect(newOnly.needsRotation(fromA)).toBe(true);
      decryptError(() => newOnly.rotate(fromA, { aad: 'acme' }), 'UNKNOWN_KEY');
    });

    it('needsRotation() rejects what is not a ciphertext', () => {
      decryptError(() => rotating.needsRotation(URL), 'MALFORMED');
    });
  });

  describe('isEncrypted', () => {
    it('tells ciphertexts from plaintext values, so a registry can migrate the latter', () => {
      expect(cipher.isEncrypted(cipher.encrypt(URL))).toBe(true);
      expect(cipher.isEncrypted(cipher.encrypt(''))).toBe(true);
      for (const value of [URL, 'postgres://u@h/db', '', 'v1.k1', 'v1..a.b.c', 'v1.k1.a.b.c.d', undefined, null, 42]) {
        expect(cipher.isEncrypted(value)).toBe(false);
      }
    });
  });

  describe('key secrecy', () => {
    it('never exposes key material through inspect, JSON or errors', () => {
      const keyed = new TenantSecretCipher({ keys: [KEY_C, KEY_A] });
      const shown = [inspect(keyed, { depth: 10, showHidden: true }), JSON.stringify(keyed)];
      const tampered = withPart(keyed.encrypt(URL), 4, (p) => flipBit(p));
      const error = decryptError(() => keyed.decrypt(tampered), 'AUTHENTICATION_FAILED');
      shown.push(error.message, inspect(error), JSON.stringify(error));
      for (const text of shown) {
        for (const spelling of [...spellings(KEY_C), ...spellings(KEY_A)]) expect(text).not.toContain(spelling);
        expect(text).not.toContain(URL);
      }
    });
  });
});
