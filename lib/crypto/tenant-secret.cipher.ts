import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

import type { TenantSecretCipherOptions, TenantSecretCryptOptions } from './tenant-secret-cipher.interface';
import { TenantSecretDecryptError } from './tenant-secret-decrypt.error';
import { formatSealed, IV_BYTES, looksSealed, parseSealed, sealedHeader, TAG_BYTES } from './tenant-secret.format';
import { buildKeyring, describeKeyIds, type KeyringEntry } from './tenant-secret.keyring';

const ALGORITHM = 'aes-256-gcm';

/**
 * Encrypts tenant secrets, such as the connection strings of
 * database-per-tenant, for storage at rest with AES-256-GCM.
 *
 * Each value gets a fresh random 12-byte IV and a 16-byte tag and is stored as
 * `v1.<keyId>.<iv>.<tag>.<ciphertext>`. Random IVs keep a key safe for about
 * 2^32 encryptions, far beyond any tenant registry. The header is
 * authenticated too, so a value cannot be relabelled to another key or
 * version. Pass the tenant id as `aad` to both `encrypt` and `decrypt`.
 *
 * ```ts
 * const cipher = new TenantSecretCipher({ keys: [process.env.TENANT_KEY_2!, process.env.TENANT_KEY_1!] });
 * const stored = cipher.encrypt(url, { aad: tenant.id });
 * const url = cipher.decrypt(stored, { aad: tenant.id });
 * ```
 */
export class TenantSecretCipher {
  // Private fields, so the keys never show up in logs, JSON or the debugger's summary.
  readonly #keyring: KeyringEntry[];
  readonly #byId: Map<string, KeyringEntry>;

  /** @throws TenantSecretConfigError when a key is missing, malformed or a duplicate. */
  constructor(options: TenantSecretCipherOptions) {
    this.#keyring = buildKeyring(options?.keys);
    this.#byId = new Map(this.#keyring.map((entry) => [entry.id, entry]));
  }

  /** Id of the key `encrypt()` uses: the first configured. */
  get currentKeyId(): string {
    return this.#keyring[0].id;
  }

  /** Encrypts `plaintext` (as UTF-8) with the newest key. Never returns the same string twice. */
  encrypt(plaintext: string, options: TenantSecretCryptOptions = {}): string {
    if (typeof plaintext !== 'string') throw new TypeError('TenantSecretCipher.encrypt() takes a string');
    const { id, key } = this.#keyring[0];
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(associatedData(id, options));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return formatSealed({ keyId: id, iv, tag: cipher.getAuthTag(), ciphertext });
  }

  /**
   * Decrypts a value made by `encrypt()` with any configured key.
   * @throws TenantSecretDecryptError with a `reason` saying what failed.
   */
  decrypt(ciphertext: string, options: TenantSecretCryptOptions = {}): string {
    const sealed = parseSealed(ciphertext);
    const entry = this.#byId.get(sealed.keyId);
    if (!entry) {
      throw new TenantSecretDecryptError(
        'UNKNOWN_KEY',
        `it was made with key "${sealed.keyId}", which is not configured (configured: ${describeKeyIds(this.#keyring)})`,
        sealed.keyId,
      );
    }
    const decipher = createDecipheriv(ALGORITHM, entry.key, sealed.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(associatedData(entry.id, options));
    decipher.setAuthTag(sealed.tag);
    try {
      return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]).toString('utf8');
    } catch {
      throw new TenantSecretDecryptError(
        'AUTHENTICATION_FAILED',
        'the value was altered, or the associated data (tenant id) differs from the one it was encrypted with',
        sealed.keyId,
      );
    }
  }

  /**
   * Whether `ciphertext` was made with a key other than the newest. Reads the
   * header only; it does not prove the value decrypts.
   * @throws TenantSecretDecryptError (`MALFORMED`, `UNSUPPORTED_VERSION`) when it is not a ciphertext.
   */
  needsRotation(ciphertext: string): boolean {
    return parseSealed(ciphertext).keyId !== this.currentKeyId;
  }

  /**
   * Re-encrypts `ciphertext` with the newest key, keeping its `aad`. A value
   * already on the newest key is checked and returned unchanged, so callers
   * can write back only when the result differs.
   * @throws TenantSecretDecryptError as `decrypt()` does.
   */
  rotate(ciphertext: string, options: TenantSecretCryptOptions = {}): string {
    const plaintext = this.decrypt(ciphertext, options);
    return this.needsRotation(ciphertext) ? this.encrypt(plaintext, options) : ciphertext;
  }

  /**
   * Whether `value` has the shape of a ciphertext (of any format version), so
   * a registry can tell stored values still in plaintext. Do not encrypt
   * those on the way (rotation must not): whoever wrote one may not have had
   * the key, and encrypting it would make it trusted; report them instead.
   * A PostgreSQL URL never matches. Does not check integrity or keys.
   */
  isEncrypted(value: unknown): value is string {
    return looksSealed(value);
  }
}

/** The header plus the caller's associated data: the version and key id cannot be swapped. */
function associatedData(keyId: string, options: TenantSecretCryptOptions): Buffer {
  const aad = options?.aad ?? '';
  if (typeof aad !== 'string') throw new TypeError('TenantSecretCipher: the "aad" option must be a string');
  // The header ends with a dot and holds no other free text, so header and aad cannot run into each other.
  return Buffer.from(sealedHeader(keyId) + aad, 'utf8');
}
