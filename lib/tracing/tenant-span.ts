/**
 * The span attribute carrying the tenant id: `tenant.id`. OpenTelemetry's
 * semantic conventions define none for tenants; `tenant.id` follows their
 * `<namespace>.id` form (`user.id`, `session.id`).
 */
export const TENANT_SPAN_ATTRIBUTE = 'tenant.id';

// The part of @opentelemetry/api used here, typed locally so that the
// package's declarations never need the API installed.
interface ActiveSpanApi {
  trace: {
    getActiveSpan(): { isRecording(): boolean; setAttribute(key: string, value: string): unknown } | undefined;
  };
}

// undefined: not looked for yet; null: not installed.
let api: ActiveSpanApi | null | undefined;

function loadApi(): ActiveSpanApi | null {
  try {
    // An optional peer: a guarded require, once, so the package runs without it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('@opentelemetry/api') as ActiveSpanApi;
  } catch {
    return null;
  }
}

/**
 * Sets `tenant.id` on the active span, when `@opentelemetry/api` is installed
 * and a recording span is active; otherwise does nothing (after the first
 * call, one comparison).
 */
export function setTenantOnActiveSpan(tenantId: string): void {
  if (api === undefined) api = loadApi();
  if (api === null) return;
  const span = api.trace.getActiveSpan();
  if (span?.isRecording()) span.setAttribute(TENANT_SPAN_ATTRIBUTE, tenantId);
}
