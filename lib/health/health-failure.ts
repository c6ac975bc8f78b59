import { TenancyError } from '../errors/tenancy.error';

/** A check that got no answer in time. */
export class HealthCheckTimeout extends Error {
  readonly code = 'TIMEOUT';

  constructor(readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
    this.name = 'HealthCheckTimeout';
  }
}

/** `work`, or a `HealthCheckTimeout` after `timeoutMs`; the work itself is left to finish or fail on its own. */
export async function withinTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HealthCheckTimeout(timeoutMs)), timeoutMs);
  });
  // A rejection after the timeout must not surface as unhandled.
  work.catch(() => undefined);
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// Anything shaped like a connection string (scheme://…), and key=value passwords.
const URL_PATTERN = /\b[a-z][a-z0-9+.-]*:\/\/[^\s'"]+/gi;
const PASSWORD_PATTERN = /\b(password|passwd|pwd)=[^\s&'"]+/gi;

/** A message with connection strings and passwords cut out: health bodies are often public. */
export function redactSecrets(message: string): string {
  return message.replace(URL_PATTERN, '[redacted URL]').replace(PASSWORD_PATTERN, '$1=[redacted]');
}

/**
 * What a health body may say about a failure: a stable `error` code and a
 * message without secrets. A package error gives its code and its public
 * message (the one its HTTP answer carries, so a misconfigured record's
 * details stay in the logs); a driver error its code (a SQLSTATE such as
 * `3D000`, or `ECONNREFUSED`) and its message, URLs and passwords removed.
 */
export function describeFailure(error: unknown): { error: string; message: string } {
  if (error instanceof TenancyError) {
    const response = error.getResponse() as { message?: unknown };
    const message = typeof response.message === 'string' ? response.message : error.message;
    return { error: error.errorCode, message: redactSecrets(message) };
  }
  const code = (error as { code?: unknown } | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return { error: typeof code === 'string' && code ? code : 'ERROR', message: redactSecrets(message) };
}
