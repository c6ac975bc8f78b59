import { TenancyConfigError } from '../errors/tenancy-config.error';

/**
 * A key given to `TenantSecretCipher` is unusable: missing, of the wrong size
 * or encoding, or sharing its id with another key. Thrown by the constructor,
 * so a misconfigured app stops at boot rather than at the first tenant
 * connection. The message names the key by index and id, never by value.
 */
export class TenantSecretConfigError extends TenancyConfigError {
  constructor(
    /** The option at fault, for example `keys[1]`. */
    field: string,
    message: string,
  ) {
    super(field, message);
    this.name = 'TenantSecretConfigError';
  }
}
