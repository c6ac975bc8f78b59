// The tenant each admitted socket named at connect, keyed by the client object
// Nest hands gateway handlers (a socket.io `Socket` or a `ws` WebSocket). A
// WeakMap: a closed socket's entry goes with it. One module instance serves the
// root entry point and the adapters' subpaths (they import it from the same file).
const admitted = new WeakMap<object, { tenantId: string | undefined }>();

/** Records that the adapter admitted `client`, as `tenantId` (`undefined`: no tenant). @internal */
export function admitSocket(client: object, tenantId: string | undefined): void {
  admitted.set(client, { tenantId });
}

/** Whether a tenancy adapter checked and admitted this socket at connect. @internal */
export function isAdmittedSocket(client: unknown): boolean {
  return typeof client === 'object' && client !== null && admitted.has(client);
}

/**
 * The id of the tenant a socket named when it connected, or `undefined`
 * (a socket admitted without a tenant, or not admitted by `TenancyIoAdapter`
 * or `TenancyWsAdapter`). For `handleDisconnect`, which runs outside any
 * tenant: the tenant may have been suspended or deleted while the socket was
 * open, so look it up again (`TenantContext.run`) before using its data.
 */
export function socketTenantId(client: unknown): string | undefined {
  return typeof client === 'object' && client !== null ? admitted.get(client)?.tenantId : undefined;
}
