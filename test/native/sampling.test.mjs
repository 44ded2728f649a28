// Records sampled in the kernel (probe/subscribe, maxRecordsPerSecond): counters stay exact at
// any rate, every record is sent, sampled out or dropped — each counted — and a rate asked for
// is kept by sending every Nth call with its return, evenly over the run.
import { test, before, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RawHelper, closeAllHelpers } from '../support/raw-helper.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const work = mkdtempSync(path.join(tmpdir(), 'probe-lens-sampling-'));
chmodSync(work, 0o755);
const target = path.join(work, 'protocol-target');
const why = process.geteuid() !== 0 && 'needs root (real uprobes through the helper)';
const ADD = { args: [{ name: 'a', location: { register: 'rdi' }, type: 's64' }], ret: 's64' };

afterEach(closeAllHelpers);

before(() => {
  execFileSync('gcc', ['-g', '-O0', '-o', target, path.join(here, '..', 'fixtures', 'protocol-target.c')]);
});

async function started() {
  const helper = new RawHelper();
  await helper.request('initialize', { processId: process.pid, rootUri: null, capabilities: {} });
  return helper;
}

/** The target, making n calls to add(i, -2i) once released. */
function heldTarget(n) {
  const child = spawn(target, [String(n)], { stdio: ['pipe', 'ignore', 'inherit'] });
  const done = new Promise((resolve) => child.on('exit', resolve));
  return { child, done, release: () => child.stdin.end('go\n') };
}

function recordsOf(helper, probe) {
  return helper.messages.filter((m) => m.method === 'probe/events').flatMap((m) => m.params.events).filter((e) => e.probe === probe);
}

/** Runs n calls under a probe attached with `attach` extras; returns the final stats and the records. */
async function run(helper, n, attach, during = async () => {}) {
  const held = heldTarget(n);
  const { result } = await helper.request('probe/attach', { binary: target, symbol: 'add', filter: { pid: held.child.pid }, capture: ADD, ...attach });
  assert.ok(result, 'attached');
  held.release();
  await during(result.probe);
  await held.done;
  await helper.waitFor((m) => m.method === 'probe/ended' && m.params.probe === result.probe);
  const final = (await helper.request('probe/detach', { probe: result.probe })).result;
  return { final, records: recordsOf(helper, result.probe), probe: result.probe };
}

function assertAccounted({ final, records }, n) {
  assert.equal(final.calls, n, 'calls counted exactly');
  assert.equal(final.returns, n, 'returns counted exactly');
  assert.equal(records.length + final.sampledOut + final.dropped, 2 * n, 'every record sent, sampled out or dropped');
}

test('counters only (maxRecordsPerSecond 0): exact counts, no records, all of them counted as sampled out', { skip: why }, async () => {
  const helper = await started();
  const outcome = await run(helper, 5000, { maxRecordsPerSecond: 0 });
  assertAccounted(outcome, 5000);
  assert.equal(outcome.records.length, 0);
  assert.equal(outcome.final.sampledOut, 10_000);
  assert.equal(outcome.final.maxRecordsPerSecond, 0);
});

test('a rate asked for: calls at that rate with their own returns, spread evenly over the run; counts exact', { skip: why }, async () => {
  const helper = await started();
  const n = 200_000;
  const rate = 200;
  const begun = Date.now();
  const outcome = await run(helper, n, { maxRecordsPerSecond: rate });
  const seconds = (Date.now() - begun) / 1000;
  assertAccounted(outcome, n);
  const calls = outcome.records.filter((r) => r.type === 'call');
  const returns = outcome.records.filter((r) => r.type === 'return');
  console.log(`${calls.length} of ${n} calls sent, ${outcome.final.sampledOut} records sampled out, ${outcome.final.dropped} dropped`);
  // At most the rate, and half a second's worth at the start (the gate's burst).
  assert.ok(calls.length > 0 && calls.length <= rate * (seconds + 0.5) + 10, `sampled: ${calls.length} of ${n} calls sent in ${seconds} s at ${rate}/s`);
  // A sampled call's return comes with it (latency known), and no other return does.
  assert.equal(returns.filter((r) => r.latencyNs !== null).length, calls.length);
  for (const call of calls) assert.ok(returns.some((r) => r.tid === call.tid && r.ret === -call.args.a), `the return of add(${call.args.a}, …)`);
  // Evenly: every tenth of the run has sampled calls.
  const tenths = new Set(calls.map((call) => Math.floor((call.args.a * 10) / n)));
  assert.equal(tenths.size, 10, `calls sampled in tenths ${[...tenths].sort((a, b) => a - b).join(',')} of the run`);
});

