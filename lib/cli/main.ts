#!/usr/bin/env node
// The `nestjs-prisma-tenancy` bin. All the work is in runCli, which tests call in-process.
import { EXIT_INTERRUPTED } from './cli.constants';
import { runCli } from './run-cli';

// First Ctrl+C: no new tenants; those under way finish and are recorded
// (each migration is one transaction). Second: leave now; PostgreSQL rolls
// back what was running, and the advisory locks go with the connections.
const interrupt = new AbortController();
process.on('SIGINT', () => {
  if (interrupt.signal.aborted) process.exit(EXIT_INTERRUPTED);
  interrupt.abort();
  process.stderr.write('\ninterrupted: finishing the tenants under way (Ctrl+C again to stop now)\n');
});

void runCli(process.argv.slice(2), {
  signal: interrupt.signal,
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  // The progress bar and colours go to stderr, so that is the stream that must be a terminal.
  isTTY: Boolean(process.stderr.isTTY),
}).then((code) => {
  // exitCode rather than exit(): pending stdout writes to a pipe are flushed first.
  process.exitCode = code;
});
