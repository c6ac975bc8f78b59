import { TenantSecretDecryptError } from './tenant-secret-decrypt.error';

/**
 * The stored form: `v1.<keyId>.<iv>.<tag>.<ciphertext>`, the last three in
 * unpadded base64url. Dots and base64url never need quoting in SQL, URLs or
 * env files, and the version lets a later release change the layout while
 * still reading this one.
 */
export const FORMAT_VERSION = 'v1';
export const IV_BYTES = 12;
export const TAG_BYTES = 16;

/** The parts of a ciphertext, decoded but not yet authenticated. */
export interface SealedSecret {
  keyId: string;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

// Any version, so a value written by a newer release is still recognised as
// encrypted (and reported as UNSUPPORTED_VERSION) rather than taken for plaintext.
const SHAPE = /^v[0-9]{1,4}\.[A-Za-z0-9_-]{1,64}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** Whether `value` has the shape of a ciphertext. Says nothing of its integrity. */
export function looksSealed(value: unknown): value is string {
  return typeof value === 'string' && SHAPE.test(value);
}

export function formatSealed(sealed: SealedSecret): string {
  return [FORMAT_VERSION, sealed.keyId, sealed.iv, sealed.tag, sealed.ciphertext]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

/** The authenticated header, bound into the GCM associated data. */
export function sealedHeader(keyId: string): string {
  return `${FORMAT_VERSION}.${keyId}.`;
}

/** Splits and decodes a ciphertext; throws `MALFORMED` or `UNSUPPORTED_VERSION`. */
export function parseSealed(value: unknown): SealedSecret {
  if (!looksSealed(value)) {
    throw new TenantSecretDecryptError('MALFORMED', `expected "${FORMAT_VERSION}.<keyId>.<iv>.<tag>.<ciphertext>"`);
  }
  const [version, keyId, iv, tag, ciphertext] = value.split('.');
  if (version !== FORMAT_VERSION) {
    throw new TenantSecretDecryptError(
      'UNSUPPORTED_VERSION',
      `format "${version}" is not readable by this release, which reads "${FORMAT_VERSION}"`,
    );
  }
  return {
    keyId,
    iv: decodePart(iv, 'IV', IV_BYTES, keyId),
    tag: decodePart(tag, 'tag', TAG_BYTES, keyId),
    ciphertext: decodePart(ciphertext, 'ciphertext', undefined, keyId),
  };
}

function decodePart(text: string, name: string, bytes: number | undefined, keyId: string): Buffer {
  const decoded = Buffer.from(text, 'base64url');
  // Node ignores stray trailing bits; re-encoding catches them, so one stored
  // value has exactly one spelling and a changed character never goes unseen.
  if (decoded.toString('base64url') !== text) {
    throw new TenantSecretDecryptError('MALFORMED', `the ${name} is not canonical base64url`, keyId);
  }
  if (bytes !== undefined && decoded.length !== bytes) {
    throw new TenantSecretDecryptError('MALFORMED', `the ${name} is ${decoded.length} bytes, expected ${bytes}`, keyId);
  }
  return decoded;
}
