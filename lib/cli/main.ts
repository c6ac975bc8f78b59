#!/usr/bin/env node
// The `nestjs-prisma-tenancy` bin. All the work is in runCli, which tests call in-process.
import { EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK } from './cli.constants';
import { ClosedPipeSafeStream } from './cli-pipe';
import { runCli } from './run-cli';

// A reader that left (`| head -1`) stops the output, not the command; a
// write that really failed (a full disk) turns a success into exit 1.
let outputFailed = false;
const stderr = new ClosedPipeSafeStream(process.stderr, () => (outputFailed = true));
const stdout = new ClosedPipeSafeStream(process.stdout, (error) => {
  outputFailed = true;
  stderr.write(`error: writing to stdout failed: ${error.code ?? error.message}\n`);
});

// First Ctrl+C: no new tenants; those under way finish and are recorded
// (each migration is one transaction). Second: leave now; PostgreSQL rolls
// back what was running, and the advisory locks go with the connections.
const interrupt = new AbortController();
process.on('SIGINT', () => {
  if (interrupt.signal.aborted) process.exit(EXIT_INTERRUPTED);
  interrupt.abort();
  stderr.write('\ninterrupted: finishing the tenants under way (Ctrl+C again to stop now)\n');
});

void runCli(process.argv.slice(2), {
  signal: interrupt.signal,
  env: process.env,
  stdout,
  stderr,
  // The progress bar and colours go to stderr, so that is the stream that must be a terminal.
  isTTY: Boolean(process.stderr.isTTY),
}).then((code) => {
  // exitCode rather than exit(): pending stdout writes to a pipe are flushed first.
  process.exitCode = code === EXIT_OK && outputFailed ? EXIT_FAILED : code;
});
