// The CLI's programmatic surface, for wrapping it in another tool or testing it.
export { runCli } from './run-cli';
export type { CliIo, CliWritable } from './cli.interface';
export type { CliSettings } from './cli-settings.interface';
export { EXIT_OK, EXIT_FAILED, EXIT_USAGE } from './cli.constants';
