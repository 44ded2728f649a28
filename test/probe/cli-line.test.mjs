// Line probes (`probe-lens probe FILE.c:LINE --line`) end to end, through the real helper: a
// loop body line and an inlined function's line of test/fixtures/line-locals.c, built by gcc and
// clang at -O0 and -O2, each hit's variables checked against what the program prints itself.
// What a build keeps nowhere (optimized out) is said, never shown as a value.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = path.join(ROOT, 'bin', 'probe-lens');
const SOURCE = path.join(ROOT, 'test', 'fixtures', 'line-locals.c');
const lines = readFileSync(SOURCE, 'utf8').split('\n');
const lineOf = (marker) => lines.findIndex((line) => line.includes(marker)) + 1;
const LOOP_BODY = lineOf('/* the loop body line */');
const INLINED = lineOf('/* the inlined line */');
const ORDERS = 4;
const why = process.geteuid() !== 0 && 'needs root (real uprobes through the helper)';
const work = mkdtempSync(path.join(tmpdir(), 'probe-lens-line-'));
chmodSync(work, 0o755);

/** Each order's values as the program prints them: i, line_total, total after the line. */
function printed(stdout) {
  return [...stdout.matchAll(/^i=(\d+) line_total=(\d+) total=(\d+)$/gm)].map((m) => ({ i: Number(m[1]), lineTotal: Number(m[2]), totalAfter: Number(m[3]) }));
}

function probeLine(binary, line) {
  const result = spawnSync(process.execPath, [CLI, 'probe', `${SOURCE}:${line}`, '--line', '--json', '--binary', binary, '--', binary, String(ORDERS)], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(result.status, 0, result.stderr);
  const records = result.stdout.split('\n').filter((text) => text.startsWith('{')).map((text) => JSON.parse(text));
  const notes = records.filter((r) => r.type === 'attached').flatMap((r) => r.notes ?? []).join('\n');
  return { calls: records.filter((r) => r.type === 'call'), summary: records.find((r) => r.type === 'summary'), notes };
}

describe('probe-lens probe FILE.c:LINE --line', { skip: why }, () => {
  for (const [compiler, level] of [['gcc', '-O0'], ['gcc', '-O2'], ['clang', '-O0'], ['clang', '-O2']]) {
    const binary = path.join(work, `line-locals-${compiler}${level}`);
    execFileSync(compiler, ['-g', level, '-o', binary, SOURCE]);
    const expected = printed(execFileSync(binary, [String(ORDERS)], { encoding: 'utf8' }));

    it(`${compiler} ${level}: the loop body line, hit once an iteration, with i, line_total and total (before the line) as the program prints them`, () => {
      const { calls, summary, notes } = probeLine(binary, LOOP_BODY);
      assert.equal(summary.probes.reduce((sum, probe) => sum + probe.calls, 0), ORDERS, 'each iteration once');
      assert.equal(calls.length, ORDERS);
      const read = new Set();
      calls.forEach((call, index) => {
        const want = { i: expected[index].i, line_total: expected[index].lineTotal, total: expected[index].totalAfter - expected[index].lineTotal, count: ORDERS };
        for (const [name, value] of Object.entries(want)) {
          if (!(name in call.args)) continue;
          read.add(name);
          assert.equal(call.args[name], value, `${name} at hit ${index}: ${JSON.stringify(call.args)}`);
        }
      });
      if (level === '-O0') assert.deepEqual([...read].sort(), ['count', 'i', 'line_total', 'total'], 'a debug build keeps every variable');
      else assert.ok(read.size >= 2, `an optimized build still shows some: ${[...read]}`);
      const missing = ['i', 'line_total', 'total', 'count'].filter((name) => !read.has(name));
      for (const name of missing) assert.match(notes, new RegExp(`${name} \\((optimized out here|a computed location)`), `${name} is said to be missing`);
    });

    it(`${compiler} ${level}: the inlined function's line, hit once a call, its variables where the build keeps them`, () => {
      const { calls, summary } = probeLine(binary, INLINED);
      assert.equal(summary.probes.reduce((sum, probe) => sum + probe.calls, 0), ORDERS);
      calls.forEach((call, index) => {
        const want = { value: 10 * (index + 2), weight: index + 1 };
        for (const [name, value] of Object.entries(want)) if (name in call.args) assert.equal(call.args[name], value, `${name} at hit ${index}`);
      });
      if (level === '-O0') assert.deepEqual(calls.map((call) => [call.args.value, call.args.weight]), Array.from({ length: ORDERS }, (_, i) => [10 * (i + 2), i + 1]));
    });
  }

  it('a conditional logpoint: --line with --if on a local, decided in the kernel, every hit still counted', () => {
    for (const level of ['-O0', '-O2']) {
      const binary = path.join(work, `line-locals-gcc${level}`);
      const result = spawnSync(process.execPath, [CLI, 'probe', `${SOURCE}:${LOOP_BODY}`, '--line', '--if', 'i >= 2', '--json', '--binary', binary, '--', binary, String(ORDERS)], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(result.status, 0, result.stderr);
      const records = result.stdout.split('\n').filter((text) => text.startsWith('{')).map((text) => JSON.parse(text));
      const [probe] = records.find((r) => r.type === 'summary').probes;
      assert.deepEqual([probe.calls, probe.matched], [ORDERS, ORDERS - 2], level);
      assert.deepEqual(records.filter((r) => r.type === 'call').map((call) => call.args.i), [2, 3], level);
    }
  });

  it('a line with no code says which nearest lines have code', () => {
    const binary = path.join(work, 'line-locals-gcc-O0');
    const blank = lines.findIndex((line, index) => index > 0 && line.trim() === '' && index + 1 < LOOP_BODY) + 1;
    const result = spawnSync(process.execPath, [CLI, 'probe', `${SOURCE}:${blank}`, '--line', '--binary', binary, '--duration', '1'], { encoding: 'utf8' });
    assert.equal(result.status, 2);
    assert.match(result.stderr, new RegExp(`line ${blank} of line-locals\\.c has no code in line-locals-gcc-O0; the nearest lines? with code: \\d+`));
  });
});
