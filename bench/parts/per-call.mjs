// Per-call cost of a probe on a tight loop: the fixture calls work() N times and reports ns per
// call; the same loop runs with no probe, under three bpftrace programs and under probe-lens
// (events streamed, and counters only). Configurations are interleaved round by round so drift
// in the VM hits them all alike; each reports its median and every raw figure. probe-lens's
// exact counters must equal N, and every call and return must be either streamed or reported
// as dropped, or the run fails.
//
// Like for like: probe-lens streaming (args, return value, latency per call, to stdout) is set
// against bpftrace printing the same per call (printf of tid, comm, time, six args; then return
// value and latency), and probe-lens --no-events (in-kernel counters and latency histogram)
// against bpftrace keeping a latency histogram in the kernel. bpftrace count-only is the goal's
// yardstick. Both tracers filter by pid and their output is read by this process.
//
// The editor's mode (issue 10: counters, top return values and latency in the kernel, 50 calls a
// second sampled for the hover; here `--sample-rate 50`) against bpftrace counting entries and
// returns, goal ≤ 1.1×: on the loop's work() as gcc builds it, and again on a clang build whose
// functions start with a 5-byte nop (-fpatchable-function-entry=5), which the kernel probes the
// cheap way (../shared/KERNEL.md) so that every cost of ours shows; there counters only
// (--no-events) too, against the same yardstick, goal ≤ 1.1× (issue 11). Then a CET debug build
// (work() starts with endbr64, then push %rbp): probing the endbr64 itself (bpftrace) against
// landing past it (probe-lens), goal ≥ 3× cheaper per call. And stacks (issue 12): a build with frame pointers,
// bpftrace counting `ustack` at entry (and returns) against probe-lens --stacks, whose counts by
// stack must add up to N. Last, a line probe on the loop's body line: probe-lens --line (every
// hit counted, the variables there read for records) against the bare kernel uprobe at the same
// address, counted by `perf stat` on a `perf probe` event (bpftrace 0.17 here cannot probe an
// address inside a function: it was built without uprobe offset checks).
// BENCH_PER_CALL=main,nop5 (say) measures only those of main, nop5, endbr64, stacks and line.

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { BenchError, compileFixture, cpuDelta, formatNs, formatRatio, machineBusyCpuSeconds, median, probeLensBin, ratio, repoRoot, round, start, stop, summarize, table, treeCpu, waitForAttachedUprobes, waitForStdoutLine, within } from '../lib.mjs';

const execFileAsync = promisify(execFile);

export const name = 'perCall';

const REPEATS = Math.max(3, Number(process.env.BENCH_REPEATS ?? 5));
const CALIBRATION_CALLS = 20_000;
/** N is chosen so the cheapest probed configuration's loop takes about this long. */
const TARGET_LOOP_SECONDS = 0.75;
const ATTACH_TIMEOUT_MS = 30_000;
const LOOP_TIMEOUT_MS = 120_000;
const DRAIN_TIMEOUT_MS = 120_000;

const WORK_ARGS = 'arg0, arg1, arg2, arg3, arg4, arg5';

/** A bpftrace configuration: its program, and how it says its `probes` uprobes are attached. */
function bpftrace(program, probes) {
  return {
    tool: 'bpftrace',
    command: (pid) => ['bpftrace', ['-e', program, '-p', String(pid)]],
    program,
    // bpftrace prints "Attaching N probes..." before it attaches; bpftool then shows them.
    ready: async (proc) => {
      await waitForStdoutLine(proc, (line) => line.startsWith('Attaching'), ATTACH_TIMEOUT_MS, 'bpftrace\'s "Attaching" line');
      await waitForAttachedUprobes(proc.pid, probes, ATTACH_TIMEOUT_MS);
    },
  };
}

/** A probe-lens configuration on `binary`'s work(), with these extra CLI arguments. */
function probeLens(binary, extraArgs) {
  return probeLensAt(`${binary}:work`, extraArgs);
}

