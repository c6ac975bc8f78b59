import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT_OK, EXIT_USAGE } from './cli.constants';
import type { CliIo } from './cli.interface';
import { parseCommandLine } from './cli-arguments';
import { CliContext } from './cli-context';
import { reportError } from './cli-errors';
import { commandHelp, programHelp, usageLine } from './cli-help';
import { CliOutput } from './cli-output';
import { CliUsageError } from './cli-usage.error';
import { loadCliSettings } from './cli-settings';
import { CLI_COMMANDS } from './commands';

/**
 * Runs one CLI invocation and resolves to its exit code (0 ok, 1 failed, 2
 * usage or settings error, 130 interrupted); with `--json`, stdout gets one
 * JSON document, the report or `{ "error": ... }`. Never throws and never calls `process.exit`, so
 * tests run it in-process. Every pool it opened is closed before it resolves.
 *
 * ```ts
 * const code = await runCli(['migrate', '--all'], { env: process.env, stdout: process.stdout, stderr: process.stderr });
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIo = {}): Promise<number> {
  const env = io.env ?? process.env;
  const output = new CliOutput(
    io.stdout ?? process.stdout,
    io.stderr ?? process.stderr,
    Boolean(io.isTTY) && !env.NO_COLOR,
    wantsJson(argv),
  );
  const usage = (name?: string) => usageLine(CLI_COMMANDS.find((command) => command.name === name));
  let context: CliContext | undefined;
  try {
    const { command, positionals, values } = parseCommandLine(argv, CLI_COMMANDS);
    if (values.version) {
      if (output.jsonMode) output.document({ version: packageVersion() });
      else output.out(packageVersion());
      return EXIT_OK;
    }
    // Help is text, asked for by a person, with --json or without.
    if (values.help) {
      output.out(command ? commandHelp(command) : programHelp(CLI_COMMANDS));
      return EXIT_OK;
    }
    if (!command) {
      if (output.jsonMode) throw new CliUsageError('no command given');
      output.err(programHelp(CLI_COMMANDS));
      return EXIT_USAGE;
    }
    const settings = loadCliSettings({
      env,
      cwd: io.cwd ?? process.cwd(),
      flags: values,
      configPath: values.config as string | undefined,
    });
    output.addSecrets(settings.encryptionKeys, [
      settings.registryUrl,
      settings.ownerUrl,
      settings.adminUrl,
      settings.appUrl,
    ]);
    context = new CliContext(settings, output, Boolean(io.isTTY), io.signal);
    return await command.run(context, { positionals, values });
  } catch (error) {
    return reportError(error, output, usage);
  } finally {
    await context?.close();
  }
}

/**
 * `--json` before any `--`, read from the raw arguments: a command line that
 * does not parse must still get its error as JSON.
 */
function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json');
}

/** The installed package's version: `package.json` is two levels up from both `lib/cli` and `dist/cli`. */
function packageVersion(): string {
  return (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
}
