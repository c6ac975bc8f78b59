import type { CliWritable } from './cli.interface';

/** A process stream as `main.ts` has it: `process.stdout` or `process.stderr`. */
export interface ProcessStream {
  write(chunk: string): unknown;
  on(event: 'error', listener: (error: NodeJS.ErrnoException) => void): unknown;
}

/**
 * A process stream that outlives its reader: `status | head -1` closes the
 * pipe after one line, and Node (which ignores SIGPIPE) then fails the next
 * write with EPIPE, an `'error'` event that would crash the process with a
 * stack trace. Here the reader leaving only stops the writing: the command
 * goes on (a `migrate --all` is not cut short because its log was), and the
 * process exits with the command's own code, as if the rest had been read.
 * Any other write error (a full disk behind `> file`) is a real failure,
 * reported through `onFailure` once.
 */
export class ClosedPipeSafeStream implements CliWritable {
  private closed = false;

  constructor(
    private readonly stream: ProcessStream,
    onFailure: (error: NodeJS.ErrnoException) => void,
  ) {
    this.fail = (error) => {
      if (this.closed) return;
      this.closed = true;
      if (error.code !== 'EPIPE') onFailure(error);
    };
    stream.on('error', this.fail);
  }

  private readonly fail: (error: NodeJS.ErrnoException) => void;

  /** Whether the stream failed or its reader left: nothing more is written to it. */
  get isClosed(): boolean {
    return this.closed;
  }

  write(chunk: string): void {
    if (this.closed) return;
    try {
      this.stream.write(chunk);
    } catch (error) {
      // A file descriptor written synchronously (stdout redirected to a file) throws instead of emitting.
      this.fail(error as NodeJS.ErrnoException);
    }
  }
}