/** A probe-lens configuration on a TARGET, with these extra CLI arguments. */
function probeLensAt(target, extraArgs) {
  return {
    tool: 'probe-lens',
    command: (pid) => [process.execPath, [probeLensBin, 'probe', target, '--json', ...extraArgs, '--pid', String(pid)]],
    ready: (proc) => waitForStdoutLine(proc, (line) => line.includes('"type":"attached"'), ATTACH_TIMEOUT_MS, 'probe-lens\'s "attached" line'),
  };
}

/** Every configuration: what it runs, how it says it is attached, and how its counts are checked. */
function configurations(binary) {
  const probe = `uprobe:${binary}:work`;
  const retprobe = `uretprobe:${binary}:work`;
  return [
    { id: 'baseline', label: 'no probe' },
    {
      id: 'bpftraceCount',
      label: 'bpftrace: uprobe, count only',
      ...bpftrace(`${probe} { @c = count(); }`, 1),
    },
    {
      id: 'bpftraceLatencyHist',
      label: 'bpftrace: uprobe+uretprobe, latency hist in kernel',
      ...bpftrace(`${probe} { @start[tid] = nsecs; } ${retprobe} /@start[tid]/ { @lat = hist(nsecs - @start[tid]); delete(@start[tid]); }`, 2),
    },
    {
      id: 'bpftraceStream',
      label: 'bpftrace: uprobe+uretprobe, printf args+ret+latency',
      ...bpftrace(
        `${probe} { @start[tid] = nsecs; printf("call %d %s %lld %ld %ld %ld %ld %ld %ld\\n", tid, comm, nsecs, ${WORK_ARGS}); } ` +
          `${retprobe} /@start[tid]/ { printf("return %d %ld %lld\\n", tid, retval, nsecs - @start[tid]); delete(@start[tid]); }`,
        2,
      ),
    },
    { id: 'probeLensEvents', label: 'probe-lens --json: args+ret+latency streamed', ...probeLens(binary, []) },
    countersOnly(binary),
    ...editorModeConfigurations(binary),
  ];
}

/** probe-lens counting in the kernel only: calls, returns, latency histogram, top return values. */
function countersOnly(binary) {
  return { id: 'probeLensCounters', label: 'probe-lens --json --no-events: counters only', ...probeLens(binary, ['--no-events']) };
}

/** The editor's mode and its yardstick, the pair the 5-byte-nop build is measured with too. */
function editorModeConfigurations(binary) {
  return [
    {
      id: 'bpftraceCountBoth',
      label: 'bpftrace: uprobe+uretprobe, count only',
      ...bpftrace(`uprobe:${binary}:work { @c = count(); } uretprobe:${binary}:work { @r = count(); }`, 2),
    },
    { id: 'probeLensEditor', label: "probe-lens --sample-rate 50: the editor's mode", ...probeLens(binary, ['--sample-rate', '50']) },
  ];
}

/**
 * A CET debug build (work() starts with endbr64, then push %rbp): bpftrace probing the endbr64,
 * which the kernel single-steps, against probe-lens, which lands on the push, which it emulates.
 * (bpftrace 0.17 here cannot probe work+4: it was built without uprobe offset checks.)
 */
function endbr64Configurations(binary) {
  return [
    { id: 'baseline', label: 'no probe' },
    { id: 'bpftraceOnEndbr64', label: 'bpftrace: uprobe at work (its endbr64), count only', ...bpftrace(`uprobe:${binary}:work { @c = count(); }`, 1) },
    { id: 'probeLensCounters', label: 'probe-lens --no-events: lands past the endbr64', ...probeLens(binary, ['--no-events']) },
  ];
}

