const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'EAI_AGAIN']);
// SQLSTATE class 08 (connection exception), server shutting down or starting
// (57P01-57P03), too many connections (53300).
const SQLSTATES = /^(08[0-9A-Z]{3}|57P0[1-3]|53300)$/;
// What @prisma/adapter-pg reports for the same failures (DriverAdapterError kinds).
const ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections', 'TlsConnectionError']);
// pg's own errors for a lost or never-opened connection carry no code.
const PG_MESSAGES = /^(Connection terminated|timeout expired|Client has encountered a connection error|Client was closed and is not queryable)/;

type Inspectable = {
  code?: unknown;
  message?: unknown;
  severity?: unknown;
  cause?: unknown;
  meta?: { driverAdapterError?: { cause?: { kind?: unknown; originalCode?: unknown } } };
};

/**
 * Whether `error` (a pg error, or Prisma's wrapping of one) means the
 * database could not be reached or the connection was lost, as opposed to a
 * statement failing. Follows `cause` a few levels.
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
  const adapter = e.meta?.driverAdapterError?.cause;
  if (adapter && (ADAPTER_KINDS.has(adapter.kind as string) || SQLSTATES.test(String(adapter.originalCode ?? '')))) return true;
  return isConnectionFailure(e.cause, depth + 1);
}
