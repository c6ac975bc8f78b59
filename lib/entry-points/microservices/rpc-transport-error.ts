import type { TenancyError } from '../../errors/tenancy.error';
import { type TenancyErrorBody, tenancyErrorBody } from '../../errors/tenancy-error-body';

/** The error object a refused message's sender receives (a request's error; an event's is logged). */
export interface RpcTenancyErrorBody extends TenancyErrorBody {
  /** gRPC only: the status code of the call (see `GRPC_STATUS_BY_HTTP`). */
  code?: number;
  /** gRPC only: the status details, the message. */
  details?: string;
  /** gRPC only: trailing metadata with the code under `x-tenancy-error`. */
  metadata?: unknown;
}

/** The trailing gRPC metadata key carrying the package's error code. */
export const GRPC_TENANCY_ERROR_KEY = 'x-tenancy-error';

// The canonical HTTP to gRPC mapping (grpc/grpc doc/http-grpc-status-mapping,
// read the other way): 400 → INVALID_ARGUMENT, 401 → UNAUTHENTICATED,
// 403 → PERMISSION_DENIED, 404 → NOT_FOUND, 409 → ABORTED, 503 → UNAVAILABLE.
const GRPC_STATUS_BY_HTTP: Readonly<Record<number, number>> = {
  400: 3,
  401: 16,
  403: 7,
  404: 5,
  409: 10,
  503: 14,
};
const GRPC_UNKNOWN = 2;

interface GrpcMetadataClass {
  new (): { set(key: string, value: string): void };
}

function loadGrpcMetadata(): GrpcMetadataClass | undefined {
  try {
    // The server that called the handler loaded it already.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('@grpc/grpc-js') as { Metadata: GrpcMetadataClass }).Metadata;
  } catch {
    return undefined;
  }
}

/**
 * The `RpcException` for a refused message. `@nestjs/microservices` is
 * required here, when a refusal happens, and never at load time: the package
 * runs without it. On gRPC, the body also carries what grpc-js reads from a
 * handler's error (`code`, `details`, `metadata`), so the client gets a real
 * status rather than UNKNOWN, and the package's code in the trailers.
 * @internal
 */
export function toRpcException(error: TenancyError, grpc: boolean): Error {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { RpcException } = require('@nestjs/microservices') as typeof import('@nestjs/microservices');
  const body: RpcTenancyErrorBody = tenancyErrorBody(error);
  if (grpc) {
    body.code = GRPC_STATUS_BY_HTTP[body.statusCode] ?? GRPC_UNKNOWN;
    body.details = error.message;
    const Metadata = loadGrpcMetadata();
    if (Metadata) {
      const trailers = new Metadata();
      trailers.set(GRPC_TENANCY_ERROR_KEY, error.errorCode);
      body.metadata = trailers;
    }
  }
  return new RpcException(body);
}