/** Stacks counted in the kernel, each tool its way, on a build with frame pointers. */
function stacksConfigurations(binary) {
  return [
    { id: 'baseline', label: 'no probe' },
    {
      id: 'bpftraceUstack',
      label: 'bpftrace: @[ustack] = count() at entry, returns counted',
      ...bpftrace(`uprobe:${binary}:work { @s[ustack] = count(); } uretprobe:${binary}:work { @r = count(); }`, 2),
    },
    { id: 'probeLensStacks', label: 'probe-lens --stacks --no-events', ...probeLens(binary, ['--stacks', '--no-events']) },
  ];
}

/** The body line of the loop in main() (`sum += work(…)`), probed as a line. */
const LOOP_LINE_MARKER = 'sum += work(i, i & 7);';
const PERF_EVENT = 'probe_lens_bench:line';

/** The loop line's probe against a perf uprobe event at the address probe-lens attached to. */
function lineConfigurations(binary, sourceLine) {
  return [
    { id: 'baseline', label: 'no probe' },
    {
      id: 'perfUprobe',
      label: 'perf probe at the same address, perf stat counting',
      tool: 'perf',
      command: (pid) => ['perf', ['stat', '-x,', '-e', PERF_EVENT, '-p', String(pid)]],
      // perf stat says nothing until the end: its count, checked against N, shows it was in time.
      ready: () => new Promise((resolve) => setTimeout(resolve, 500)),
    },
    { id: 'probeLensLine', label: 'probe-lens --line --no-events', line: true, ...probeLensAt(sourceLine, ['--line', '--binary', binary, '--no-events']) },
  ];
}

/** The file offset of the loop line as probe-lens resolves and probes it (its "attached" line). */
async function loopLineOffset(binary, sourceLine) {
  const fixture = start(binary, ['1'], { keepStdout: true });
  const tracer = start(process.execPath, [probeLensBin, 'probe', sourceLine, '--line', '--binary', binary, '--json', '--no-events', '--pid', String(fixture.pid)]);
  try {
    const attached = await waitForStdoutLine(tracer, (line) => line.includes('"type":"attached"'), ATTACH_TIMEOUT_MS, 'probe-lens\'s "attached" line');
    return JSON.parse(attached).offset;
  } finally {
    await stop(tracer);
    await stop(fixture);
  }
}

/** `perf probe` adds the event at the offset for the measurement and takes it away after. */
async function withPerfEvent(binary, offset, measure) {
  const [group, event] = PERF_EVENT.split(':');
  await execFileAsync('perf', ['probe', '-q', '-x', binary, '-a', `${group}:${event}=0x${offset.toString(16)}`]);
  try {
    return await measure();
  } finally {
    await execFileAsync('perf', ['probe', '-q', '-d', PERF_EVENT]).catch(() => undefined);
  }
}

