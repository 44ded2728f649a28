// The held command (extension/core/held-command.ts): it runs only once released, and never
// when its client dies before releasing it — a CLI killed during attach must not leave the
// program running unprobed.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';

const core = fileURLToPath(new URL('../../out/test-core/held-command.mjs', import.meta.url));
const { spawnHeldCommand, HOLD_ABANDONED } = await import(core);

it('runs the program once released', async () => {
  const marker = path.join(mkdtempSync(path.join(tmpdir(), 'probe-lens-held-')), 'ran');
  const held = await spawnHeldCommand(['/usr/bin/touch', marker], { output: 'pipe' });
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(existsSync(marker), false, 'held, not run yet');
  held.release();
  assert.deepEqual(await held.exited, { argv: ['/usr/bin/touch', marker], exitCode: 0, signal: null });
  assert.equal(existsSync(marker), true);
});

it('never runs the program when its client dies before releasing it', async () => {
  const marker = path.join(mkdtempSync(path.join(tmpdir(), 'probe-lens-held-')), 'ran');
  // A client process holds the command, prints its pid, and is killed outright.
  const client = spawn(process.execPath, ['--input-type=module', '-e', `
    const { spawnHeldCommand } = await import(${JSON.stringify(core)});
    const held = await spawnHeldCommand(['/usr/bin/touch', ${JSON.stringify(marker)}], { output: 'pipe' });
    console.log(held.pid);
    setInterval(() => {}, 1000);
  `], { stdio: ['ignore', 'pipe', 'inherit'] });
  const pid = Number(await new Promise((resolve) => client.stdout.once('data', resolve)));
  client.kill('SIGKILL');
  for (let i = 0; i < 50 && existsSync(`/proc/${pid}`); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(existsSync(`/proc/${pid}`), false, 'the held shell is gone');
  assert.equal(existsSync(marker), false, 'the program never ran');
  assert.equal(HOLD_ABANDONED, 125);
});
