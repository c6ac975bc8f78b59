import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802/7677,
 * as `pg_authid.rolpassword` holds it). Sent as `PASSWORD '<verifier>'`, the
 * server stores it as is, so the password itself never appears in the
 * statement, in server logs or in `pg_stat_activity`. The password must be
 * ASCII without control characters (SASLprep leaves those unchanged).
 */
export function scramSha256Verifier(password: string, iterations = 4096): string {
  const salt = randomBytes(16);
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/** A random password of URL-safe characters (192 bits), safe in a URL and in a SQL literal. */
export function randomPassword(): string {
  return randomBytes(24).toString('base64url');
}