/** One run of one configuration: fixture held, tracer attached, loop released and timed. */
async function runOnce(binary, config, calls) {
  const fixture = start(binary, [String(calls)], { keepStdout: true });
  let tracer;
  try {
    if (config.command) {
      const [command, args] = config.command(fixture.pid);
      tracer = start(command, args);
      await config.ready(tracer);
    }
    const cpuBefore = tracer ? treeCpu(tracer.pid) : undefined;
    const readerBefore = process.cpuUsage();
    const machineBefore = machineBusyCpuSeconds();
    fixture.child.stdin.end('go\n');
    const resultLine = await waitForStdoutLine(fixture, (line) => line.startsWith('{'), LOOP_TIMEOUT_MS, 'the fixture\'s result line');
    const machineDuringLoop = machineBusyCpuSeconds() - machineBefore;
    const cpuDuringLoop = tracer ? cpuDelta(cpuBefore, treeCpu(tracer.pid)) : undefined;
    const readerDuringLoop = process.cpuUsage(readerBefore);
    const fixtureStatus = await fixture.exited;
    if (fixtureStatus.code !== 0) throw new BenchError(`${fixture.describe()} exited with ${fixtureStatus.signal ?? `code ${fixtureStatus.code}`}`);
    const loop = JSON.parse(resultLine);
    const fixtureCpuSeconds = (loop.user_ns + loop.system_ns) / 1e9;
    const run = {
      nsPerCall: loop.ns_per_call,
      cpuNsPerCall: round((loop.user_ns + loop.system_ns) / calls, 1),
      loop,
      // Busy CPU time of everything else on the machine while the loop ran (other users' jobs).
      otherCpuSecondsDuringLoop: round(
        machineDuringLoop - fixtureCpuSeconds - (cpuDuringLoop ? cpuDuringLoop.user + cpuDuringLoop.system : 0) - (readerDuringLoop.user + readerDuringLoop.system) / 1e6,
        2,
      ),
    };
    if (!tracer) return run;

    // Until the tracer exits, sample its CPU time every 50 ms; the last sample in which every
    // one of its processes is still there stands for its total (a gone helper reads as 0).
    let cpuLast = treeCpu(tracer.pid);
    const sampler = setInterval(() => {
      const sample = treeCpu(tracer.pid);
      if (Object.keys(cpuLast.byProcess).every((name) => name in sample.byProcess)) cpuLast = sample;
    }, 50);
    // Both tracers end by themselves once the process they watch has exited and they have drained.
    const tracerStatus = (await within(tracer.exited, DRAIN_TIMEOUT_MS)) ?? (await stop(tracer));
    clearInterval(sampler);
    const reader = process.cpuUsage(readerBefore);
    Object.assign(run, {
      tracerCpuDuringLoop: cpuDuringLoop,
      tracerCpuTotal: cpuDelta(cpuBefore, cpuLast),
      // This process reads the tracer's output; bpftrace writing line by line makes that dearer.
      benchReaderCpuSeconds: round((reader.user + reader.system) / 1e6, 2),
      drainMs: round(Number(tracerStatus.atNs - fixtureStatus.atNs) / 1e6, 1),
      outputBytes: tracer.stdout.bytes,
      outputLines: tracer.stdout.newlines,
      ...(config.tool === 'bpftrace' ? bpftraceCounts(config, tracer, tracerStatus)
        : config.tool === 'perf' ? perfCounts(config, tracer, calls)
          : probeLensCounts(config, tracer, tracerStatus, calls)),
    });
    return run;
  } finally {
    if (tracer) await stop(tracer);
    await stop(fixture);
  }
}

function bpftraceCounts(config, tracer, status) {
  if (status.code !== 0 && status.signal === null) throw new BenchError(`bpftrace exited with code ${status.code}: ${tracer.stderr.text().trim()}`);
  const lost = [...tracer.stderr.text().matchAll(/Lost (\d+) events/g)].reduce((sum, match) => sum + Number(match[1]), 0);
  const lines = tracer.stdout.lastLines();
  const counted = {};
  const count = lines.find((line) => line.startsWith('@c: '));
  if (count) counted.calls = Number(count.slice(4));
  const returns = lines.find((line) => line.startsWith('@r: '));
  if (returns) counted.returns = Number(returns.slice(4));
  const buckets = lines.filter((line) => /^\[.*\)\s+\d+ \|/.test(line));
  if (buckets.length) counted.returns = buckets.reduce((sum, line) => sum + Number(line.match(/\)\s+(\d+) \|/)[1]), 0);
  return { counted, lostEvents: lost };
}

/** perf stat -x, prints "COUNT,,EVENT,…" on stderr when the process it watches ends. */
function perfCounts(config, tracer, calls) {
  const line = tracer.stderr.text().split('\n').find((text) => text.includes(PERF_EVENT));
  const counted = Number(line?.split(',')[0]);
  if (counted !== calls) throw new BenchError(`${config.label}: counted ${line ?? 'nothing'}, expected ${calls} hits`);
  return { counted: { calls: counted } };
}

