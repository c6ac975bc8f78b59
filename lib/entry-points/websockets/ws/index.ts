// nestjs-prisma-tenancy/websockets/ws: the adapter for @nestjs/platform-ws
// (a subpath: it extends WsAdapter, so it loads that package when imported).
export { TenancyWsAdapter } from './tenancy-ws.adapter';
export type { WebSocketTenancyOptions } from '../websocket.options';
export { WS_TENANCY_CLOSE_CODE_BASE, type WsTenancyErrorBody } from '../ws-transport-error';
export { socketTenantId } from '../socket-tenants';
