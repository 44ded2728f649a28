// Many functions from one target: `BINARY:GLOB` and `FILE.c:*` on a real multi-file program
// built here, each function's count equal to bpftrace's for the same pattern and to the
// program's own; the limit; and the summary funccount-style (most called first).

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildManyFunctions } from '../support/many-functions.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = path.join(ROOT, 'bin', 'probe-lens');
const why = process.geteuid() !== 0 && 'needs root (real uprobes through the helper)';
const work = mkdtempSync(path.join(tmpdir(), 'probe-lens-cli-many-'));
chmodSync(work, 0o755);
const program = buildManyFunctions(work, { files: 3, perFile: 40 });
// One script both tools run (bpftrace's -c splits its command at spaces, without a shell).
const run = path.join(work, 'run.sh');
writeFileSync(run, `#!/bin/sh\necho go | ${program.binary} > /dev/null\n`, { mode: 0o755 });

function probeLens(...args) {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd: work, encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Function → calls from the JSON summary. */
function countsFromJson(stdout) {
  const summary = stdout.trim().split('\n').map((line) => JSON.parse(line)).find((line) => line.type === 'summary');
  return Object.fromEntries(summary.probes.map((probe) => [probe.target.split(':').at(-1), probe.calls]));
}

/** bpftrace's count per function for uprobe:BINARY:PATTERN over the same run. */
function bpftraceCounts(pattern) {
  const out = execFileSync('bpftrace', ['-f', 'json', '-e', `uprobe:${program.binary}:${pattern} { @[probe] = count(); }`, '-c', `/bin/sh ${run}`],
    { encoding: 'utf8', timeout: 120_000 });
  const map = out.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line)).find((line) => line.type === 'map');
  return Object.fromEntries(Object.entries(map.data['@']).map(([probe, count]) => [probe.split(':').at(-1), count]));
}

const expected = (filter) => Object.fromEntries(program.functions.filter(filter).map((fn) => [fn.name, fn.calls]));

describe('many functions from one target', { skip: why }, () => {
  it('BINARY:GLOB counts each matching function exactly, as bpftrace does', () => {
    const { status, stdout, stderr } = probeLens('probe', `${program.binary}:file1_*`, '--json', '--no-events', '--', run);
    assert.equal(status, 0, stderr);
    const ours = countsFromJson(stdout);
    assert.deepEqual(ours, expected((fn) => fn.name.startsWith('file1_')));
    assert.deepEqual(ours, bpftraceCounts('file1_*'));
  });

  it('FILE.c:* probes every function defined in that file (static ones too), and the table is most-called first', () => {
    const { status, stdout, stderr } = probeLens('probe', 'part2.c:*', '--no-events', '--binary', program.binary, '--', run);
    assert.equal(status, 0, stderr);
    assert.match(stderr, /Attached 41 probes \(\d+–\d+\) for part2\.c:\*: one uprobe_multi link pair/);
    const rows = stdout.split('\n').filter((line) => /^\d+\s+part2\.c:/.test(line)).map((line) => line.split(/\s+/));
    const counts = Object.fromEntries(rows.map(([, target, calls]) => [target.split(':')[1], Number(calls)]));
    assert.deepEqual(counts, { ...expected((fn) => fn.name.startsWith('file2_')), run_part2: 1 });
    assert.ok(counts.file2_fn39 > 0, 'the static function is counted');
    const calls = rows.map((row) => Number(row[2]));
    assert.deepEqual(calls, [...calls].sort((a, b) => b - a), 'most called first');
  });

  it('functions not called are left out of the table and counted in a line', () => {
    const { status, stdout, stderr } = probeLens('probe', `${program.binary}:*_fn3?`, '--no-events', '--', 'sh', '-c', `${program.binary} < /dev/null > /dev/null`);
    assert.equal(status, 0, stderr);
    assert.match(stdout, new RegExp(`${program.binary.replace(/[/.]/g, '\\$&')}:\\*_fn3\\?: 30 of 30 functions were not called\\.`));
  });

  it('a pattern matching nothing, and more functions than the helper holds, are clear errors', () => {
    const none = probeLens('probe', `${program.binary}:nothing_*`, '--duration', '1');
    assert.equal(none.status, 2);
    assert.match(none.stderr, /no function in .*many-functions matches nothing_\*/);
    const targets = Array.from({ length: 9 }, () => `${program.binary}:file*`);
    const tooMany = probeLens('probe', ...targets, '--duration', '1');
    assert.equal(tooMany.status, 2);
    assert.match(tooMany.stderr, /1080 functions to probe .*at most 1000 probes at once: narrow the pattern/);
  });
});
