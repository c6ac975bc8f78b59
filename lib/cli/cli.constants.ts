/** The program name, as users type it after `npx`. */
export const CLI_NAME = 'nestjs-prisma-tenancy';

/** Config file read from the working directory when `--config` is not given. */
export const DEFAULT_CONFIG_FILE = 'tenancy.config.json';

/**
 * Exit codes. `1` and `2` are kept apart so a deploy script can tell "a tenant
 * failed, look at the report" from "the command itself was wrong".
 */
export const EXIT_OK = 0;
/** The command ran and something failed (a tenant's migration, a refused lifecycle change). */
export const EXIT_FAILED = 1;
/** Bad arguments or settings: nothing was attempted. */
export const EXIT_USAGE = 2;
/** Interrupted (Ctrl+C, as shells report SIGINT): what was under way finished; the rest was not started. */
export const EXIT_INTERRUPTED = 130;
