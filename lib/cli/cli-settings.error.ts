import { CliUsageError } from './cli-usage.error';

/**
 * A setting is missing or invalid. Exit 2 like a usage error, but without
 * the usage line: the message already says which variable or key to fix.
 */
export class CliSettingsError extends CliUsageError {
  constructor(message: string) {
    super(message);
    this.name = 'CliSettingsError';
  }
}
