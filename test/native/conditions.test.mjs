// Conditions and value distributions evaluated in the kernel. A probe with a condition
// {arg, op, value} counts every call, and only the calls that meet it go further (matched,
// records, returns, latency, return values), exactly, by the argument's width and sign. A probe
// with valuesOf counts an argument's values exactly, like the return value's, each with its own
// 256 distinct values. Bad requests are refused with the reason.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RawHelper, closeAllHelpers } from '../support/raw-helper.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const work = mkdtempSync(path.join(tmpdir(), 'probe-lens-conditions-'));
chmodSync(work, 0o755);
const target = path.join(work, 'wait-then-tick');
execFileSync('gcc', ['-g', '-O1', '-o', target, path.join(here, '..', 'fixtures', 'wait-then-tick.c')]);
const CALLS = 500;
const why = process.geteuid() !== 0 && 'needs root (real uprobes through the helper)';

afterEach(closeAllHelpers);

/**
 * `binary` run with `args` (it says "ready" and waits for a line) under a probe attached with
 * `params`, to its end: the final stats, and the calls and returns recorded.
 */
async function runUnderProbe(binary, args, params) {
  const helper = new RawHelper();
  await helper.request('initialize', { processId: process.pid });
  const child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise((resolve) => child.stdout.once('data', resolve));
  const { result, error } = await helper.request('probe/attach', { binary, filter: { pid: child.pid }, ...params });
  assert.equal(error, undefined, JSON.stringify(error));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.stdin.end('go\n');
  await exited;
  await helper.waitFor((m) => m.method === 'probe/ended' && m.params.probe === result.probe);
  const stats = (await helper.request('probe/detach', { probe: result.probe })).result;
  const events = helper.messages.filter((m) => m.method === 'probe/events').flatMap((m) => m.params.events);
  return { stats, events, calls: events.filter((e) => e.type === 'call'), returns: events.filter((e) => e.type === 'return') };
}

/** tick(i) for i in 0..CALLS-1 under a probe reading i as `type` with `condition`. */
const run = (type, condition, valuesOf) => runUnderProbe(target, [String(CALLS)], {
  symbol: 'tick', capture: { args: [{ name: 'i', location: { register: 'rdi' }, type }], ret: 's64' }, condition, valuesOf,
});

test('i >= 100: every call counted, the 400 that meet it recorded, returned and timed', { skip: why }, async () => {
  const { stats, calls, returns } = await run('s64', { arg: 'i', op: 'ge', value: 100 });
  assert.deepEqual([stats.calls, stats.matched, stats.returns], [CALLS, 400, 400]);
  assert.equal(stats.latencyHistogram.reduce((sum, n) => sum + n, 0), 400);
  assert.deepEqual(calls.map((call) => call.args.i), Array.from({ length: 400 }, (_, k) => k + 100));
  assert.equal(returns.length, 400);
  assert.deepEqual(stats.topReturns.map((top) => top.count), [1, 1, 1, 1, 1], 'each return value once (i + 1)');
});

test('by the argument\'s width and sign: u8 compares the low byte, s8 its signed value', { skip: why }, async () => {
  const lowByte = Array.from({ length: CALLS }, (_, i) => i & 0xff);
  const u8 = await run('u8', { arg: 'i', op: 'gt', value: 200 });
  assert.deepEqual([u8.stats.calls, u8.stats.matched], [CALLS, lowByte.filter((b) => b > 200).length]);
  const s8 = await run('s8', { arg: 'i', op: 'lt', value: 0 });
  assert.deepEqual([s8.stats.calls, s8.stats.matched], [CALLS, lowByte.filter((b) => b >= 128).length]);
  const none = await run('s64', { arg: 'i', op: 'eq', value: '9007199254740993' });
  assert.deepEqual([none.stats.calls, none.stats.matched, none.stats.returns, none.calls.length], [CALLS, 0, 0, 0]);
});