function probeLensCounts(config, tracer, status, calls) {
  const summaryText = tracer.stdout.lastLines().findLast((line) => line.includes('"type":"summary"'));
  if (status.code !== 0 || !summaryText) {
    throw new BenchError(`probe-lens exited with ${status.signal ?? `code ${status.code}`} ${summaryText ? '' : 'without a summary line'}: ${tracer.stderr.text().trim()}`);
  }
  const [summary] = JSON.parse(summaryText).probes;
  // A line has no return.
  const returns = config.line === true ? 0 : calls;
  if (summary.calls !== calls || summary.returns !== returns) {
    throw new BenchError(`${config.label}: counted ${summary.calls} calls and ${summary.returns} returns, expected exactly ${calls} and ${returns}`);
  }
  if (summary.stacks !== undefined && summary.stacks.counted + summary.stacks.uncounted !== calls) {
    throw new BenchError(`${config.label}: ${summary.stacks.counted} calls counted by stack and ${summary.stacks.uncounted} not, expected ${calls} in all`);
  }
  // Lines: one "attached", one per streamed call or return, one summary.
  const streamed = tracer.stdout.newlines - 2;
  const expected = summary.calls + summary.returns - summary.dropped - summary.sampled_out;
  if (streamed !== expected) {
    throw new BenchError(`${config.label}: streamed ${streamed} event lines, but calls + returns − dropped − sampled out = ${expected} (unreported loss)`);
  }
  return { counted: { calls: summary.calls, returns: summary.returns }, dropped: summary.dropped, sampledOut: summary.sampled_out, streamedEvents: streamed, latencyNs: summary.latency_ns };
}

async function calibrate(binary, configs) {
  // bpftrace's where there is one (the yardstick), else the first probed configuration.
  const probe = configs.find((config) => config.tool === 'bpftrace') ?? configs.find((config) => config.command !== undefined);
  const run = await runOnce(binary, probe, CALIBRATION_CALLS);
  const calls = Math.max(10_000, Math.min(50_000_000, Math.round((TARGET_LOOP_SECONDS * 1e9) / run.nsPerCall / 1000) * 1000));
  return { calls, calibration: { config: probe.id, calls: CALIBRATION_CALLS, nsPerCall: run.nsPerCall, targetLoopSeconds: TARGET_LOOP_SECONDS } };
}

/** Every configuration REPEATS times, interleaved, on `binary`; medians and overheads over no probe. */
async function measure(binary, configs, fixture) {
  const { calls, calibration } = process.env.BENCH_CALLS ? { calls: Number(process.env.BENCH_CALLS), calibration: 'BENCH_CALLS' } : await calibrate(binary, configs);
  const runs = Object.fromEntries(configs.map((config) => [config.id, []]));
  for (let round = 0; round < REPEATS; round++) {
    for (const config of configs) runs[config.id].push(await runOnce(binary, config, calls));
  }

  const results = { calls, repeats: REPEATS, calibration, fixture, configurations: {} };
  for (const config of configs) {
    const configRuns = runs[config.id];
    results.configurations[config.id] = {
      label: config.label,
      ...(config.program ? { program: config.program } : {}),
      nsPerCall: summarize(configRuns.map((run) => run.nsPerCall)),
      cpuNsPerCall: summarize(configRuns.map((run) => run.cpuNsPerCall)),
      runs: configRuns,
    };
  }
  // Overhead = probed − no probe, on wall time (what the program feels) and on the fixture's own
  // CPU time (the same without time spent waiting for a CPU other jobs held).
  const baseline = results.configurations.baseline;
  for (const entry of Object.values(results.configurations)) {
    entry.overheadNsPerCall = summarize(entry.nsPerCall.raw.map((ns) => round(ns - baseline.nsPerCall.median, 1)));
    entry.cpuOverheadNsPerCall = summarize(entry.cpuNsPerCall.raw.map((ns) => round(ns - baseline.cpuNsPerCall.median, 1)));
  }
  return results;
}

