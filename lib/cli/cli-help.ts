import { CLI_NAME, DEFAULT_CONFIG_FILE } from './cli.constants';
import type { CliCommand, CliOptionSpec } from './cli-command.interface';
import { CLI_SETTINGS, settingSpec } from './cli-settings.definition';

/** Flags every command takes, besides the settings flags. */
export const GLOBAL_OPTIONS: Record<string, CliOptionSpec & { short?: string }> = {
  config: {
    type: 'string',
    valueName: 'PATH',
    description: `JSON settings file. Default: ./${DEFAULT_CONFIG_FILE} when present`,
  },
  json: {
    type: 'boolean',
    description: 'Print one JSON document on stdout: the report, or { "error": { "code", "message" } }',
  },
  help: { type: 'boolean', short: 'h', description: 'Show help' },
  version: { type: 'boolean', short: 'v', description: 'Show the package version' },
};

/** `nestjs-prisma-tenancy --help`: commands, global flags, and the settings table. */
export function programHelp(commands: readonly CliCommand[]): string {
  const names = commands.map((command) => [command.name, command.summary]);
  const flags = CLI_SETTINGS.map((spec) => `--${spec.flag}${spec.kind === 'bool' ? '' : ` ${spec.valueName}`}`);
  const width = Math.max(...flags.map((flag) => flag.length)) + 2;
  const settings = CLI_SETTINGS.flatMap((spec, i) => [
    `  ${flags[i].padEnd(width)}${spec.env}  ·  "${spec.key}"`,
    `      ${spec.description}`,
  ]);
  return [
    `Usage: ${CLI_NAME} <command> [options]`,
    '',
    'Provision, migrate and manage the tenants of a nestjs-prisma-tenancy registry.',
    '',
    'Commands:',
    ...columns(names),
    '',
    'Options:',
    ...columns(optionRows(GLOBAL_OPTIONS)),
    '',
    `Settings (flag, environment variable, key in ${DEFAULT_CONFIG_FILE}); flags override the environment, which overrides the file:`,
    ...settings,
    '',
    'Exit codes: 0 success, 1 a tenant or the command failed, 2 wrong arguments or settings, 130 interrupted (Ctrl+C).',
    `Run \`${CLI_NAME} <command> --help\` for a command's own flags.`,
  ].join('\n');
}

/** `nestjs-prisma-tenancy <command> --help`: usage, description, flags and the settings it reads. */
export function commandHelp(command: CliCommand): string {
  const settings = command.settings
    .map((key) => settingSpec(key)!)
    .map((spec) => [`${spec.env} / --${spec.flag}`, spec.description]);
  return [
    usageLines(command),
    '',
    wrap(command.description),
    '',
    'Options:',
    ...columns(
      optionRows({
        ...command.options,
        json: GLOBAL_OPTIONS.json,
        config: GLOBAL_OPTIONS.config,
        help: GLOBAL_OPTIONS.help,
      }),
    ),
    '',
    'Settings it reads:',
    ...columns(settings),
    '',
    `Other settings flags are accepted too; see \`${CLI_NAME} --help\`.`,
  ].join('\n');
}

/** One line of usage for error messages. */
export function usageLine(command?: CliCommand): string {
  if (!command) return `Usage: ${CLI_NAME} <command> [options]   (${CLI_NAME} --help for the list)`;
  return `${usageLines(command)}\n(${CLI_NAME} ${command.name} --help for details)`;
}

function usageLines(command: CliCommand): string {
  return command.usage
    .map((line, i) => `${i ? '      ' : 'Usage:'} ${CLI_NAME} ${command.name} ${line}`.trimEnd())
    .join('\n');
}

function optionRows(options: Record<string, CliOptionSpec & { short?: string }>): string[][] {
  return Object.entries(options).map(([name, spec]) => [
    `${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.valueName ? ` ${spec.valueName}` : ''}`,
    spec.description,
  ]);
}

function columns(rows: string[][]): string[] {
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`);
}

/** Wraps a paragraph at 100 columns, for the description. */
function wrap(text: string, width = 100): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line].join('\n');
}