test('a condition must name a captured number, with a known comparison and an integer', { skip: why }, async () => {
  const helper = new RawHelper();
  await helper.request('initialize', {});
  const attach = (condition, type = 's64') => helper.request('probe/attach', {
    binary: target, symbol: 'tick', capture: { args: [{ name: 'i', location: { register: 'rdi' }, type }] }, condition,
  });
  const refusals = [
    [{ arg: 'x', op: 'ge', value: 1 }, /condition.arg must name a captured argument \('x' is not one\)/],
    [{ arg: 'i', op: 'gte', value: 1 }, /condition.op must be one of eq, ne, lt, le, gt, ge/],
    [{ arg: 'i', op: 'lt', value: 'abc' }, /condition.value must be an integer/],
    [{ arg: 'i', op: 'lt', value: 1.5 }, /condition.value must be an integer/],
    [{ arg: 'i', op: 'lt', value: 1, also: 2 }, /unknown field 'also'/],
  ];
  for (const [condition, message] of refusals) {
    const answer = await attach(condition);
    assert.equal(answer.error?.data.code, 'bad-params', JSON.stringify(condition));
    assert.match(answer.error.message, message);
  }
  assert.match((await attach({ arg: 'i', op: 'eq', value: 1 }, 'string')).error.message, /condition.arg 'i' is a string: only numbers are compared and counted/);
  const valuesOf = (name) => helper.request('probe/attach', { binary: target, symbol: 'tick', capture: { args: [{ name: 'i', location: { register: 'rdi' }, type: 's64' }] }, valuesOf: name });
  assert.match((await valuesOf('x')).error.message, /valuesOf must name a captured argument \('x' is not one\)/);
  const kernel = await helper.request('probe/attach', { syscall: 'getpid', condition: { arg: 'x', op: 'eq', value: 1 } });
  assert.match(kernel.error.message, /'condition', 'valuesOf' and 'stacks' are for user functions/);
});

/** [{bucket, count}] as the helper counts log2 buckets: 0 for 0, k for [2^(k-1), 2^k), -k for (-2^k, -2^(k-1)]. */
function log2Histogram(values) {
  const counts = new Map();
  for (const value of values) {
    const bucket = value === 0 ? 0 : Math.sign(value) * (Math.floor(Math.log2(Math.abs(value))) + 1);
    counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => a[0] - b[0]).map(([bucket, count]) => ({ bucket, count }));
}

test('valuesOf: an argument\'s log2 histogram, exact, signed by its type: i as s8 over 0..499 has negative buckets', { skip: why }, async () => {
  const { stats } = await run('s8', undefined, 'i');
  const signedLowBytes = Array.from({ length: CALLS }, (_, i) => ((i & 0xff) << 24) >> 24);
  assert.deepEqual(stats.argValues.log2, log2Histogram(signedLowBytes));
  assert.equal(stats.argValues.log2.reduce((sum, { count }) => sum + count, 0), CALLS);
  assert.ok(stats.argValues.log2.some(({ bucket }) => bucket === -8), '-128 is in bucket -8: (-256, -128]');
  const wide = (await run('s64', undefined, 'i')).stats;
  assert.deepEqual(wide.argValues.log2, [
    { bucket: 0, count: 1 }, { bucket: 1, count: 1 }, { bucket: 2, count: 2 }, { bucket: 3, count: 4 }, { bucket: 4, count: 8 },
    { bucket: 5, count: 16 }, { bucket: 6, count: 32 }, { bucket: 7, count: 64 }, { bucket: 8, count: 128 }, { bucket: 9, count: CALLS - 256 },
  ]);
});

test('valuesOf: an argument\'s values counted exactly in the kernel, each field with its own 256 values', { skip: why }, async () => {
  // i as u8 over 0..499: low bytes 0..243 twice, 244..255 once: 256 distinct values, all counted.
  const { stats } = await run('u8', undefined, 'i');
  const lowBytes = Array.from({ length: CALLS }, (_, i) => i & 0xff);
  assert.deepEqual(stats.argValues, {
    arg: 'i', top: [0, 1, 2, 3, 4].map((value) => ({ value, count: 2 })), uncounted: 0, log2: log2Histogram(lowBytes), log2Uncounted: 0,
  });
  // The return values (i + 1, 500 distinct) have their own 256: the rest are said to be uncounted.
  assert.equal(stats.returnsUncounted, CALLS - 256);
  // With a condition, only the calls that meet it: i >= 400 as s64, 100 values once each.
  const matched = (await run('s64', { arg: 'i', op: 'ge', value: 400 }, 'i')).stats;
  assert.deepEqual([matched.matched, matched.argValues.top.map((top) => top.value), matched.argValues.uncounted], [100, [400, 401, 402, 403, 404], 0]);
});

const subjects = path.join(work, 'condition-subjects');
execFileSync('gcc', ['-g', '-O1', '-o', subjects, path.join(here, '..', 'fixtures', 'condition-subjects.c')]);
const ROUNDS = 30;

/** The subjects program's ROUNDS rounds under a probe on `symbol`. */
const runSubjects = (symbol, capture, condition) => runUnderProbe(subjects, [String(ROUNDS), '--wait'], { symbol, capture, condition });

