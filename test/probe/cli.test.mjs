// The probe-lens CLI end to end, as root, through the real helper and real uprobes on programs
// compiled here from test/fixtures: exact counts, values, recursion, threads, --pid, libc,
// stopping (--duration, Ctrl-C, command exit) and the errors a user meets first.

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = path.join(ROOT, 'bin', 'probe-lens');
const FIXTURES = path.join(ROOT, 'test', 'fixtures');
const TEST_TIMEOUT_MS = 120_000;

let work;
/** Absolute path of a compiled fixture. */
const bin = (name) => path.join(work, name);

/** Runs the CLI to its end; `onStdout`/`onStderr` see output as it comes. */
function startCli(args, { onStdout, onStderr } = {}) {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk) => {
    stdout += chunk;
    onStdout?.(stdout);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk) => {
    stderr += chunk;
    onStderr?.(stderr);
  });
  const done = new Promise((resolve) => child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr })));
  return { child, done };
}

function runCli(...args) {
  return startCli(args).done;
}

function parseJsonLines(stdout) {
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      try {
        return JSON.parse(line);
      } catch {
        assert.fail(`stdout has a line that is not JSON: ${line}`);
      }
    });
}

/** Checks the run went well and returns its JSON lines, the summary last. */
function successfulJsonRun(result) {
  assert.equal(result.status, 0, `probe-lens failed:\n${result.stderr}`);
  const lines = parseJsonLines(result.stdout);
  const summary = lines.at(-1);
  assert.equal(summary?.type, 'summary', 'the summary comes last');
  assert.equal(lines.filter((line) => line.type === 'summary').length, 1);
  return { lines, summary, byType: (type) => lines.filter((line) => line.type === type) };
}

function probeSummary(summary, target) {
  const found = summary.probes.find((probe) => probe.target === target);
  assert.ok(found, `no summary for ${target} in ${JSON.stringify(summary)}`);
  return found;
}

function assertNoStackTrace(text) {
  assert.doesNotMatch(text, /\n\s+at .+:\d+:\d+\)?/, `stack trace in:\n${text}`);
}

/** A fixture process that prints "ready" and then waits for a line on stdin. */
async function startWaitingTicker(callsOrForever) {
  const child = spawn(bin('wait-then-tick'), [String(callsOrForever)], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (text) => text.includes('ready') && resolve());
    child.once('exit', () => reject(new Error('wait-then-tick exited early')));
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, exited, go: () => child.stdin.end('\n') };
}

