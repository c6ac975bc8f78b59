#!/usr/bin/env node
// The `nestjs-prisma-tenancy` bin. All the work is in runCli, which tests call in-process.
import { runCli } from './run-cli';

void runCli(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  // The progress bar and colours go to stderr, so that is the stream that must be a terminal.
  isTTY: Boolean(process.stderr.isTTY),
}).then((code) => {
  // exitCode rather than exit(): pending stdout writes to a pipe are flushed first.
  process.exitCode = code;
});