const ratioOf = (results, [a, b], key) => round(ratio(results.configurations[a][key].median, results.configurations[b][key].median));

/** The measured fixtures, in order; BENCH_PER_CALL=nop5,main (say) measures only those. */
const SECTIONS = ['main', 'nop5', 'endbr64', 'stacks', 'line'];

function selectedSections() {
  const wanted = process.env.BENCH_PER_CALL ? process.env.BENCH_PER_CALL.split(',').map((section) => section.trim()).filter(Boolean) : SECTIONS;
  const unknown = wanted.filter((section) => !SECTIONS.includes(section));
  if (unknown.length) throw new BenchError(`BENCH_PER_CALL: no such section: ${unknown.join(', ')} (sections: ${SECTIONS.join(', ')})`);
  return new Set(wanted);
}

/** Each pair's ratio on wall and on CPU overheads, into `measured`. */
function addRatios(measured, pairs) {
  const ratios = (key) => Object.fromEntries(Object.entries(pairs).map(([name, pair]) => [name, ratioOf(measured, pair, key)]));
  measured.ratios = ratios('overheadNsPerCall');
  measured.cpuRatios = ratios('cpuOverheadNsPerCall');
}

export async function run(context) {
  const sections = selectedSections();
  const results = { sections: [...sections] };
  const binary = await compileFixture('tight-loop', context.tmpDir);
  if (sections.has('main')) {
    Object.assign(results, await measure(binary, configurations(binary), 'bench/fixtures/tight-loop.c (gcc -O2)'));
    addRatios(results, {
      probeLensEditorVsBpftraceCountBoth: ['probeLensEditor', 'bpftraceCountBoth'],
      probeLensEventsVsBpftraceCountOnly: ['probeLensEvents', 'bpftraceCount'],
      probeLensEventsVsBpftraceStream: ['probeLensEvents', 'bpftraceStream'],
      probeLensEventsVsBpftraceLatencyHist: ['probeLensEvents', 'bpftraceLatencyHist'],
      probeLensCountersVsBpftraceCountOnly: ['probeLensCounters', 'bpftraceCount'],
      probeLensCountersVsBpftraceLatencyHist: ['probeLensCounters', 'bpftraceLatencyHist'],
    });
  }
  if (sections.has('nop5')) {
    const nop5Binary = await compileFixture('tight-loop', context.tmpDir, { compiler: 'clang', flags: ['-fpatchable-function-entry=5'], output: 'tight-loop-nop5' });
    results.nop5 = await measure(nop5Binary, [{ id: 'baseline', label: 'no probe' }, ...editorModeConfigurations(nop5Binary), countersOnly(nop5Binary)], 'bench/fixtures/tight-loop.c (clang -O2 -fpatchable-function-entry=5: a 5-byte nop at work())');
    addRatios(results.nop5, {
      probeLensEditorVsBpftraceCountBoth: ['probeLensEditor', 'bpftraceCountBoth'],
      probeLensCountersVsBpftraceCountBoth: ['probeLensCounters', 'bpftraceCountBoth'],
    });
  }
  if (sections.has('endbr64')) {
    const cetBinary = await compileFixture('tight-loop', context.tmpDir, { flags: ['-O0', '-fcf-protection=full'], output: 'tight-loop-cet' });
    results.endbr64 = await measure(cetBinary, endbr64Configurations(cetBinary), 'bench/fixtures/tight-loop.c (gcc -O0 -fcf-protection=full: work() starts with endbr64, then push %rbp)');
    addRatios(results.endbr64, { bpftraceOnEndbr64VsProbeLens: ['bpftraceOnEndbr64', 'probeLensCounters'] });
  }
  if (sections.has('stacks')) {
    const framePointersBinary = await compileFixture('tight-loop', context.tmpDir, { flags: ['-fno-omit-frame-pointer'], output: 'tight-loop-fp' });
    results.stacks = await measure(framePointersBinary, stacksConfigurations(framePointersBinary), 'bench/fixtures/tight-loop.c (gcc -O2 -fno-omit-frame-pointer)');
    addRatios(results.stacks, { probeLensStacksVsBpftraceUstack: ['probeLensStacks', 'bpftraceUstack'] });
  }
  if (sections.has('line')) {
    const sourceLine = `${path.join(repoRoot, 'bench', 'fixtures', 'tight-loop.c')}:${readFileSync(path.join(repoRoot, 'bench', 'fixtures', 'tight-loop.c'), 'utf8').split('\n').findIndex((text) => text.includes(LOOP_LINE_MARKER)) + 1}`;
    const lineOffset = await loopLineOffset(binary, sourceLine);
    results.line = await withPerfEvent(binary, lineOffset, () => measure(binary, lineConfigurations(binary, sourceLine), `${sourceLine} (gcc -O2), file offset 0x${lineOffset.toString(16)}`));
    addRatios(results.line, { probeLensLineVsPerfUprobe: ['probeLensLine', 'perfUprobe'] });
  }
  results.goals = {
    perCallCostVsBpftraceCountOnly: {
      goal: '≤ 1.0×',
      probeLensEvents: results.ratios?.probeLensEventsVsBpftraceCountOnly ?? null,
      probeLensCounters: results.ratios?.probeLensCountersVsBpftraceCountOnly ?? null,
    },
    editorModeVsBpftraceCountingEntriesAndReturns: {
      goal: '≤ 1.1×',
      normalFunction: results.ratios?.probeLensEditorVsBpftraceCountBoth ?? null,
      fiveByteNopFunction: results.nop5?.ratios.probeLensEditorVsBpftraceCountBoth ?? null,
    },
    countersOnlyVsBpftraceCountingEntriesAndReturns: {
      goal: '≤ 1.1×',
      fiveByteNopFunction: results.nop5?.ratios.probeLensCountersVsBpftraceCountBoth ?? null,
    },
    endbr64FunctionOffsetZeroVsProbeLens: { goal: '≥ 3×', ratio: results.endbr64?.ratios.bpftraceOnEndbr64VsProbeLens ?? null },
  };
  return results;
}

