import type { CliWritable } from './cli.interface';
import { escapeTerminal } from './cli-escape';

// `scheme://user:password@`: whatever the password, only the user is kept.
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:@/]*):[^\s@/]*@/gi;
// Shorter values would turn common words into `***` and hide the message itself.
const MIN_SECRET_LENGTH = 4;

/** `postgresql://app:***@host/db`: the URL with its password masked. */
export function maskUrl(url: string): string {
  return url.replace(URL_CREDENTIALS, '$1:***@');
}

/** A colour `CliOutput.paint` can apply. */
export type CliColour = 'red' | 'green' | 'yellow' | 'dim';

const SGR: Record<CliColour, number> = { red: 31, green: 32, yellow: 33, dim: 2 };
// Erase the line and return to its start: the progress bar's redraw.
const CLEAR_LINE = '\r\x1b[2K';

/**
 * Text to colour, made by `CliOutput.paint`: a value, not a string, so the
 * colour codes are written by the output itself, after the text inside was
 * escaped. Put into a template string by mistake, it is its text, escaped and
 * uncoloured.
 */
export class CliPainted {
  constructor(
    readonly text: CliText,
    readonly colour: CliColour,
  ) {}

  toString(): string {
    return escapeTerminal(plain(this.text));
  }
}

/** What the output takes: strings, painted text, and lists of them, printed in order. */
export type CliText = string | CliPainted | readonly CliText[];

function plain(text: CliText): string {
  if (typeof text === 'string') return text;
  if (text instanceof CliPainted) return plain(text.text);
  return text.map(plain).join('');
}

/**
 * Everything the CLI prints goes through here, so no secret reaches a
 * terminal or a CI log: passwords of URLs (in any URL, and the configured
 * ones wherever they appear, encoded or not) and encryption keys. And no
 * control sequence does: every character a terminal would act on is escaped
 * (`escapeTerminal`), in whatever a command prints (tenant names, ids, stored
 * errors, messages); the only control codes written are the output's own
 * colours and line redraws.
 */
export class CliOutput {
  private readonly secrets = new Set<string>();
  private documented = false;

  constructor(
    private readonly stdout: CliWritable,
    private readonly stderr: CliWritable,
    /** Whether to use ANSI colours (a TTY, and no `NO_COLOR`). */
    readonly color: boolean,
    /** `--json`: commands report with `document()`, and stdout carries nothing else. Default: `false`. */
    readonly jsonMode = false,
  ) {}

  /** Whether `document()` was called: a run prints one JSON document at most. */
  get hasDocument(): boolean {
    return this.documented;
  }

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
  out(text: CliText = ''): void {
    this.stdout.write(`${this.render(text)}\n`);
  }

  /** A line of errors or warnings, on stderr. */
  err(text: CliText): void {
    this.stderr.write(`${this.render(text)}\n`);
  }

  /**
   * The run's one JSON document, on stdout: strings redacted before
   * `JSON.stringify` (so a secret is found whatever JSON would escape in it),
   * then what JSON leaves raw and a terminal acts on (DEL, C1, bidi controls)
   * written as `\uXXXX`, which parses back to the same string.
   */
  document(value: unknown): void {
    if (this.documented) throw new Error('internal: a second JSON document in one run');
    this.documented = true;
    this.stdout.write(`${escapeTerminal(JSON.stringify(this.redactDeep(value), null, 2))}\n`);
  }

  /** Replaces the current stderr line with `text` (no line feed): the progress bar. */
  redraw(text: CliText): void {
    this.stderr.write(`${CLEAR_LINE}${this.render(text)}`);
  }

  /** Erases the current stderr line, so what follows starts on a clean one. */
  clearLine(): void {
    this.stderr.write(CLEAR_LINE);
  }

  /** `text` in an ANSI colour when colours are on. */
  paint(text: CliText, colour: CliColour): CliPainted {
    return new CliPainted(text, colour);
  }

  redact(text: string): string {
    let safe = maskUrl(text);
    for (const secret of this.secrets) if (secret.length >= MIN_SECRET_LENGTH) safe = safe.replaceAll(secret, '***');
    return safe;
  }

  private redactDeep(value: unknown): unknown {
    if (typeof value === 'string') return this.redact(value);
    if (Array.isArray(value)) return value.map((item) => this.redactDeep(item));
    if (value && typeof value === 'object' && !(value instanceof Date)) {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, this.redactDeep(item)]));
    }
    return value;
  }

  // Redacted, then escaped; colours added around the escaped text.
  private render(text: CliText): string {
    if (typeof text === 'string') return escapeTerminal(this.redact(text));
    if (text instanceof CliPainted) {
      const inner = this.render(text.text);
      return this.color ? `\x1b[${SGR[text.colour]}m${inner}\x1b[0m` : inner;
    }
    return text.map((part) => this.render(part)).join('');
  }
}

/**
 * A plain-text table: a header, a rule, left-aligned columns. Cells are
 * escaped here, line breaks too, so a cell is one line and the widths are
 * those printed.
 */
export function renderTable(headers: readonly string[], cells: readonly string[][]): string {
  const rows = cells.map((row) => row.map((cell) => escapeTerminal(cell).replace(/\n/g, '\\n').replace(/\t/g, '\\t')));
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => row[column].length)));
  const render = (cells: readonly string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column]))
      .join('  ')
      .trimEnd();
  return [render(headers), render(widths.map((width) => '-'.repeat(width))), ...rows.map(render)].join('\n');
}

/** First line of an error, at most `max` characters. */
export function shortError(message: string, max = 120): string {
  const line = message.split('\n')[0];
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
