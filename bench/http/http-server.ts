// Child process of bench/http.bench.ts: boots one app and prints "READY <port>".
import { startHttpApp, type HttpAppSettings } from './http-apps';

async function main() {
  const settings = JSON.parse(process.env.BENCH_HTTP_APP ?? '{}') as HttpAppSettings;
  const { app, port } = await startHttpApp(settings);
  process.stdout.write(`READY ${port}\n`);
  process.on('SIGTERM', () => {
    void app.close().finally(() => process.exit(0));
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
