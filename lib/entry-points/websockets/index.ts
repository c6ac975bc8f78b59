// WebSocket gateways (@nestjs/websockets): the 'ws' entry point and what the
// adapters share. Nothing here loads @nestjs/websockets or a platform at import
// time; the adapters, which extend a platform's class, live in the subpaths
// nestjs-prisma-tenancy/websockets/socket.io and nestjs-prisma-tenancy/websockets/ws.
export { websocketEntryPoint } from './websocket.entry-point';
export type { WebSocketTenancyOptions, IoTenancyOptions } from './websocket.options';
export { socketTenantId } from './socket-tenants';
export { WS_TENANCY_CLOSE_CODE_BASE, type WsTenancyErrorBody } from './ws-transport-error';