function medianOf(runs, pick) {
  const values = runs.map(pick).filter((value) => value !== undefined && value !== null);
  return values.length ? median(values) : null;
}

/** The table of one measured fixture's configurations. */
function configurationRows(measured) {
  return Object.values(measured.configurations).map((entry) => {
    const { runs } = entry;
    const probed = runs[0].drainMs !== undefined;
    const dropped = runs[0].dropped !== undefined ? String(medianOf(runs, (run) => run.dropped)) : runs[0].lostEvents ? `lost ${medianOf(runs, (run) => run.lostEvents)}` : null;
    return [
      entry.label,
      formatNs(entry.nsPerCall.median),
      entry.nsPerCall.raw.map((ns) => (ns / 1000).toFixed(2)).join(' / '),
      formatNs(entry.overheadNsPerCall.median),
      formatNs(entry.cpuOverheadNsPerCall.median),
      `${medianOf(runs, (run) => run.loop.elapsed_ns / 1e9).toFixed(2)} s`,
      probed ? `${medianOf(runs, (run) => run.tracerCpuDuringLoop.user + run.tracerCpuDuringLoop.system).toFixed(2)} s` : null,
      probed ? `${medianOf(runs, (run) => run.benchReaderCpuSeconds).toFixed(2)} s` : null,
      `${medianOf(runs, (run) => run.otherCpuSecondsDuringLoop).toFixed(2)} s`,
      probed ? `${medianOf(runs, (run) => run.drainMs).toFixed(0)} ms` : null,
      dropped,
    ];
  });
}

