// Returns paired with their calls for latency, whatever else probes the same code: an
// entry-only probe (an inline site) pushes nothing that no return would pop, and two probes on
// one function pair each return with its own call, whichever order the kernel runs them in.
import { test, before, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RawHelper, closeAllHelpers } from '../support/raw-helper.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const work = mkdtempSync(path.join(tmpdir(), 'probe-lens-pairing-'));
chmodSync(work, 0o755);
const target = path.join(work, 'protocol-target');
const why = process.geteuid() !== 0 && 'needs root (real uprobes through the helper)';

afterEach(closeAllHelpers);

before(() => {
  execFileSync('gcc', ['-g', '-O0', '-o', target, path.join(here, '..', 'fixtures', 'protocol-target.c')]);
});

test('an entry-only probe and the same function probed twice: every return of every probe gets its latency', { skip: why }, async () => {
  const helper = new RawHelper();
  await helper.request('initialize', { processId: process.pid, rootUri: null, capabilities: {} });
  const child = spawn(target, ['1000'], { stdio: ['pipe', 'ignore', 'inherit'] });
  const done = new Promise((resolve) => child.on('exit', resolve));
  const attach = async (extra) =>
    (await helper.request('probe/attach', { binary: target, symbol: 'add', filter: { pid: child.pid }, capture: { args: [], ret: 's64' }, maxRecordsPerSecond: 0, ...extra })).result.probe;
  const entryOnly = await attach({ retprobe: false });
  const first = await attach({});
  const second = await attach({});
  child.stdin.end('go\n');
  await done;
  await helper.waitFor((m) => m.method === 'probe/ended' && m.params.probe === second);
  for (const probe of [first, second]) {
    const final = (await helper.request('probe/detach', { probe })).result;
    assert.equal(final.returns, 1000);
    assert.equal(final.latencyHistogram.reduce((a, b) => a + b, 0), 1000, `probe ${probe}: a latency for every return`);
  }
  assert.equal((await helper.request('probe/detach', { probe: entryOnly })).result.calls, 1000);
});