test('subscribe and unsubscribe on a live probe: records only between them, each one accounted for', { skip: why }, async () => {
  const helper = await started();
  const n = 300_000;
  let subscribedAt;
  const outcome = await run(helper, n, { maxRecordsPerSecond: 0 }, async (probe) => {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const subscribed = await helper.request('probe/subscribe', { probe });
    assert.deepEqual(subscribed.result, { probe, maxRecordsPerSecond: null });
    subscribedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const unsubscribed = await helper.request('probe/unsubscribe', { probe });
    assert.deepEqual(unsubscribed.result, { probe, maxRecordsPerSecond: 0 });
  });
  assertAccounted(outcome, n);
  const calls = outcome.records.filter((r) => r.type === 'call');
  console.log(`${calls.length} calls sent while subscribed (${Date.now() - subscribedAt} ms ago)`);
  assert.ok(calls.length > 0 && calls.length < n, `${calls.length} calls sent`);
  // Consecutive calls while subscribed: every one of them (no rate asked).
  const args = calls.map((call) => call.args.a);
  assert.deepEqual(args, Array.from({ length: args.length }, (_, i) => args[0] + i));
});

test('probe/subscribe, probe/unsubscribe, probe/start and probe/stop are validated', { skip: why }, async () => {
  const helper = await started();
  const code = async (method, params) => (await helper.request(method, params)).error?.data.code;
  assert.equal(await code('probe/subscribe', { probe: 99 }), 'probe-not-found');
  assert.equal(await code('probe/unsubscribe', { probe: 99 }), 'probe-not-found');
  const held = heldTarget(1);
  const { result } = await helper.request('probe/attach', { binary: target, symbol: 'add', filter: { pid: held.child.pid }, capture: ADD });
  assert.equal(await code('probe/subscribe', { probe: result.probe, maxRecordsPerSecond: 0 }), 'bad-params');
  assert.equal(await code('probe/subscribe', { probe: result.probe, maxRecordsPerSecond: 'all' }), 'bad-params');
  assert.equal(await code('probe/subscribe', { probe: result.probe, every: 2 }), 'bad-params');
  assert.equal(await code('probe/attach', { binary: target, symbol: 'add', maxRecordsPerSecond: -1 }), 'bad-params');
  for (const method of ['probe/start', 'probe/stop']) {
    assert.equal(await code(method, { probes: [result.probe, 99] }), 'probe-not-found');
    assert.equal(await code(method, { probes: 'all' }), 'bad-params');
    assert.equal(await code(method, {}), 'bad-params');
    assert.equal(await code(method, [result.probe]), 'bad-params');
  }
  held.child.kill();
});

test('start: false counts nothing until probe/start; probe/stop ends counting for all at once', { skip: why }, async () => {
  const helper = await started();
  const held = heldTarget(2000);
  const attach = async () => (await helper.request('probe/attach', { binary: target, symbol: 'add', filter: { pid: held.child.pid }, capture: ADD, maxRecordsPerSecond: 0, start: false })).result.probe;
  const probes = [await attach(), await attach()];
  held.release();
  await held.done;
  assert.deepEqual((await helper.request('probe/start', { probes })).result, { probes });
  for (const probe of probes) assert.equal((await helper.request('probe/detach', { probe })).result.calls, 0, 'not started while the calls were made');
  const again = heldTarget(3000);
  const counting = [];
  for (let i = 0; i < 2; i++) counting.push((await helper.request('probe/attach', { binary: target, symbol: 'add', filter: { pid: again.child.pid }, capture: ADD, maxRecordsPerSecond: 0, start: false })).result.probe);
  await helper.request('probe/start', { probes: counting });
  again.release();
  await again.done;
  await helper.request('probe/stop', { probes: counting });
  for (const probe of counting) assert.equal((await helper.request('probe/detach', { probe })).result.calls, 3000);
});

test('return values counted in the kernel, exactly, with no records at all: the top ones, and how many found no room', { skip: why }, async () => {
  const helper = await started();
  const held = heldTarget(1000);
  const filter = { pid: held.child.pid };
  const attach = async (symbol, capture) => (await helper.request('probe/attach', { binary: target, symbol, filter, capture, maxRecordsPerSecond: 0 })).result.probe;
  const lookup = await attach('lookup', { args: [], ret: 's64' });
  const add = await attach('add', { args: [], ret: 's64' });
  const big = await attach('big', { args: [], ret: 'u64' });
  const greet = await attach('greet', { args: [], ret: 's32' });
  held.release();
  await held.done;
  await helper.waitFor((m) => m.method === 'probe/ended' && m.params.probe === greet);
  const final = async (probe) => (await helper.request('probe/detach', { probe })).result;
  // lookup() returns 9, then -1 twice.
  const looked = await final(lookup);
  assert.deepEqual(looked.topReturns, [{ value: -1, count: 2 }, { value: 9, count: 1 }]);
  assert.equal(looked.returnsUncounted, 0);
  // add(i, -2i) returns -i: 1000 distinct values, 256 of them counted (once each), the rest not.
  const added = await final(add);
  assert.equal(added.topReturns.length, 5);
  assert.ok(added.topReturns.every((top) => top.count === 1));
  assert.equal(added.returnsUncounted, 1000 - 256);
  assert.deepEqual((await final(big)).topReturns, [{ value: '18364758544493064720', count: 1 }], 'beyond 2^53: an exact decimal string');
  // An int return: only its low 32 bits are its value.
  assert.deepEqual((await final(greet)).topReturns, [{ value: 4, count: 1 }]);
  assert.equal(helper.messages.filter((m) => m.method === 'probe/events').length, 0, 'no records');
});