function untilAttached(count) {
  let resolveAttached;
  const attached = new Promise((resolve) => (resolveAttached = resolve));
  const onStdout = (stdout) => {
    if (stdout.split('\n').filter((line) => line.startsWith('{"type":"attached"')).length >= count) resolveAttached();
  };
  return { attached, onStdout };
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const notRoot = process.getuid() !== 0 && 'uprobes need root: run the probe tests as root';

describe('probe-lens probe (real helper, real uprobes)', { skip: notRoot, timeout: TEST_TIMEOUT_MS }, () => {
  before(() => {
    work = mkdtempSync(path.join(tmpdir(), 'probe-lens-cli-'));
    for (const name of ['add-loop', 'values', 'fib', 'wait-then-tick', 'printf-count', 'struct-args', 'condition-subjects']) {
      execFileSync('gcc', ['-g', '-O0', '-o', bin(name), path.join(FIXTURES, `${name}.c`)]);
    }
    execFileSync('gcc', ['-g', '-O0', '-pthread', '-o', bin('threads'), path.join(FIXTURES, 'threads.c')]);
  });

  after(() => rmSync(work, { recursive: true, force: true }));

  it('counts 100,000 calls exactly, and every record is either shown or counted as dropped', async () => {
    const target = `${bin('add-loop')}:add`;
    const result = await runCli('probe', target, '--json', '--', bin('add-loop'), '100000');
    const { lines, summary, byType } = successfulJsonRun(result);
    assert.deepEqual(lines[0], { ...lines[0], type: 'attached', probe: 1, target, kind: 'uprobe' });
    const stats = probeSummary(summary, target);
    assert.equal(stats.calls, 100000);
    assert.equal(stats.returns, 100000);
    assert.equal(byType('call').length + byType('return').length + stats.dropped, 200000);
    assert.deepEqual(summary.command, { argv: [bin('add-loop'), '100000'], exit_code: 0, signal: null });
    assert.ok(stats.latency_ns.p50 > 0 && stats.latency_ns.p50 <= stats.latency_ns.p99 && stats.latency_ns.p99 <= stats.latency_ns.max);
    assert.match(result.stderr, /total 100000/, "the command's stdout goes to stderr in --json mode");
  });

  it('a reader that stops for a while: the CLI stays small, counts stay exact, the summary comes last', async () => {
    const target = `${bin('add-loop')}:add`;
    const child = spawn(process.execPath, [CLI, 'probe', target, '--json', '--', bin('add-loop'), '1000000'], { stdio: ['ignore', 'pipe', 'ignore'] });
    // Nobody reads the CLI's stdout for 8 s: a pipe into a program that is busy elsewhere.
    let peakKb = 0;
    for (let i = 0; i < 40; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const rss = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      peakKb = Math.max(peakKb, Number(rss?.[1] ?? 0));
    }
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
    const status = await new Promise((resolve) => child.on('close', resolve));
    const { summary, byType } = successfulJsonRun({ status, stdout, stderr: '' });
    const stats = probeSummary(summary, target);
    assert.equal(stats.calls, 1000000);
    assert.equal(byType('call').length + byType('return').length + stats.dropped, 2000000, 'every record shown or counted as dropped');
    assert.ok(stats.dropped > 0, 'the records it could not pass on were dropped at the source');
    assert.ok(peakKb < 120 * 1024, `the CLI grew to ${peakKb} kB while its reader was away`);
  });

  it('a reader that goes away (| head -3): the CLI stops, detaches and ends the command at once', async () => {
    const child = spawn(process.execPath, [CLI, 'probe', `${bin('add-loop')}:add`, '--json', '--', bin('add-loop'), '100000000'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    // Three lines read, then the pipe closed, as `head -3` does.
    let stdout = '';
    await new Promise((resolve) => child.stdout.on('data', (chunk) => (stdout += chunk).split('\n').length > 3 && resolve()));
    child.stdout.destroy();
    const [status, signal] = await withTimeout(once(child, 'exit'), 20_000, 'the CLI to end after its reader went away');
    assert.equal(signal, null, stderr);
    assert.equal(status, 0, stderr);
    assertNoStackTrace(stderr);
    // The command it started was ended too (pgrep finds none: exit status 1).
    assert.throws(() => execFileSync('pgrep', ['-f', `${bin('add-loop')} 100000000`]), (error) => error.status === 1);
  });

  it('--sample-rate: call lines a sample at that rate, each with its return; counts exact, the rest counted as sampled out', async () => {
    const target = `${bin('add-loop')}:add`;
    const started = Date.now();
    const { summary, byType } = successfulJsonRun(await runCli('probe', target, '--json', '--sample-rate', '100', '--', bin('add-loop'), '300000'));
    const seconds = (Date.now() - started) / 1000;
    const stats = probeSummary(summary, target);
    assert.equal(stats.calls, 300000);
    const calls = byType('call').length;
    assert.equal(byType('return').length, calls, 'each sampled call with its return');
    assert.equal(2 * calls + stats.sampled_out + stats.dropped, 600000, 'every record shown, sampled out or dropped');
    assert.ok(calls > 0 && calls <= 100 * (seconds + 0.5) + 10, `${calls} call lines in ${seconds} s at 100/s`);
    const none = probeSummary(successfulJsonRun(await runCli('probe', target, '--json', '--no-events', '--', bin('add-loop'), '1000')).summary, target);
    assert.deepEqual([none.calls, none.sampled_out], [1000, 2000]);
    // add(total, 1) returns 1..1000: each value once, 256 of them counted by value.
    assert.equal(none.top_returns.length, 5);
  });

  it('--if: a condition on an argument, evaluated in the kernel; every call counted, the matched ones exact and the only ones shown', async () => {
    const add = `${bin('add-loop')}:add`;
    const shown = `${add} if a >= 900`;
    const { summary, byType } = successfulJsonRun(await runCli('probe', add, '--if', 'a >= 900', '--json', '--', bin('add-loop'), '1000'));
    // add(total, 1) with total 0..999: the program's own tally of a >= 900 is 100.
    assert.deepEqual(['calls', 'matched', 'returns'].map((key) => probeSummary(summary, shown)[key]), [1000, 100, 100]);
    assert.deepEqual(byType('call').map((call) => call.args.a), Array.from({ length: 100 }, (_, i) => 900 + i));
    // Signed 64-bit: identity(x) over 0, -1, 42, -42, ±(2^53 + 1), INT64_MAX, INT64_MIN.
    const identity = `${bin('values')}:identity`;
    const negative = successfulJsonRun(await runCli('probe', identity, '--if', 'x < 0', '--json', '--no-events', '--', bin('values'))).summary;
    assert.deepEqual([probeSummary(negative, `${identity} if x < 0`).calls, probeSummary(negative, `${identity} if x < 0`).matched], [8, 4]);
    const wrong = await runCli('probe', add, '--if', 'b == 1', '--if', 'nope', '--duration', '1');
    assert.equal(wrong.status, 2);
    assert.match(wrong.stderr, /bad condition 'nope': expected ARGUMENT OP NUMBER/);
    const missing = await runCli('probe', add, '--if', 'quantity > 3', '--duration', '1');
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /add has no argument 'quantity' to compare \(it has a, b\)/);
  });

  it('--if on the return value, the latency and a string\'s text: decided in the kernel, exact, each call shown with its return', async () => {
    const add = `${bin('add-loop')}:add`;
    const { summary, byType } = successfulJsonRun(await runCli('probe', add, '--if', 'retval > 990', '--json', '--', bin('add-loop'), '1000'));
    assert.deepEqual(['calls', 'matched', 'returns'].map((key) => probeSummary(summary, `${add} if retval > 990`)[key]), [1000, 10, 10]);
    assert.deepEqual(byType('call').map((call) => call.args.a), Array.from({ length: 10 }, (_, i) => 990 + i));
    assert.deepEqual(byType('return').map((ret) => ret.ret), Array.from({ length: 10 }, (_, i) => 991 + i));
    const subjects = bin('condition-subjects');
    const slow = successfulJsonRun(await runCli('probe', `${subjects}:settle`, '--if', 'latency > 1ms', '--json', '--', subjects, '30'));
    assert.deepEqual(slow.byType('call').map((call) => call.args.i), [0, 10, 20]);
    assert.ok(slow.byType('return').every((ret) => ret.latency_ns > 1_000_000));
    const text = await runCli('probe', `${subjects}:label`, '--if', 'name == "widget"', '--no-events', '--', subjects, '30');
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /label if name == "widget" +30 +10 +10 /);
  });

  it('--values: an argument\'s distribution counted in the kernel, exact, in the summary and its JSON', async () => {
    const add = `${bin('add-loop')}:add`;
    // add(total, 1): b is always 1, a takes 1000 different values (256 of them counted by value).
    const { summary } = successfulJsonRun(await runCli('probe', add, '--values', 'b', '--json', '--no-events', '--', bin('add-loop'), '1000'));
    assert.deepEqual(probeSummary(summary, add).arg_values, { arg: 'b', top: [{ value: 1, count: 1000 }], uncounted: 0, log2: [{ bucket: 1, count: 1000 }], log2Uncounted: 0 });
    const text = await runCli('probe', add, '--values', 'a', '--no-events', '--', bin('add-loop'), '1000');
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /add-loop:add: a = 0 ×1, 1 ×1, 2 ×1, 3 ×1, 4 ×1 \(and 744 calls of values not counted\)/);
    // a is 0..999: its log2 histogram, every bucket exact, as bpftrace's hist() draws it.
    assert.match(text.stdout, /add-loop:add: a, log2 histogram:\n {2}\[0\] +1 \|/);
    assert.match(text.stdout, /\n {2}\[256, 512\) +256 \|@+ +\|\n {2}\[512, 1K\) +488 \|@{52}\|\n/);
    const missing = await runCli('probe', add, '--values', 'quantity', '--duration', '1');
    assert.match(missing.stderr, /add has no argument 'quantity' to count the values of \(it has a, b\)/);
  });

  it('reads negative and 64-bit arguments and return values, beyond 2^53 as decimal strings', async () => {
    const identity = `${bin('values')}:identity`;
    const sum6 = `${bin('values')}:sum6`;
    const { summary, byType } = successfulJsonRun(await runCli('probe', identity, sum6, '--json', '--', bin('values')));
    assert.equal(probeSummary(summary, identity).calls, 8);
    assert.equal(probeSummary(summary, sum6).calls, 2);

    const [identityProbe, sum6Probe] = [probeSummary(summary, identity).probe, probeSummary(summary, sum6).probe];
    const expected = [0, -1, 42, -42, '9007199254740993', '-9007199254740993', '9223372036854775807', '-9223372036854775808'];
    // Arguments arrive by their DWARF names (the fixtures are built with -g).
    assert.deepEqual(byType('call').filter((call) => call.probe === identityProbe).map((call) => call.args.x), expected);
    assert.deepEqual(byType('return').filter((ret) => ret.probe === identityProbe).map((ret) => ret.ret), expected);

    const sum6Calls = byType('call').filter((call) => call.probe === sum6Probe);
    assert.deepEqual(sum6Calls[0].args, { a: 1, b: -2, c: 3, d: -4, e: 5, f: -6 });
    assert.deepEqual(sum6Calls[1].args, { a: '9223372036854775807', b: 0, c: 0, d: 0, e: 0, f: -1 });
    assert.deepEqual(byType('return').filter((ret) => ret.probe === sum6Probe).map((ret) => ret.ret), [-3, '9223372036854775806']);
  });

  it('shows what struct pointer arguments point to: fields by name, the text cut to its size, NULL, unreadable', async () => {
    const target = `${bin('struct-args')}:put`;
    const human = await runCli('probe', target, '--', bin('struct-args'));
    assert.equal(human.status, 0, human.stderr);
    assert.match(human.stdout, /put\(key=\{mv_size=9, mv_data="key-00042"\}, order=\{quantity=-3, urgent=true, cents=4000000000, item="widget"\}\)/);
    assert.match(human.stdout, /put\(key=NULL, order=NULL\)/);
    assert.match(human.stdout, /put\(key=<unreadable 0x10>, order=NULL\)/);
    const { byType } = successfulJsonRun(await runCli('probe', target, '--json', '--', bin('struct-args')));
    const [first, , dangling] = byType('call').map((call) => call.args);
    assert.deepEqual(first.key.fields, { mv_size: 9, mv_data: 'key-00042' });
    assert.deepEqual(first.order.fields, { quantity: -3, urgent: true, cents: 4000000000, item: 'widget' });
    assert.deepEqual(dangling.key, { address: '0x10', unreadable: true });
  });

  it('nests latencies under recursion: every call outlasts the calls it made', async () => {
    const target = `${bin('fib')}:fib`;
    const { summary, byType, lines } = successfulJsonRun(await runCli('probe', target, '--json', '--', bin('fib'), '12'));
    const stats = probeSummary(summary, target);
    assert.equal(stats.calls, 465); // fib(12) makes 2 * fib(13) - 1 calls
    assert.equal(stats.returns, 465);
    assert.equal(stats.dropped, 0);
    assert.equal(byType('call').length, 465);

    const fibOf = (n) => (n < 2 ? n : fibOf(n - 1) + fibOf(n - 2));
    const stack = [];
    let maxDepth = 0;
    for (const event of lines.filter((line) => line.type === 'call' || line.type === 'return')) {
      if (event.type === 'call') {
        stack.push({ n: event.args.n, ts: event.ts_ns, childLatencies: [] });
        maxDepth = Math.max(maxDepth, stack.length);
        continue;
      }
      const frame = stack.pop();
      assert.ok(frame, 'a return without a call');
      assert.equal(event.ret, fibOf(frame.n), `fib(${frame.n})`);
      assert.equal(typeof event.latency_ns, 'number');
      assert.ok(event.latency_ns <= event.ts_ns - frame.ts + 1, 'latency fits between call and return');
      for (const child of frame.childLatencies) assert.ok(event.latency_ns >= child, `fib(${frame.n}) outer ${event.latency_ns} ≥ inner ${child}`);
      stack.at(-1)?.childLatencies.push(event.latency_ns);
    }
    assert.equal(stack.length, 0);
    assert.equal(maxDepth, 12);
  });

  it('counts 4 threads × N calls exactly, with 4 distinct thread ids', async () => {
    const target = `${bin('threads')}:work`;
    const { summary, byType } = successfulJsonRun(await runCli('probe', target, '--json', '--', bin('threads'), '2500'));
    const stats = probeSummary(summary, target);
    assert.equal(stats.calls, 10000);
    assert.equal(stats.returns, 10000);
    const calls = byType('call');
    const tids = new Set(calls.map((call) => call.tid));
    assert.equal(tids.size, 4, `thread ids seen: ${[...tids]}`);
    assert.equal(new Set(calls.map((call) => call.pid)).size, 1);
    assert.ok(!tids.has(calls[0].pid), 'the main thread makes no call');
  });

  it('--pid counts one process and not another running the same code, and ends when it exits', async () => {
    const counted = await startWaitingTicker(500);
    const ignored = await startWaitingTicker(700);
    try {
      const target = `${bin('wait-then-tick')}:tick`;
      const { attached, onStdout } = untilAttached(1);
      const run = startCli(['probe', target, '--pid', String(counted.child.pid), '--json'], { onStdout });
      await withTimeout(attached, 30_000, 'attach');
      counted.go();
      ignored.go();
      await Promise.all([counted.exited, ignored.exited]);
      const result = await withTimeout(run.done, 15_000, 'probe-lens to stop after the --pid process exited').catch((error) => {
        run.child.kill('SIGINT');
        throw error;
      });
      const { summary, byType } = successfulJsonRun(result);
      assert.equal(probeSummary(summary, target).calls, 500);
      assert.equal(probeSummary(summary, target).returns, 500);
      assert.deepEqual(new Set(byType('call').map((call) => call.pid)), new Set([counted.child.pid]));
    } finally {
      counted.child.kill();
      ignored.child.kill();
    }
  });

  it('libc:printf under -- COMMAND counts exactly the program\'s printf calls', async () => {
    const { summary, byType } = successfulJsonRun(await runCli('probe', 'libc:printf', '--json', '--', bin('printf-count'), '25'));
    const stats = probeSummary(summary, 'libc:printf');
    assert.equal(stats.calls, 25);
    assert.equal(stats.returns, 25);
    assert.ok(byType('call').every((call) => call.comm === 'printf-count'));
  });

  it('prints live lines and the summary table in human mode', async () => {
    const target = `${bin('add-loop')}:add`;
    const result = await runCli('probe', target, '--', bin('add-loop'), '3');
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stderr, new RegExp(`Attached probe 1: ${target} → ${bin('add-loop')} offset 0x[0-9a-f]+ \\(uprobe \\+ uretprobe`));
    const lines = result.stdout.split('\n');
    assert.ok(lines.some((line) => /^TIME\(s\)\s+PID\s+TID\s+UID\s+COMM\s+TARGET/.test(line)), 'the column header');
    assert.equal(lines.filter((line) => /add\(a=\d, b=1\)/.test(line)).length, 3);
    for (const value of [1, 2, 3]) assert.ok(lines.some((line) => line.includes(`add → ${value}  (`)), `return ${value}`);
    assert.ok(lines.some((line) => /^PROBE\s+TARGET\s+CALLS\s+RETURNS\s+DROPPED\s+P50 ≤\s+P99 ≤\s+MAX ≤$/.test(line)));
    assert.ok(lines.some((line) => new RegExp(`^1\\s+${target}\\s+3\\s+3\\s+0\\s`).test(line)));
    assert.match(result.stdout, /command '.*add-loop 3' exited with status 0\n$/);
    assert.match(result.stdout, /total 3/);
  });

  it('--duration stops tracing and still prints exact final counts', async () => {
    const ticker = await startWaitingTicker('forever');
    try {
      ticker.go();
      const started = Date.now();
      const target = `${bin('wait-then-tick')}:tick`;
      const { summary } = successfulJsonRun(await runCli('probe', target, '--pid', String(ticker.child.pid), '--duration', '1', '--json'));
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 1000 && elapsed < 20_000, `took ${elapsed} ms`);
      const stats = probeSummary(summary, target);
      assert.ok(stats.calls > 0);
      assert.ok(stats.returns === stats.calls || stats.returns === stats.calls - 1, 'at most the call in flight has not returned');
    } finally {
      ticker.child.kill();
    }
  });

  it('--pid with several probes: they all count over the same moments (started and stopped together)', async () => {
    const ticker = await startWaitingTicker('forever');
    try {
      ticker.go();
      const target = `${bin('wait-then-tick')}:tick`;
      const { summary } = successfulJsonRun(await runCli('probe', target, target, target, '--pid', String(ticker.child.pid), '--duration', '1', '--json'));
      const counts = summary.probes.map((probe) => probe.calls);
      console.log(`calls counted by three probes on tick(): ${counts.join(', ')}`);
      // Attached one after another (~100 ms each), they used to count over different windows.
      assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `same window: ${counts.join(', ')}`);
      assert.ok(counts[0] > 100);
    } finally {
      ticker.child.kill();
    }
  });

  it('--pid of a process that does not have the binary mapped: a clear error, not a silent 0', async () => {
    const ticker = await startWaitingTicker('forever');
    try {
      const result = await runCli('probe', `${bin('add-loop')}:add`, '--pid', String(ticker.child.pid), '--duration', '1');
      assert.equal(result.status, 2, result.stderr);
      assert.match(result.stderr, new RegExp(`process ${ticker.child.pid} does not have .*add-loop mapped \\(it is wait-then-tick\\)`));
      assertNoStackTrace(result.stderr);
    } finally {
      ticker.child.kill();
    }
  });

  it('Ctrl-C (SIGINT) detaches, prints the summary and exits 0', async () => {
    const ticker = await startWaitingTicker('forever');
    try {
      ticker.go();
      const target = `${bin('wait-then-tick')}:tick`;
      const { attached, onStdout } = untilAttached(1);
      const run = startCli(['probe', target, '--pid', String(ticker.child.pid), '--json'], { onStdout });
      await withTimeout(attached, 30_000, 'attach');
      await new Promise((resolve) => setTimeout(resolve, 300));
      run.child.kill('SIGINT');
      const { summary, byType } = successfulJsonRun(await withTimeout(run.done, 15_000, 'exit after SIGINT'));
      const stats = probeSummary(summary, target);
      assert.ok(stats.calls > 0);
      assert.equal(byType('call').length + byType('return').length + stats.dropped, stats.calls + stats.returns);
    } finally {
      ticker.child.kill();
    }
  });

  describe('errors: a specific code and exit status, never a stack trace', () => {
    let deadPid;
    before(() => {
      mkdirSync(bin('a-directory'), { recursive: true });
      writeFileSync(bin('not-elf.txt'), 'just text\n');
      const child = spawn('true');
      deadPid = child.pid;
      return new Promise((resolve) => child.on('exit', resolve));
    });

    const cases = [
      ['a path that does not exist', () => [`${bin('no-such-file')}:add`], 'binary-not-found', 2],
      ['a directory', () => [`${bin('a-directory')}:add`], 'not-a-file', 2],
      ['a file that is not ELF', () => [`${bin('not-elf.txt')}:add`], 'not-elf', 2],
      ['a function that is not there', () => [`${bin('add-loop')}:no_such_function`], 'symbol-not-found', 2],
      ['a process that is gone', () => [`${bin('add-loop')}:add`, '--pid', String(deadPid)], 'no-such-process', 2],
    ];
    for (const [what, args, code, status] of cases) {
      it(`${what} → ${code}, exit ${status}`, async () => {
        const json = await runCli('probe', '--json', ...args());
        assert.equal(json.status, status, json.stderr);
        assertNoStackTrace(json.stderr);
        assert.equal(json.stdout, '', 'nothing attached, no summary');
        const errorLine = JSON.parse(json.stderr.trim().split('\n').at(-1));
        assert.equal(errorLine.type, 'error');
        assert.equal(errorLine.code, code, errorLine.message);
        assert.ok(errorLine.message.length > 10);

        const human = await runCli('probe', ...args());
        assert.equal(human.status, status);
        assertNoStackTrace(human.stderr);
        assert.match(human.stderr, /^probe-lens: cannot probe /m);
      });
    }

    it('a command that does not exist → command-not-found, exit 2, no probe left behind', async () => {
      const result = await runCli('probe', '--json', `${bin('add-loop')}:add`, '--', bin('no-such-program'));
      assert.equal(result.status, 2);
      assertNoStackTrace(result.stderr);
      assert.equal(JSON.parse(result.stderr.trim()).code, 'command-not-found');
    });
  });
});

describe('probe-lens doctor (real helper)', { skip: notRoot, timeout: TEST_TIMEOUT_MS }, () => {
  it('reports uprobes available as root, in words and in JSON', async () => {
    const human = await runCli('doctor');
    assert.equal(human.status, 0, human.stderr);
    assert.match(human.stdout, /Privilege to load eBPF: yes/);
    assert.match(human.stdout, /^ {2}uprobe\s+available$/m);
    const json = await runCli('doctor', '--json');
    assert.equal(json.status, 0);
    const report = JSON.parse(json.stdout);
    assert.equal(report.type, 'doctor');
    assert.equal(report.uprobes_available, true);
    assert.equal(report.helper.probeKinds.uprobe.available, true);
  });
});
