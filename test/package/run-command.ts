import { spawn } from 'node:child_process';

/** What a finished child process left behind. */
export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Options of `runCommand`. */
export interface RunCommandOptions {
  cwd: string;
  /** Added to the cleaned environment (see `childEnv`). */
  env?: Record<string, string>;
  /** Killed (SIGKILL) after this long. Default: 5 minutes. */
  timeoutMs?: number;
}

/**
 * The environment for npm and node children. `npm test` exports npm_* variables
 * describing this repository (npm_config_local_prefix=/path/to/repo among them):
 * inherited, they would make an `npm install` in a scratch app write to this
 * repository instead. Only the cache and config locations a runner may set stay.
 */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const keep = new Set(['npm_config_cache', 'npm_config_userconfig', 'npm_config_registry']);
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key === 'INIT_CWD' || (/^npm_/i.test(key) && !keep.has(key.toLowerCase()))) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

/** Runs `command args` without a shell and collects its output; never rejects for a non-zero exit. */
export function runCommand(command: string, args: string[], options: RunCommandOptions): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: childEnv(options.env), stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 5 * 60_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** The last lines of a child's output, for a failure message. */
export function tail(text: string, lines = 40): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
