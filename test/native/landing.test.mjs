// Where a probe lands: a function that starts with CET's endbr64 (which the kernel would
// single-step, 20-30 µs a hit) is probed on the next instruction, with the same arguments,
// counts and return values; the attach result says so.
import { test, before, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, chmodSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RawHelper, closeAllHelpers } from '../support/raw-helper.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const work = mkdtempSync(path.join(tmpdir(), 'probe-lens-landing-'));
chmodSync(work, 0o755);
const target = path.join(work, 'protocol-target-cet');
const why = process.geteuid() !== 0 && 'needs root (real uprobes through the helper)';

afterEach(closeAllHelpers);

before(() => {
  execFileSync('gcc', ['-g', '-O0', '-fcf-protection=full', '-o', target, path.join(here, '..', 'fixtures', 'protocol-target.c')]);
});

test('a function starting with endbr64: probed 4 bytes in, the same arguments, counts and return values', { skip: why }, async () => {
  assert.match(execFileSync('objdump', ['-d', target]).toString(), /<add>:\n\s+[0-9a-f]+:\s+f3 0f 1e fa\s+endbr64/, 'the fixture starts add() with endbr64');
  const helper = new RawHelper();
  await helper.request('initialize', { processId: process.pid, rootUri: null, capabilities: {} });
  const child = spawn(target, ['500'], { stdio: ['pipe', 'ignore', 'inherit'] });
  const done = new Promise((resolve) => child.on('exit', resolve));
  const { result } = await helper.request('probe/attach', {
    binary: target, symbol: 'add', filter: { pid: child.pid },
    capture: { args: [{ name: 'a', location: { register: 'rdi' }, type: 's64' }, { name: 'b', location: { register: 'rsi' }, type: 's64' }], ret: 's64' },
  });
  assert.equal(result.pastEndbr64, true);
  assert.equal(result.offset, result.address + 4, 'the probe sits after the endbr64 (text at file offset = address in this layout)');
  child.stdin.end('go\n');
  await done;
  await helper.waitFor((m) => m.method === 'probe/ended' && m.params.probe === result.probe);
  const final = (await helper.request('probe/detach', { probe: result.probe })).result;
  assert.deepEqual([final.calls, final.returns], [500, 500]);
  const events = helper.messages.filter((m) => m.method === 'probe/events').flatMap((m) => m.params.events);
  const calls = events.filter((e) => e.type === 'call');
  assert.deepEqual(calls.map((call) => call.args), Array.from({ length: 500 }, (_, i) => ({ a: i, b: i === 0 ? 0 : -2 * i })));
  assert.deepEqual(events.filter((e) => e.type === 'return').map((ret) => ret.ret), Array.from({ length: 500 }, (_, i) => (i === 0 ? 0 : -i)));
});

test('probe/entryCosts: what a hit costs per kind of first instruction, and whether the kernel optimizes a 5-byte nop, by trying', { skip: why }, async () => {
  const helper = new RawHelper();
  await helper.request('initialize', { processId: process.pid, rootUri: null, capabilities: {} });
  const { result } = await helper.request('probe/entryCosts', {});
  assert.deepEqual(Object.keys(result.nsPerHit), ['optimized', 'emulated', 'single-stepped']);
  for (const ns of Object.values(result.nsPerHit)) assert.ok(ns > 0 && ns < 1e7, `${ns} ns`);
  // An independent sign of optimized uprobes: the syscall their trampoline returns through.
  const kernelHasThem = /\b__x64_sys_uprobe\b/.test(readFileSync('/proc/kallsyms', 'utf8'));
  assert.equal(result.nop5Optimized, kernelHasThem);
  assert.equal((await helper.request('probe/entryCosts', { calls: 5 })).error.data.code, 'bad-params');
});
