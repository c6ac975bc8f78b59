/**
 * One 256-bit key: a 32-byte `Buffer`, a 64-character hex string, or the
 * base64 (standard or URL-safe, padded or not) of 32 bytes. Surrounding
 * whitespace in strings is ignored, so keys read from files or env vars work.
 */
export type TenantSecretKeyMaterial = string | Buffer;

/**
 * A key as given to `TenantSecretCipher`: bare, or with an explicit id. The id
 * is written in clear into every ciphertext the key makes, so decryption can
 * pick the right key after rotation. It must be 1-64 characters of
 * `A-Z a-z 0-9 _ -`. Default id: the first 8 hex characters of the SHA-256 of
 * the key bytes (a fingerprint too short to help guess a 256-bit key).
 */
export type TenantSecretKey = TenantSecretKeyMaterial | { id: string; key: TenantSecretKeyMaterial };

/** Options of `TenantSecretCipher`. */
export interface TenantSecretCipherOptions {
  /**
   * The keys, NEWEST FIRST. The first encrypts; every one of them decrypts, so
   * rotation is: put the new key first, `rotate()` the stored values (for the
   * registry: `PrismaTenantStore.rotateSecrets()`), then drop the old key.
   * At least one key. Default: none (required).
   */
  keys: readonly TenantSecretKey[];
}

/** Options of `encrypt()`, `decrypt()` and `rotate()`. */
export interface TenantSecretCryptOptions {
  /**
   * Associated data authenticated with the secret but not stored in it;
   * normally the tenant id. Decryption needs the same value, so a ciphertext
   * copied onto another tenant's row fails instead of handing that tenant the
   * first tenant's database. Omitted and `''` are the same. Default: none.
   */
  aad?: string;
}
