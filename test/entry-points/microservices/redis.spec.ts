import { PACKET_METADATA } from './nest-version';
import { redisCase } from './redis-tcp-cases';
import { describePayloadField, describeSchemaIsolation, describeTransport } from './transport-suite';

// Nest 11's Redis server drops the packet's metadata: there the payload field is the only way.
if (PACKET_METADATA) {
  describeTransport(redisCase);
  describeSchemaIsolation(redisCase);
}
describePayloadField(redisCase, PACKET_METADATA);
