import { redisCase } from './redis-tcp-cases';
import { describeSchemaIsolation, describeTransport } from './transport-suite';

describeTransport(redisCase);
describeSchemaIsolation(redisCase);
