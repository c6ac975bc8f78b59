import type { CliContext } from './cli-context';
import type { CliSettings } from './cli-settings.interface';

/** A flag of one command, as `node:util` `parseArgs` takes it, plus its help. */
export interface CliOptionSpec {
  type: 'string' | 'boolean';
  /** Placeholder in help, for example `N`. Default: none (boolean flags). */
  valueName?: string;
  description: string;
}

/** What a command is run with, once parsed and checked against its spec. */
export interface CliCommandInput {
  positionals: string[];
  values: Record<string, string | boolean | undefined>;
}

/** One sub-command: its help, its flags, and what it does. */
export interface CliCommand {
  name: string;
  /** One line, for the program's command list. */
  summary: string;
  /** Usage lines after the program and command names, e.g. `<id> [--name N]`. */
  usage: string[];
  /** A paragraph for `<command> --help`. */
  description: string;
  /** Positional arguments accepted: at least `min`, at most `max`. */
  positionals: { min: number; max: number };
  /** Flags of this command only; `--config`, `--help` and the settings flags are accepted by all. */
  options: Record<string, CliOptionSpec>;
  /** Settings the command reads, listed in its help. */
  settings: (keyof CliSettings)[];
  /** Does the work; returns the exit code. Throws `CliUsageError` for exit 2, anything else for exit 1. */
  run(context: CliContext, input: CliCommandInput): Promise<number>;
}
