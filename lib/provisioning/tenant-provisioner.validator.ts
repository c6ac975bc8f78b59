import { TenancyConfigError } from '../errors/tenancy-config.error';
import { isPlainIdentifier } from '../registry/registry.constants';
import { validateAllowedServers } from './admin-server';
import type { TenantProvisionerOptions } from './tenant-provisioner.interface';

const STRATEGIES = ['rls', 'schema', 'database'];

/** Checks `TenantProvisionerOptions` at construction, naming the field at fault. */
export function validateProvisionerOptions(options: TenantProvisionerOptions): void {
  if (!options?.store) throw new TenancyConfigError('store', 'a PrismaTenantStore is required');
  if (!Array.isArray(options.migrations))
    throw new TenancyConfigError('migrations', 'expected the list readMigrationsFolder() returns');
  if (typeof options.ownerUrl !== 'string' || !options.ownerUrl)
    throw new TenancyConfigError('ownerUrl', 'expected a connection string');
  if (options.appRole !== undefined && !isPlainIdentifier(options.appRole)) {
    throw new TenancyConfigError('appRole', 'expected a plain SQL identifier');
  }
  const strategy = options.defaultStrategy ?? 'schema';
  if (!STRATEGIES.includes(strategy))
    throw new TenancyConfigError('defaultStrategy', 'expected rls, schema or database');
  if (strategy === 'schema' && !options.appRole) {
    throw new TenancyConfigError('appRole', 'the schema strategy needs the app role to grant tenant schemas to');
  }
  const { database } = options;
  if (!database) return;
  if (typeof database.adminUrl !== 'string' || !database.adminUrl) {
    throw new TenancyConfigError('database.adminUrl', 'expected a connection string');
  }
  validateAllowedServers(database.allowedServers);
  if (!database.perTenantRole && !database.appUrl) {
    throw new TenancyConfigError('database.appUrl', 'required unless database.perTenantRole is on');
  }
  if (!options.store.encryptsUrls && !database.allowPlaintextUrls) {
    throw new TenancyConfigError(
      'database.allowPlaintextUrls',
      'the store has no cipher, so connection strings (with passwords) would be stored in plaintext; give the store a cipher',
    );
  }
}
