import type { CliWritable } from './cli.interface';

// `scheme://user:password@`: whatever the password, only the user is kept.
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:@/]*):[^\s@/]*@/gi;
// Shorter values would turn common words into `***` and hide the message itself.
const MIN_SECRET_LENGTH = 4;

/** `postgresql://app:***@host/db`: the URL with its password masked. */
export function maskUrl(url: string): string {
  return url.replace(URL_CREDENTIALS, '$1:***@');
}

/**
 * Everything the CLI prints goes through here, so no secret reaches a
 * terminal or a CI log: passwords of URLs (in any URL, and the configured
 * ones wherever they appear, encoded or not) and encryption keys.
 */
export class CliOutput {
  private readonly secrets = new Set<string>();

  constructor(
    private readonly stdout: CliWritable,
    private readonly stderr: CliWritable,
    /** Whether to use ANSI colours (a TTY, and no `NO_COLOR`). */
    readonly color: boolean,
  ) {}

  /** Values never to print; URLs contribute their password. */
  addSecrets(values: readonly (string | undefined)[], urls: readonly (string | undefined)[] = []): void {
    for (const value of values) if (value) this.secrets.add(value);
    for (const url of urls) {
      if (!url) continue;
      try {
        const { password } = new URL(url);
        if (password) this.secrets.add(password).add(decodeURIComponent(password));
      } catch {
        // Not a URL: settings refuse those before anything is printed.
      }
    }
  }

  /** A line of results, on stdout. */
  out(text = ''): void {
    this.stdout.write(`${this.redact(text)}\n`);
  }

  /** A line of errors or warnings, on stderr. */
  err(text: string): void {
    this.stderr.write(`${this.redact(text)}\n`);
  }

  /** Raw stderr, for the progress bar's carriage returns. */
  draw(text: string): void {
    this.stderr.write(this.redact(text));
  }

  /** `text` in an ANSI colour when colours are on. */
  paint(text: string, colour: 'red' | 'green' | 'yellow' | 'dim'): string {
    const codes = { red: 31, green: 32, yellow: 33, dim: 2 };
    return this.color ? `\x1b[${codes[colour]}m${text}\x1b[0m` : text;
  }

  redact(text: string): string {
    let safe = maskUrl(text);
    for (const secret of this.secrets) if (secret.length >= MIN_SECRET_LENGTH) safe = safe.replaceAll(secret, '***');
    return safe;
  }
}

/** A plain-text table: a header, a rule, left-aligned columns. */
export function renderTable(headers: readonly string[], rows: readonly string[][]): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => row[column].length)));
  const render = (cells: readonly string[]) => cells.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd();
  return [render(headers), render(widths.map((width) => '-'.repeat(width))), ...rows.map(render)].join('\n');
}

/** First line of an error, at most `max` characters. */
export function shortError(message: string, max = 120): string {
  const line = message.split('\n')[0];
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
