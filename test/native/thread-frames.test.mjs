// Calls awaiting their returns are kept per thread: in the helper's table of threads (an entry
// picked by the thread id modulo 1024, no helper call) or, while another thread holds that entry,
// in the thread's own storage. Two threads picking the same entry, inside the probed function at
// once: each call pairs with its own return either way, timed.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RawHelper, closeAllHelpers } from '../support/raw-helper.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const work = mkdtempSync(path.join(tmpdir(), 'probe-lens-thread-frames-'));
chmodSync(work, 0o755);
const target = path.join(work, 'shared-thread-slot');
execFileSync('gcc', ['-g', '-O1', '-pthread', '-o', target, path.join(here, '..', 'fixtures', 'shared-thread-slot.c')]);
const why = process.geteuid() !== 0 && 'needs root (real uprobes through the helper)';
const DEPTH = 4;

afterEach(closeAllHelpers);

test('two threads whose ids pick the same entry, nested inside one function at once: every call pairs with its own return', { skip: why }, async () => {
  const helper = new RawHelper();
  await helper.request('initialize', { processId: process.pid });
  const child = spawn(target, [], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise((resolve) => child.stdout.once('data', resolve));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const { result, error } = await helper.request('probe/attach', { binary: target, symbol: 'nest', filter: { pid: child.pid },
    capture: { args: [{ name: 'depth', location: { register: 'rdi' }, type: 's64' }], ret: 's64' } });
  assert.equal(error, undefined, JSON.stringify(error));
  child.stdin.end('go\n');
  assert.equal(await exited, 0);
  await helper.waitFor((m) => m.method === 'probe/ended' && m.params.probe === result.probe);
  const stats = (await helper.request('probe/detach', { probe: result.probe })).result;
  assert.deepEqual([stats.calls, stats.returns], [2 * DEPTH, 2 * DEPTH]);
  assert.equal(stats.latencyHistogram.reduce((sum, n) => sum + n, 0), 2 * DEPTH, 'every return timed');

  const events = helper.messages.filter((m) => m.method === 'probe/events').flatMap((m) => m.params.events);
  const tids = [...new Set(events.map((e) => e.tid))];
  assert.equal(tids.length, 2);
  assert.equal(tids[0] % 1024, tids[1] % 1024, `thread ids ${tids.join(' and ')} pick the same entry`);
  for (const tid of tids) {
    const stack = [];
    for (const e of events.filter((event) => event.tid === tid)) {
      if (e.type === 'call') {
        stack.push(e);
        continue;
      }
      const call = stack.pop();
      assert.ok(call, `thread ${tid}: a return without its call`);
      assert.equal(e.ret, call.args.depth, `thread ${tid}: nest(${call.args.depth}) returns its depth`);
      assert.equal(typeof e.latencyNs, 'number', `thread ${tid}: nest(${call.args.depth}) timed`);
      assert.ok(e.latencyNs <= e.tsNs - call.tsNs + 1, `thread ${tid}: the latency fits between call and return`);
    }
    assert.equal(stack.length, 0);
  }
});
