const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'EAI_AGAIN',
]);
// SQLSTATE class 08 (connection exception), server shutting down or starting
// (57P01-57P03), too many connections (53300).
const SQLSTATES = /^(08[0-9A-Z]{3}|57P0[1-3]|53300)$/;
// pg's own errors for a lost or never-opened connection carry no code.
const PG_MESSAGES =
  /^(Connection terminated|timeout expired|Client has encountered a connection error|Client was closed and is not queryable)/;

type Inspectable = {
  code?: unknown;
  message?: unknown;
  severity?: unknown;
  cause?: unknown;
};

/**
 * Whether `error` (as pg reports it: the tenant pool maps errors below
 * Prisma) means the database could not be reached or the connection was
 * lost, as opposed to a statement failing. Follows `cause` a few levels.
 */
export function isConnectionFailure(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 4) return false;
  const e = error as Inspectable;
  if (typeof e.code === 'string') {
    if (SOCKET_CODES.has(e.code)) return true;
    if (typeof e.severity === 'string' && SQLSTATES.test(e.code)) return true;
  } else if (typeof e.message === 'string' && PG_MESSAGES.test(e.message)) {
    return true;
  }
  return isConnectionFailure(e.cause, depth + 1);
}
