// `probe-lens probe BIN:FUNC --stacks` end to end, through the real helper: leaf of
// test/fixtures/stack-callers.c, whose callers call it a known number of times, named by file
// and line in the summary and in JSON; a build without frame pointers says its stacks stop at
// the caller.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { A, B, buildStackCallers, lineOf } from '../support/stack-callers.mjs';

const CLI = path.join(fileURLToPath(new URL('../..', import.meta.url)), 'bin', 'probe-lens');
const why = process.geteuid() !== 0 && 'needs root (real uprobes through the helper)';
const work = mkdtempSync(path.join(tmpdir(), 'probe-lens-cli-stacks-'));
chmodSync(work, 0o755);

function probeLeaf(binary, ...options) {
  const result = spawnSync(process.execPath, [CLI, 'probe', `${binary}:leaf`, '--stacks', ...options, '--', binary, String(A), String(B)], {
    encoding: 'utf8', input: 'go\n', timeout: 60_000,
  });
  assert.equal(result.status, 0, result.stderr);
  return result;
}

describe('probe-lens probe --stacks', { skip: why }, () => {
  const withFramePointers = buildStackCallers(path.join(work, 'stack-callers-O0'), 'gcc', ['-O0']);

  it('the summary lists leaf\'s callers, exact and most first, by function and line, then its stacks down to main', () => {
    const { stdout } = probeLeaf(withFramePointers, '--no-events');
    const summary = stdout.slice(stdout.indexOf('callers (exact'));
    const callers = summary.split('\n').slice(1, 4).map((line) => line.trim().split(/\s+/).join(' '));
    assert.deepEqual(callers, [
      `${B} via_b (stack-callers.c:${lineOf('leaf from via_b')})`,
      `${A} via_a (stack-callers.c:${lineOf('leaf from via_a')})`,
      `1 down (stack-callers.c:${lineOf('leaf from down')})`,
    ], stdout);
    assert.match(stdout, new RegExp(`callers \\(exact, ${A + B + 1} calls by stack\\):`));
    assert.match(stdout, new RegExp(`stack 3 of 3, 1 calls:\\n {4}leaf \\(stack-callers\\.c:\\d+\\)\\n(?: {4}down \\(stack-callers\\.c:\\d+\\)\\n){4} {4}main \\(stack-callers\\.c:${lineOf('down from main')}\\)`), stdout);
  });

  it('--json: the summary\'s stacks named frame by frame, and each call line with its stack', () => {
    const records = probeLeaf(withFramePointers, '--json').stdout.split('\n').filter((text) => text.startsWith('{')).map((text) => JSON.parse(text));
    const { stacks } = records.find((r) => r.type === 'summary').probes[0];
    assert.deepEqual(stacks.callers.map(({ count, frame }) => [count, frame.source[0].function, frame.source[0].line]), [
      [B, 'via_b', lineOf('leaf from via_b')], [A, 'via_a', lineOf('leaf from via_a')], [1, 'down', lineOf('leaf from down')],
    ]);
    assert.equal(stacks.counted, A + B + 1);
    const calls = records.filter((r) => r.type === 'call');
    assert.equal(calls.length, A + B + 1);
    assert.ok(calls.every((call) => call.stack.length >= 3 && call.stack[0].object === withFramePointers), JSON.stringify(calls[0]));
  });

  it('several functions of one binary, attached together, each count their own callers', () => {
    const result = spawnSync(process.execPath, [CLI, 'probe', `${withFramePointers}:leaf`, `${withFramePointers}:via_b`, '--stacks', '--json', '--no-events', '--',
      withFramePointers, String(A), String(B)], { encoding: 'utf8', input: 'go\n', timeout: 60_000 });
    assert.equal(result.status, 0, result.stderr);
    const summary = JSON.parse(result.stdout.split('\n').find((line) => line.includes('"type":"summary"')));
    const callersOf = (name) => summary.probes.find((probe) => probe.target.endsWith(`:${name}`)).stacks.callers.map(({ count, frame }) => [count, frame.source[0].function]);
    assert.deepEqual(callersOf('leaf'), [[B, 'via_b'], [A, 'via_a'], [1, 'down']]);
    assert.deepEqual(callersOf('via_b'), [[1, 'main']]);
  });

  it('without frame pointers, the callers are still exact and the stacks stop at them, as it says', () => {
    const binary = buildStackCallers(path.join(work, 'stack-callers-O2'), 'gcc', ['-O2']);
    const { stdout, stderr } = probeLeaf(binary, '--no-events');
    assert.match(stderr, /stacks: the caller only: .* keeps no frame pointers to walk further \(build with -fno-omit-frame-pointer\)/);
    assert.match(stdout, new RegExp(`^ +${B} +via_b \\(stack-callers\\.c:${lineOf('leaf from via_b')}\\)$`, 'm'), stdout);
    assert.match(stdout, /stack 1 of 3, 5 calls:\n {4}leaf \(stack-callers\.c:\d+\)\n {4}via_b \(stack-callers\.c:\d+\)\n[^ ]/);
  });
});
