import { createHash, randomBytes } from 'node:crypto';

/** Fixed keys, so failures are reproducible; never use these outside tests. */
export const KEY_A = Buffer.alloc(32, 0xa1);
export const KEY_B = Buffer.alloc(32, 0xb2);
export const KEY_C = randomBytes(32);

/** The id the cipher derives for a key given without one. */
export function derivedId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/** Flips one bit of a byte of a base64url part and re-encodes it canonically. */
export function flipBit(part: string, byte = 0, bit = 0): string {
  const bytes = Buffer.from(part, 'base64url');
  bytes[byte] ^= 1 << bit;
  return bytes.toString('base64url');
}

/** Replaces part `index` (0 version, 1 key id, 2 iv, 3 tag, 4 ciphertext) of a stored value. */
export function withPart(value: string, index: number, replace: (part: string) => string): string {
  const parts = value.split('.');
  parts[index] = replace(parts[index]);
  return parts.join('.');
}

/** Every spelling of a key that must never appear in an error message. */
export function spellings(key: Buffer): string[] {
  return [key.toString('hex'), key.toString('base64'), key.toString('base64url')];
}