const HEADER = ['configuration', 'ns/call', 'raw µs/call', 'overhead', 'CPU overhead', 'loop', 'tracer CPU', 'reader CPU', "others' CPU", 'drain', 'dropped'];

export function report(results) {
  const line = (measured, text, key, goal) => {
    const value = measured.ratios[key];
    const verdict = goal === undefined || value === null ? '(like for like)' : `goal ≤ ${goal.toFixed(1)}× ${value <= goal ? '(met)' : '(not met)'}`;
    return `${text.padEnd(56)}${formatRatio(value)} (on CPU time: ${formatRatio(measured.cpuRatios[key])})  ${verdict}`;
  };
  const { nop5, endbr64, stacks, line: lineProbe } = results;
  const sections = [];
  if (results.configurations) {
    sections.push([
      `Per-call cost: tight loop, N = ${results.calls} calls, ${results.repeats} runs each; medians, raw runs in µs/call`,
      table(HEADER, configurationRows(results)),
      '(overhead: wall ns/call − no probe; CPU overhead: the fixture\'s own user+system ns/call − no probe;',
      ' tracer CPU, others\' CPU: seconds used during the loop by the tracer and by everything else on the machine;',
      ' reader CPU: this process reading the tracer\'s output, loop and drain)',
      '',
      line(results, 'probe-lens events / bpftrace count-only', 'probeLensEventsVsBpftraceCountOnly', 1),
      line(results, 'probe-lens counters / bpftrace count-only', 'probeLensCountersVsBpftraceCountOnly', 1),
      line(results, 'probe-lens events / bpftrace printf stream', 'probeLensEventsVsBpftraceStream'),
      line(results, 'probe-lens counters / bpftrace latency hist', 'probeLensCountersVsBpftraceLatencyHist'),
      line(results, "editor's mode / bpftrace uprobe+uretprobe count", 'probeLensEditorVsBpftraceCountBoth', 1.1),
    ]);
  }
  if (nop5) {
    sections.push([
      `The same function starting with a 5-byte nop (${nop5.fixture}), N = ${nop5.calls}, ${nop5.repeats} runs each:`,
      table(HEADER, configurationRows(nop5)),
      line(nop5, "editor's mode / bpftrace uprobe+uretprobe count", 'probeLensEditorVsBpftraceCountBoth', 1.1),
      line(nop5, 'counters only / bpftrace uprobe+uretprobe count', 'probeLensCountersVsBpftraceCountBoth', 1.1),
    ]);
  }
  if (endbr64) {
    sections.push([
      `A function starting with endbr64 (${endbr64.fixture}), N = ${endbr64.calls}:`,
      table(HEADER, configurationRows(endbr64)),
      `${'probing its endbr64 (bpftrace at +0) / probe-lens (+4)'.padEnd(56)}${formatRatio(endbr64.ratios.bpftraceOnEndbr64VsProbeLens)} (on CPU time: ${formatRatio(endbr64.cpuRatios.bpftraceOnEndbr64VsProbeLens)})  goal ≥ 3.0× ${endbr64.ratios.bpftraceOnEndbr64VsProbeLens >= 3 ? '(met)' : '(not met)'}`,
    ]);
  }
  if (stacks) {
    sections.push([
      `Stacks counted in the kernel (${stacks.fixture}), N = ${stacks.calls}:`,
      table(HEADER, configurationRows(stacks)),
      line(stacks, 'probe-lens --stacks / bpftrace @[ustack] = count()', 'probeLensStacksVsBpftraceUstack'),
    ]);
  }
  if (lineProbe) {
    sections.push([
      `A line probe (${lineProbe.fixture}), N = ${lineProbe.calls}:`,
      table(HEADER, configurationRows(lineProbe)),
      line(lineProbe, 'probe-lens --line / a bare uprobe there (perf)', 'probeLensLineVsPerfUprobe'),
    ]);
  }
  return sections.map((section) => section.join('\n')).join('\n\n');
}
