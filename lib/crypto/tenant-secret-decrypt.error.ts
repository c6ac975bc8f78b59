/**
 * Why a tenant secret could not be decrypted (or inspected):
 * - `MALFORMED`: not a ciphertext of this library, or cut or mangled so its parts no longer parse.
 * - `UNSUPPORTED_VERSION`: made by a newer format version than this release reads.
 * - `UNKNOWN_KEY`: made with a key that is no longer (or not yet) configured.
 * - `AUTHENTICATION_FAILED`: the parts parse and the key is known, but AES-GCM
 *   rejected them: the IV, tag or ciphertext were altered, or the associated
 *   data (tenant id) differs from the one used to encrypt. GCM cannot tell
 *   these apart, so neither can this error.
 */
export type TenantSecretDecryptReason = 'MALFORMED' | 'UNSUPPORTED_VERSION' | 'UNKNOWN_KEY' | 'AUTHENTICATION_FAILED';

/**
 * A stored tenant secret could not be turned back into plaintext. Not an HTTP
 * error on purpose: should it escape a request, Nest answers a bare 500 and
 * the client learns nothing about the stored secret. The message never holds
 * the ciphertext, the plaintext or any key material.
 */
export class TenantSecretDecryptError extends Error {
  /** Stable machine-readable code, shared by every reason. */
  readonly errorCode = 'TENANT_SECRET_DECRYPT_FAILED';

  constructor(
    /** What went wrong; see `TenantSecretDecryptReason`. */
    readonly reason: TenantSecretDecryptReason,
    message: string,
    /** Id of the key the ciphertext names, when it could be read. */
    readonly keyId?: string,
  ) {
    super(`Cannot decrypt tenant secret (${reason}): ${message}`);
    this.name = 'TenantSecretDecryptError';
  }
}
