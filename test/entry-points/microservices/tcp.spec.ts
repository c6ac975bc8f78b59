import { PACKET_METADATA } from './nest-version';
import { tcpCase } from './redis-tcp-cases';
import { describePayloadField, describeSchemaIsolation, describeTransport } from './transport-suite';

// Nest 11's TCP server drops the packet's metadata: there the payload field is the only way.
if (PACKET_METADATA) {
  describeTransport(tcpCase);
  describeSchemaIsolation(tcpCase);
}
describePayloadField(tcpCase, PACKET_METADATA);
