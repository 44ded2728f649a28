// The stack-callers fixture (test/fixtures/stack-callers.c) under a probe on leaf with stacks,
// and what its counted stacks must be: shared by the host's tests and the 6.1 VM's, whose
// kernel walks user stacks without the caller at a function's entry.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nameStacks } from '../../out/test-core/stacks.mjs';
import { loadSymbolsAddon } from '../../out/test-core/symbols-addon.mjs';

const source = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'stack-callers.c');
/** leaf's calls from via_a and via_b; one more comes at the bottom of down's recursion. */
export const A = 3;
export const B = 5;

/**
 * Builds the fixture. With NOP5_ENTRY's flags its functions start with a 5-byte nop, not a push
 * %rbp: no kernel's stack walk gives the caller there, so the helper reads it at the stack pointer.
 */
export const NOP5_ENTRY = ['-O2', '-fno-omit-frame-pointer', '-fpatchable-function-entry=5'];

export function buildStackCallers(binary, compiler, flags) {
  execFileSync(compiler, ['-g', ...flags, '-o', binary, source]);
  return binary;
}

/** The fixture's line holding `marker` (a comment naming the call on it). */
export const lineOf = (marker) => readFileSync(source, 'utf8').split('\n').findIndex((text) => text.includes(`/* ${marker} */`)) + 1;

/** A named frame as `function:line` (its innermost source frame). */
export const where = (frame) => (frame.source[0] === undefined ? '?' : `${frame.source[0].function}:${frame.source[0].line}`);

/** The counted stacks, every frame named by the symbol addon. */
export const named = (stacks) => nameStacks(stacks, (binary, offsets) => loadSymbolsAddon().symbolize(binary, offsets));

/** Runs the fixture `runs` times under one probe on leaf with stacks: the attach result, final stats and call records. */
export async function probeLeaf(helper, binary, { runs = 1, condition } = {}) {
  const { result, error } = await helper.request('probe/attach', {
    binary, symbol: 'leaf', stacks: true, capture: { args: [{ name: 'x', location: { register: 'rdi' }, type: 's32' }], ret: 's32' },
    ...(condition === undefined ? {} : { condition }),
  });
  assert.equal(error, undefined, JSON.stringify(error));
  for (let run = 0; run < runs; run++) {
    const child = spawn(binary, [String(A), String(B)], { stdio: ['pipe', 'pipe', 'inherit'] });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.stdin.end('go\n');
    assert.equal(await exited, 0);
  }
  const stats = (await helper.request('probe/detach', { probe: result.probe })).result;
  const calls = helper.messages.filter((m) => m.method === 'probe/events').flatMap((m) => m.params.events).filter((e) => e.type === 'call' && e.probe === result.probe);
  return { result, stats, calls };
}

/** leaf's callers, exact, each at its call's line; with frame pointers, whole stacks down to main. */
export async function checkCallers(stats, framePointers) {
  assert.equal(stats.calls, A + B + 1);
  assert.deepEqual([stats.stacks.counted, stats.stacks.uncounted, stats.stacks.untallied], [A + B + 1, 0, 0]);
  const stacks = await named(stats.stacks);
  assert.deepEqual(stacks.callers.map(({ count, frame }) => [count, where(frame)]), [
    [B, `via_b:${lineOf('leaf from via_b')}`],
    [A, `via_a:${lineOf('leaf from via_a')}`],
    [1, `down:${lineOf('leaf from down')}`],
  ]);
  for (const stack of stacks.top) assert.equal(stack.frames[0].source[0]?.function, 'leaf');
  if (!framePointers) {
    for (const stack of stacks.top) assert.equal(stack.frames.length, 2, 'the probed address and its caller');
    return;
  }
  const deep = stacks.top.find((stack) => stack.count === 1);
  assert.deepEqual(deep.frames.slice(1, 6).map(where), [
    `down:${lineOf('leaf from down')}`, ...Array(3).fill(`down:${lineOf('down from down')}`), `main:${lineOf('down from main')}`,
  ]);
  const fromA = stacks.top.find((stack) => stack.count === A);
  assert.deepEqual(fromA.frames.slice(1, 3).map(where), [`via_a:${lineOf('leaf from via_a')}`, `main:${lineOf('via_a from main')}`]);
}
