/**
 * The module was configured wrongly, or the database does not meet what the
 * chosen strategy needs. Thrown at boot so a misconfigured app never starts.
 * Not an HTTP error: it is meant to stop the process with a clear message.
 */
export class TenancyConfigError extends Error {
  constructor(
    /** The option path at fault, for example `rls.setting`. */
    readonly field: string,
    message: string,
  ) {
    super(`nestjs-prisma-tenancy: invalid option "${field}": ${message}`);
    this.name = 'TenancyConfigError';
  }
}
