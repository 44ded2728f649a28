// Stacks counted in the kernel (issue 12, "who called it"): a probe with `stacks` counts each
// call's user stack exactly; the helper places every frame in its file, counts the same stack of
// different processes together, and sends the callers and most frequent stacks in probe/stats,
// and each sampled record's stack. Checked against known call paths of a real program at gcc -O0,
// gcc -O2 with and without frame pointers and clang -O2, named by the symbol addon.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, chmodSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RawHelper, closeAllHelpers } from '../support/raw-helper.mjs';
import { A, B, buildStackCallers, checkCallers, named, NOP5_ENTRY, probeLeaf } from '../support/stack-callers.mjs';

const work = mkdtempSync(path.join(tmpdir(), 'probe-lens-stacks-'));
chmodSync(work, 0o755);
const why = process.geteuid() !== 0 && 'needs root (real uprobes through the helper)';
const build = (name, compiler, flags) => buildStackCallers(path.join(work, name), compiler, flags);

afterEach(closeAllHelpers);

async function startedHelper() {
  const helper = new RawHelper();
  await helper.request('initialize', { processId: process.pid });
  return helper;
}

const builds = [
  { name: 'gcc-O0', compiler: 'gcc', flags: ['-O0'], framePointers: true },
  { name: 'gcc-O2-fp', compiler: 'gcc', flags: ['-O2', '-fno-omit-frame-pointer'], framePointers: true },
  { name: 'gcc-O2', compiler: 'gcc', flags: ['-O2'], framePointers: false },
  { name: 'clang-O2', compiler: 'clang', flags: ['-O2'], framePointers: false },
  { name: 'clang-nop5-fp', compiler: 'clang', flags: NOP5_ENTRY, framePointers: true, caller: 'stack pointer' },
];

for (const { name, compiler, flags, framePointers, caller } of builds) {
  test(`${name}: leaf's callers counted exactly (via_b ${B}, via_a ${A}, down 1), each at its call's line; ${framePointers ? 'whole stacks through frame pointers' : 'no frame pointers: the caller only, and said so'}`, { skip: why }, async () => {
    const binary = build(name, compiler, flags);
    const { result, stats, calls } = await probeLeaf(await startedHelper(), binary);
    assert.deepEqual(result.stacks, { depth: framePointers ? 32 : 2, framePointers, caller: caller ?? result.stacks.caller });
    // No frame pointers: the walk is not trusted, the caller is read where the call left it.
    if (!framePointers) assert.equal(result.stacks.caller, 'stack pointer');
    await checkCallers(stats, framePointers);
    // Every call's record carries its stack, placed in the binary like the counted ones.
    assert.equal(calls.length, A + B + 1);
    const counted = new Set(stats.stacks.top.map((stack) => JSON.stringify(stack.frames[1])));
    for (const call of calls) {
      assert.deepEqual(call.stack[0], stats.stacks.top[0].frames[0], 'the probed address first');
      assert.ok(counted.has(JSON.stringify(call.stack[1])), `a counted caller: ${JSON.stringify(call.stack)}`);
    }
  });
}

test('the same stack of three runs (different processes, different load addresses) is counted as one', { skip: why }, async () => {
  const binary = build('runs', 'gcc', ['-O0']);
  const { stats } = await probeLeaf(await startedHelper(), binary, { runs: 3 });
  assert.equal(stats.calls, 3 * (A + B + 1));
  assert.deepEqual(stats.stacks.top.map((stack) => stack.count), [3 * B, 3 * A, 3]);
  assert.deepEqual(stats.stacks.callers.map((caller) => caller.count), [3 * B, 3 * A, 3]);
});

test('with a condition, only the calls that meet it are counted by stack', { skip: why }, async () => {
  const binary = build('condition', 'gcc', ['-O0']);
  const { stats } = await probeLeaf(await startedHelper(), binary, { condition: { arg: 'x', op: 'ge', value: 1 } });
  assert.deepEqual([stats.calls, stats.matched, stats.stacks.counted], [A + B + 1, A + B - 2, A + B - 2]);
  const stacks = await named(stats.stacks);
  assert.deepEqual(stacks.callers.map(({ count, frame }) => [count, frame.source[0]?.function]), [[B - 1, 'via_b'], [A - 1, 'via_a']]);
});

test('stacks are for user functions: a kernel probe asking for them is refused with the reason', { skip: why }, async () => {
  const helper = await startedHelper();
  const answer = await helper.request('probe/attach', { tracepoint: 'sched:sched_process_exec', stacks: true });
  assert.equal(answer.error?.data.code, 'bad-params');
  assert.match(answer.error.message, /'condition', 'valuesOf' and 'stacks' are for user functions/);
});

test('a caller in a shared library of a process that ended at once is named by its file, found beside the program', { skip: why }, async () => {
  const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
  const dir = path.join(work, 'callback');
  mkdirSync(dir);
  const library = path.join(dir, 'libcallback.so');
  const program = path.join(dir, 'callback-program');
  execFileSync('gcc', ['-g', '-O0', '-shared', '-fPIC', '-o', library, path.join(fixtures, 'callback-lib.c')]);
  execFileSync('gcc', ['-g', '-O0', '-o', program, path.join(fixtures, 'callback-program.c'), library, `-Wl,-rpath,${dir}`]);
  const helper = await startedHelper();
  const { result, error } = await helper.request('probe/attach', { binary: program, symbol: 'called', stacks: true });
  assert.equal(error, undefined, JSON.stringify(error));
  assert.equal(spawnSync(program).status, 0);
  const stats = (await helper.request('probe/detach', { probe: result.probe })).result;
  assert.equal(stats.calls, 5);
  // Gone before the helper first read its stacks: its maps were not there to name the library.
  assert.deepEqual(stats.stacks.callers.map(({ count, frame }) => [count, frame.object]), [[5, library]]);
  const [caller] = (await named(stats.stacks)).callers;
  assert.equal(caller.frame.source[0]?.function, 'call_back');
});
