import { existsSync, readFileSync } from 'node:fs';
import { request, type RequestOptions } from 'node:http';
import { request as requestTls } from 'node:https';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Whether a Docker engine answers, within `timeoutMs` (default 2000 ms). Never
 * throws: Docker is a convenience for the tests, not a requirement. Only
 * sockets that exist are asked, so a machine with just the docker client (or
 * nothing) answers `false` at once.
 */
export async function dockerEngineAnswers(timeoutMs = 2_000): Promise<boolean> {
  const probes = candidates().map((candidate) => ping(candidate, timeoutMs));
  if (probes.length === 0) return false;
  // First `true` wins; all `false`, or the deadline, means no engine.
  return new Promise((resolve) => {
    setTimeout(() => resolve(false), timeoutMs + 100).unref();
    let pending = probes.length;
    for (const probe of probes) {
      void probe.then((ok) => {
        pending -= 1;
        if (ok) resolve(true);
        else if (pending === 0) resolve(false);
      });
    }
  });
}

type Candidate = { socketPath: string } | { host: string; port: number; tls: boolean };

/** Where testcontainers itself would look: DOCKER_HOST, then the usual sockets. */
function candidates(): Candidate[] {
  const dockerHost = process.env.DOCKER_HOST;
  if (dockerHost?.startsWith('unix://')) return existing([dockerHost.slice('unix://'.length)]);
  if (dockerHost?.startsWith('tcp://')) {
    const url = new URL(dockerHost.replace(/^tcp:/, 'http:'));
    const tls = Boolean(process.env.DOCKER_TLS_VERIFY);
    return [{ host: url.hostname, port: Number(url.port || (tls ? 2376 : 2375)), tls }];
  }
  const home = homedir();
  return existing([
    '/var/run/docker.sock',
    join(home, '.docker', 'run', 'docker.sock'),
    join(home, '.docker', 'desktop', 'docker.sock'),
    ...(process.env.XDG_RUNTIME_DIR ? [join(process.env.XDG_RUNTIME_DIR, 'docker.sock')] : []),
  ]);
}

function existing(paths: string[]): Candidate[] {
  return [...new Set(paths)].filter((path) => existsSync(path)).map((socketPath) => ({ socketPath }));
}

/**
 * Asks the engine itself (GET /_ping answers "OK"): a socket file can outlive
 * its daemon, and some networks accept any TCP connection.
 */
function ping(candidate: Candidate, timeoutMs: number): Promise<boolean> {
  const options: RequestOptions = { path: '/_ping', method: 'GET', timeout: timeoutMs };
  let send = request;
  if ('socketPath' in candidate) options.socketPath = candidate.socketPath;
  else {
    Object.assign(options, { host: candidate.host, port: candidate.port });
    if (candidate.tls) {
      send = requestTls;
      const certs = process.env.DOCKER_CERT_PATH ?? join(homedir(), '.docker');
      const read = (file: string) => (existsSync(join(certs, file)) ? readFileSync(join(certs, file)) : undefined);
      Object.assign(options, { ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem') });
    }
  }
  return new Promise((resolve) => {
    const req = send(options, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.on('close', () => resolve(false));
    req.end();
  });
}
