import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { CliCommand, CliCommandInput } from './cli-command.interface';
import { GLOBAL_OPTIONS } from './cli-help';
import { CLI_SETTINGS } from './cli-settings.definition';
import { CliUsageError } from './cli-usage.error';

/** The command line, split into the command and its input. */
export interface ParsedCommandLine extends CliCommandInput {
  /** The command named first; undefined when none was (`--help`, `--version`, nothing). */
  command?: CliCommand;
  /** `help <command>`: the command whose help to show. */
  helpFor?: CliCommand;
}

// Settings flags are accepted by every command, so they are parsed like global ones.
const SETTINGS_OPTIONS: Record<string, { type: 'string' | 'boolean' }> = Object.fromEntries(
  CLI_SETTINGS.map((spec) => [spec.flag, { type: spec.kind === 'bool' ? 'boolean' : 'string' }]),
);

/**
 * Parses `argv` with `node:util` `parseArgs`, strictly: one parse over every
 * flag of every command (a flag means the same wherever it appears), then a
 * check that the flags used belong to the command named.
 */
export function parseCommandLine(argv: readonly string[], commands: readonly CliCommand[]): ParsedCommandLine {
  const find = (name: string | undefined) => commands.find((command) => command.name === name);
  const options: NonNullable<ParseArgsConfig['options']> = { ...SETTINGS_OPTIONS };
  for (const command of commands)
    for (const [name, spec] of Object.entries(command.options)) options[name] = { type: spec.type };
  for (const [name, spec] of Object.entries(GLOBAL_OPTIONS))
    options[name] = spec.short ? { type: spec.type, short: spec.short } : { type: spec.type };

  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true, tokens: true });
  } catch (error) {
    if (!String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS')) throw error;
    const guess = find(argv.find((arg) => !arg.startsWith('-')));
    const unknown = /^Unknown option '([^']+)'/.exec((error as Error).message)?.[1];
    throw new CliUsageError(unknown ? `unknown option ${unknown}` : (error as Error).message, guess?.name);
  }
  const [name, ...positionals] = parsed.positionals;
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (name === undefined) return { positionals, values };
  if (name === 'help') {
    const helpFor = find(positionals[0]);
    if (positionals.length > 1 || (positionals[0] !== undefined && !helpFor))
      throw new CliUsageError(`unknown command "${positionals.join(' ')}"`);
    return { positionals: [], values: { ...values, help: true }, command: helpFor };
  }
  const command = find(name);
  if (!command) throw new CliUsageError(`unknown command "${name}"`);

  for (const token of parsed.tokens) {
    if (token.kind !== 'option' || token.name in GLOBAL_OPTIONS || token.name in SETTINGS_OPTIONS) continue;
    if (!(token.name in command.options))
      throw new CliUsageError(`unknown option ${token.rawName} for "${command.name}"`, command.name);
  }
  if (!values.help) {
    const { min, max } = command.positionals;
    if (positionals.length < min)
      throw new CliUsageError(
        `"${command.name}" needs ${min === 1 ? 'a tenant id' : `${min} arguments`}`,
        command.name,
      );
    if (positionals.length > max) throw new CliUsageError(`unexpected argument "${positionals[max]}"`, command.name);
  }
  return { command, positionals, values };
}
