import type { TenantSecretCipher } from '../crypto/tenant-secret.cipher';
import { TenantSecretDecryptError, type TenantSecretDecryptReason } from '../crypto/tenant-secret-decrypt.error';

/** What `PrismaTenantStore.rotateSecrets()` did, by tenant id (each list sorted by id). */
export interface SecretRotationReport {
  /** Re-encrypted with the newest key. */
  rotated: string[];
  /** Already on the newest key, and checked to decrypt for their tenant. */
  current: string[];
  /**
   * Not encrypted: left as they are. Rotation never encrypts a value, since
   * anyone with write access to the table but without the key could have put
   * it there; seal the ones you know with `encryptPlaintextUrls(ids)`.
   */
  plaintext: string[];
  /** Not decryptable for their tenant (unknown key, altered, copied from another row): left as they are. */
  undecryptable: { id: string; reason: TenantSecretDecryptReason }[];
  /** Changed by another writer during the run: not touched; run it again. */
  changedMeanwhile: string[];
}

/** What `PrismaTenantStore.encryptPlaintextUrls(ids)` did with each id asked for. */
export interface PlaintextEncryptionReport {
  /** Their plaintext URL is now encrypted with the newest key. */
  encrypted: string[];
  /** Already encrypted (whether or not it decrypts): not touched. */
  alreadyEncrypted: string[];
  /** Registered without a database URL. */
  withoutUrl: string[];
  /** No such tenant. */
  notFound: string[];
  /** Changed by another writer meanwhile: not touched; run it again. */
  changedMeanwhile: string[];
}

/** A stored value, judged for rotation: `next` is set when it should be rewritten. */
export type RotationVerdict =
  | { kind: 'rotated'; next: string }
  | { kind: 'current' | 'plaintext' }
  | { kind: 'undecryptable'; reason: TenantSecretDecryptReason };

/** Re-encrypts `stored` when it decrypts for `id` and is on an older key; says why not otherwise. */
export function rotationVerdict(cipher: TenantSecretCipher, id: string, stored: string): RotationVerdict {
  if (!cipher.isEncrypted(stored)) return { kind: 'plaintext' };
  try {
    const next = cipher.rotate(stored, { aad: id });
    return next === stored ? { kind: 'current' } : { kind: 'rotated', next };
  } catch (error) {
    if (error instanceof TenantSecretDecryptError) return { kind: 'undecryptable', reason: error.reason };
    throw error;
  }
}

/** The ids `encryptPlaintextUrls` was given, checked and de-duplicated. */
export function requestedIds(ids: unknown): string[] {
  if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string' || id === '')) {
    throw new TypeError('encryptPlaintextUrls() takes the list of tenant ids whose plaintext URLs to encrypt');
  }
  return [...new Set(ids as string[])];
}
