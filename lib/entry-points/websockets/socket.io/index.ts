// nestjs-prisma-tenancy/websockets/socket.io: the adapter for @nestjs/platform-socket.io
// (a subpath: it extends IoAdapter, so it loads that package when imported).
export { TenancyIoAdapter, type TenancyConnectError } from './tenancy-io.adapter';
export type { IoTenancyOptions, WebSocketTenancyOptions } from '../websocket.options';
export type { WsTenancyErrorBody } from '../ws-transport-error';
export { socketTenantId } from '../socket-tenants';
