/** A stream `runCli` writes to: `process.stdout` in `main.ts`, a buffer in tests. */
export interface CliWritable {
  write(chunk: string): unknown;
}

/** What `runCli` runs against, so a test can give it everything a process would. */
export interface CliIo {
  /** Environment the settings are read from. Default: `process.env`. */
  env?: Record<string, string | undefined>;
  /** Results: tables, report, per-tenant lines. Default: `process.stdout`. */
  stdout?: CliWritable;
  /** Errors, warnings and the progress bar. Default: `process.stderr`. */
  stderr?: CliWritable;
  /**
   * Whether a person watches stderr: draws a progress bar (and colours)
   * instead of one plain line per tenant. Default: `false`.
   */
  isTTY?: boolean;
  /** Where `tenancy.config.json` and relative paths are looked up. Default: `process.cwd()`. */
  cwd?: string;
  /**
   * Aborted on Ctrl+C (`main.ts` wires SIGINT to it): `migrate --all` then
   * starts no more tenants, lets those under way finish and be recorded, and
   * exits with 130. Default: none.
   */
  signal?: AbortSignal;
}
