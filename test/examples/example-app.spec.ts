import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { serverAdminUrl } from '../support';

// The example app is part of what users copy: its smoke mode boots it against
// the test server, sends the walkthrough's requests (own rows, 400/403/404,
// the background job) and exits non-zero if any answer is off.
it('the example app answers its walkthrough requests as documented', async () => {
  const root = join(__dirname, '../..');
  const child = spawn(process.execPath, ['-r', '@swc-node/register', 'examples/src/main.ts'], {
    cwd: root,
    env: { ...process.env, EXAMPLE_SMOKE: '1', DATABASE_URL: serverAdminUrl(), PORT: '0' },
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`example exited with ${code}:\n${output}`);
  expect(output).toMatch(/smoke: all \d+ requests answered as expected/);
}, 90_000);
