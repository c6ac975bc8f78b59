/**
 * The command line or the settings are wrong: nothing was attempted. `runCli`
 * prints the message (and, with `command`, that command's usage) on stderr
 * and exits with 2.
 */
export class CliUsageError extends Error {
  constructor(
    message: string,
    /** The command whose usage to print after the message; none for settings errors. */
    readonly command?: string,
  ) {
    super(message);
    this.name = 'CliUsageError';
  }
}
