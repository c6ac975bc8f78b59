import { parseCommandLine } from '../../lib/cli/cli-arguments';
import type { CliCommand } from '../../lib/cli/cli-command.interface';
import { CliUsageError } from '../../lib/cli/cli-usage.error';

// Unit spec of the parser alone: commands of its own, nothing run, no database.
function command(name: string, spec: Partial<CliCommand> = {}): CliCommand {
  return {
    name,
    summary: name,
    usage: [],
    description: name,
    positionals: { min: 0, max: 0 },
    options: {},
    settings: [],
    run: async () => 0,
    ...spec,
  };
}

const provision = command('provision', {
  positionals: { min: 1, max: 1 },
  options: {
    name: { type: 'string', description: 'name' },
    dry: { type: 'boolean', description: 'dry run' },
  },
});
const copy = command('copy', { positionals: { min: 2, max: 2 } });
const migrate = command('migrate', {
  positionals: { min: 0, max: 1 },
  options: { all: { type: 'boolean', description: 'all' } },
});
const COMMANDS = [provision, copy, migrate];

const parse = (...argv: string[]) => parseCommandLine(argv, COMMANDS);
/** The CliUsageError the parse throws (fails the test when it throws nothing, or something else). */
function usageError(...argv: string[]): CliUsageError {
  try {
    parse(...argv);
  } catch (error) {
    expect(error).toBeInstanceOf(CliUsageError);
    return error as CliUsageError;
  }
  throw new Error(`expected ${JSON.stringify(argv)} to be refused`);
}

describe('parseCommandLine', () => {
  it('splits the command, its positionals and its flags', () => {
    const parsed = parse('provision', 'acme', '--name', 'Acme Inc', '--dry');
    expect(parsed.command).toBe(provision);
    expect(parsed.positionals).toEqual(['acme']);
    expect(parsed.values).toMatchObject({ name: 'Acme Inc', dry: true });
    expect(parse('provision', '--name=Acme', 'acme').values.name).toBe('Acme');
  });

  it('without a command: no command, the global flags (short forms too)', () => {
    expect(parse()).toEqual({ positionals: [], values: {} });
    expect(parse('--version')).toEqual({ positionals: [], values: { version: true } });
    expect(parse('-v').values.version).toBe(true);
    expect(parse('-h').values.help).toBe(true);
  });

  it('accepts the global and settings flags with every command, a bool setting as a boolean', () => {
    const parsed = parse(
      'migrate',
      '--all',
      '--json',
      '--config',
      'x.json',
      '--registry-url',
      'postgresql://r',
      '--per-tenant-role',
    );
    expect(parsed.command).toBe(migrate);
    expect(parsed.values).toMatchObject({
      all: true,
      json: true,
      config: 'x.json',
      'registry-url': 'postgresql://r',
      'per-tenant-role': true,
    });
  });

  it('help <command> is that command with --help; help alone is the program help', () => {
    expect(parse('help', 'copy')).toEqual({ command: copy, positionals: [], values: { help: true } });
    expect(parse('help')).toEqual({ command: undefined, positionals: [], values: { help: true } });
    expect(usageError('help', 'nope').message).toBe('unknown command "nope"');
    expect(usageError('help', 'copy', 'provision').message).toBe('unknown command "copy provision"');
  });

  it('refuses an unknown command', () => {
    const error = usageError('frobnicate', 'x');
    expect(error.message).toBe('unknown command "frobnicate"');
    expect(error.command).toBeUndefined();
  });

  it('refuses an unknown flag, naming the command whose usage to show when there is one', () => {
    expect(usageError('provision', 'acme', '--bogus')).toMatchObject({
      message: 'unknown option --bogus',
      command: 'provision',
    });
    expect(usageError('--bogus')).toMatchObject({ message: 'unknown option --bogus', command: undefined });
  });

  it("refuses another command's flag", () => {
    expect(usageError('provision', 'acme', '--all')).toMatchObject({
      message: 'unknown option --all for "provision"',
      command: 'provision',
    });
  });

  it('refuses a string flag without its value, and a value given to a boolean flag', () => {
    expect(usageError('provision', 'acme', '--name').command).toBe('provision');
    expect(usageError('migrate', '--all=yes').command).toBe('migrate');
  });

  it('counts positionals against the command: too few, too many', () => {
    expect(usageError('provision')).toMatchObject({ message: '"provision" needs a tenant id', command: 'provision' });
    expect(usageError('copy', 'a').message).toBe('"copy" needs 2 arguments');
    expect(usageError('provision', 'a', 'b').message).toBe('unexpected argument "b"');
    expect(usageError('migrate', 'a', 'b', 'c').message).toBe('unexpected argument "b"');
    expect(parse('migrate').positionals).toEqual([]);
  });

  it('does not count positionals under --help', () => {
    expect(parse('provision', '--help')).toMatchObject({ command: provision, positionals: [], values: { help: true } });
    expect(parse('copy', 'a', 'b', 'c', '-h').positionals).toEqual(['a', 'b', 'c']);
  });

  it('takes everything after -- as positionals', () => {
    expect(parse('provision', '--', '--name').positionals).toEqual(['--name']);
  });
});