test('ret > 400: decided at the return, only the 100 calls that meet it recorded (each call just before its return), returned, timed and their values counted', { skip: why }, async () => {
  const { stats, calls, returns } = await run('s64', { on: 'return', op: 'gt', value: 400 }, 'i');
  assert.deepEqual([stats.calls, stats.matched, stats.returns], [CALLS, 100, 100]);
  assert.equal(stats.latencyHistogram.reduce((sum, n) => sum + n, 0), 100);
  assert.deepEqual(calls.map((call) => call.args.i), Array.from({ length: 100 }, (_, k) => k + 400));
  assert.deepEqual(returns.map((ret) => ret.ret), Array.from({ length: 100 }, (_, k) => k + 401));
  assert.deepEqual(stats.argValues.top.map((top) => top.value), [400, 401, 402, 403, 404], 'values of the calls that met it only');
  assert.equal(stats.argValues.log2.reduce((sum, { count }) => sum + count, 0), 100);
});

test('latency > 1ms: the slow calls (every tenth, 2 ms) and only they, found at their return', { skip: why }, async () => {
  const capture = { args: [{ name: 'i', location: { register: 'rdi' }, type: 's32' }], ret: 's32' };
  const { stats, events } = await runSubjects('settle', capture, { on: 'latency', op: 'gt', value: 1_000_000 });
  assert.deepEqual([stats.calls, stats.matched, stats.returns], [ROUNDS, ROUNDS / 10, ROUNDS / 10]);
  const order = events.map((e) => (e.type === 'call' ? `call ${e.args.i}` : `return ${e.ret}`));
  assert.deepEqual(order, [0, 10, 20].flatMap((i) => [`call ${i}`, `return ${i}`]));
  assert.ok(events.filter((e) => e.type === 'return').every((e) => e.latencyNs > 1_000_000));
});

test('name == "widget": a string argument\'s text compared in the kernel, whole ("widgets" is not it); != the others', { skip: why }, async () => {
  const capture = { args: [{ name: 'name', location: { register: 'rdi' }, type: 'string' }], ret: 'u64' };
  const equal = await runSubjects('label', capture, { arg: 'name', op: 'eq', text: 'widget' });
  assert.deepEqual([equal.stats.calls, equal.stats.matched], [ROUNDS, ROUNDS / 3]);
  assert.ok(equal.events.filter((e) => e.type === 'call').every((e) => e.args.name === 'widget'));
  const other = await runSubjects('label', capture, { arg: 'name', op: 'ne', text: 'widget' });
  assert.deepEqual([other.stats.calls, other.stats.matched], [ROUNDS, (2 * ROUNDS) / 3]);
  assert.deepEqual([...new Set(other.events.filter((e) => e.type === 'call').map((e) => e.args.name))].sort(), ['gizmo', 'widgets']);
});

test('conditions on the return value, the latency or a text are refused where they cannot be decided, with the reason', { skip: why }, async () => {
  const helper = new RawHelper();
  await helper.request('initialize', {});
  const attach = (params) => helper.request('probe/attach', { binary: subjects, symbol: 'label', ...params });
  const string = { args: [{ name: 'name', location: { register: 'rdi' }, type: 'string' }] };
  const refusals = [
    [{ capture: string, condition: { on: 'return', op: 'lt', value: 0 } }, /a condition on the return value needs it captured as a number/],
    [{ capture: { ...string, ret: 'u64' }, retprobe: false, condition: { on: 'latency', op: 'gt', value: 1 } }, /decided at the return: it needs the return probed/],
    [{ capture: string, condition: { arg: 'name', op: 'lt', text: 'a' } }, /a string's text is compared with eq or ne/],
    [{ capture: string, condition: { arg: 'name', op: 'eq', value: 3 } }, /condition.arg 'name' is a string/],
    [{ capture: string, condition: { arg: 'name', op: 'eq', text: 'x'.repeat(64) } }, /'text' is longer than 63 bytes/],
    [{ capture: string, condition: { arg: 'name', on: 'return', op: 'eq', value: 1 } }, /one of them/],
    [{ capture: { ...string, ret: 'u64' }, stacks: true, condition: { on: 'return', op: 'eq', value: 1 } }, /'stacks' with a condition on the return value or latency: not yet/],
  ];
  for (const [params, message] of refusals) {
    const answer = await attach(params);
    assert.equal(answer.error?.data.code, 'bad-params', JSON.stringify(params));
    assert.match(answer.error.message, message);
  }
});
