import { createHash, createSecretKey, type KeyObject } from 'node:crypto';

import type { TenantSecretKey } from './tenant-secret-cipher.interface';
import { TenantSecretConfigError } from './tenant-secret-config.error';

/** What AES-256 needs. */
const KEY_BYTES = 32;
/** Key ids travel inside the dot-separated ciphertext, so no dots. */
export const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

const HEX_KEY = /^[0-9a-fA-F]{64}$/;
// 32 bytes are 43 base64 characters plus one `=`; the last one carries only 4 bits.
const BASE64_KEY = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=?$/;
const BASE64URL_KEY = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]=?$/;

const EXPECTED = 'expected a 32-byte Buffer, a 64-character hex string or the base64 of 32 bytes';

/** A usable key. `KeyObject` keeps the bytes out of `console.log` and JSON. */
export interface KeyringEntry {
  id: string;
  key: KeyObject;
}

/**
 * Checks and decodes the configured keys, newest first. Every failure names
 * the key by index (and id when given) and says what was expected, but only
 * ever describes the value by type and length, never by content.
 */
export function buildKeyring(keys: readonly TenantSecretKey[] | undefined): KeyringEntry[] {
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new TenantSecretConfigError('keys', 'give at least one 256-bit key, newest first');
  }
  const seen = new Map<string, number>();
  return keys.map((entry: TenantSecretKey, index) => {
    const wrapped = typeof entry === 'object' && entry !== null && !Buffer.isBuffer(entry);
    const givenId = wrapped ? (entry as { id: unknown }).id : undefined;
    const field = `keys[${index}]`;
    const label = typeof givenId === 'string' ? `${field} (id "${givenId}")` : field;
    if (wrapped && (typeof givenId !== 'string' || !KEY_ID_PATTERN.test(givenId))) {
      throw new TenantSecretConfigError(`${field}.id`, 'expected 1-64 characters of A-Z, a-z, 0-9, "_" or "-"');
    }
    const bytes = decodeKey(wrapped ? (entry as { key: unknown }).key : entry, label);
    const id = (givenId as string | undefined) ?? createHash('sha256').update(bytes).digest('hex').slice(0, 8);
    const previous = seen.get(id);
    if (previous !== undefined) {
      throw new TenantSecretConfigError(
        field,
        `key id "${id}" is already used by keys[${previous}]; ids must be unique ` +
          '(a derived id repeats when the same key is configured twice)',
      );
    }
    seen.set(id, index);
    return { id, key: createSecretKey(bytes) };
  });
}

function decodeKey(value: unknown, label: string): Buffer {
  if (Buffer.isBuffer(value)) {
    if (value.length === KEY_BYTES) return value;
    throw new TenantSecretConfigError(label, `${EXPECTED}; got a Buffer of ${value.length} bytes`);
  }
  if (typeof value !== 'string') {
    throw new TenantSecretConfigError(label, `${EXPECTED}; got ${value === null ? 'null' : typeof value}`);
  }
  const text = value.trim();
  if (HEX_KEY.test(text)) return Buffer.from(text, 'hex');
  if (BASE64_KEY.test(text)) return Buffer.from(text, 'base64');
  if (BASE64URL_KEY.test(text)) return Buffer.from(text, 'base64url');
  throw new TenantSecretConfigError(label, `${EXPECTED}; got a string of ${text.length} characters`);
}

/** The configured key ids, newest first, for messages: `"k2", "k1"`. */
export function describeKeyIds(keyring: readonly KeyringEntry[]): string {
  return keyring.map((entry) => `"${entry.id}"`).join(', ');
}
