import { TenantSecretDecryptError } from '../../crypto/tenant-secret-decrypt.error';
import { looksSealed } from '../../crypto/tenant-secret.format';
import { TenantMisconfiguredError } from '../../errors/tenant-misconfigured.error';
import type { Tenant } from '../../store/tenant.interface';
import type { ResolvedDatabaseOptions } from './database.options';

/**
 * The tenant's connection string, decrypted when stored encrypted (with the
 * tenant id as associated data, so a value copied from another tenant's
 * record fails) and checked as a postgresql:// URL. Anything unusable is
 * refused with `TenantMisconfiguredError` before a pool or client exists.
 * Messages never quote the value: it holds a password.
 */
export function tenantDatabaseUrl(tenant: Tenant, settings: ResolvedDatabaseOptions): string {
  const stored = tenant.databaseUrl;
  const refuse = (detail: string) => new TenantMisconfiguredError(tenant.id, detail);
  if (typeof stored !== 'string' || stored.trim() === '') throw refuse('it has no databaseUrl');

  let url = stored;
  if (looksSealed(stored)) {
    if (!settings.cipher) throw refuse('its databaseUrl is encrypted but database.encryptionKeys is not configured');
    try {
      url = settings.cipher.decrypt(stored, { aad: tenant.id });
    } catch (error) {
      if (!(error instanceof TenantSecretDecryptError)) throw error;
      throw refuse(`its databaseUrl cannot be decrypted: ${error.message}`);
    }
  } else if (!settings.allowPlaintextUrls) {
    throw refuse(
      'its databaseUrl is not encrypted, and plaintext URLs are refused (database.allowPlaintextUrls is false)',
    );
  }

  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw refuse('its databaseUrl is not a valid URL');
  }
  if (parsed.protocol !== 'postgresql:' && parsed.protocol !== 'postgres:')
    throw refuse('its databaseUrl is not a postgresql:// URL');
  // A Unix socket is given as `?host=/path`; otherwise the URL must name a host.
  if (!parsed.hostname && !parsed.searchParams.get('host')) throw refuse('its databaseUrl names no host');
  if (parsed.pathname.length <= 1) throw refuse('its databaseUrl names no database');
  return url;
}
