// Many functions at once (issue 11): every sqlite3_* function of a program linked with the SQLite
// amalgamation (better-sqlite3's copy, from npm, cached in out/bench/sqlite/), probed for a short
// workload (bench/fixtures/sqlite-workload.c). Four measures:
//
// 1. Whole process, attach + workload + detach: `probe-lens probe 'BIN:sqlite3_*' --json
//    --no-events -- BIN` against `bpftrace -e 'uprobe:BIN:sqlite3_* { @[probe] = count(); }' -c
//    BIN`; both hold the command until attached. Goal ≤ 0.1×. probe-lens attaches entries and
//    returns (one uprobe_multi link each); bpftrace entries only, a perf link per function.
//    Again with PROBE_LENS_DISABLE_UPROBE_MULTI=1 (a link per function, the fallback; no goal).
// 2. Counts per function: every run of either tool must count each function they both probe
//    exactly as the probe-lens warm-up run did; a difference is reported by name. Each tool also
//    probes a few symbols the other does not (gcc's .part.N clones, .cold parts): listed apart.
// 3. In a running helper: probe/attachFunctions and probe/detachMany for all of them, request to
//    answer on the client side (goal ≤ 200 ms each), and how long the links take to be gone.
// 4. SIGKILL of a client holding them: the BPF links it added, and those left 1 s later (goal 0).
//
// bpftrace takes ~30 s a run here (tearing its perf links down one by one), so it runs
// BENCH_MANY_BPFTRACE_REPEATS times (3) without warm-up; probe-lens BENCH_MANY_REPEATS times (5)
// after one warm-up run; the per-function fallback once (BENCH_MANY_FALLBACK=0: not at all).

import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { BenchError, compileFixture, formatRatio, probeLensBin, ratio, repoRoot, round, sleep, start, stop, summarize, table, waitForStdoutLine, within } from '../lib.mjs';

export const name = 'manyFunctions';

const PROBE_LENS_REPEATS = Math.max(3, Number(process.env.BENCH_MANY_REPEATS ?? 5));
const BPFTRACE_REPEATS = Math.max(1, Number(process.env.BENCH_MANY_BPFTRACE_REPEATS ?? 3));
const HELPER_REPEATS = Math.max(3, Number(process.env.BENCH_MANY_HELPER_REPEATS ?? 5));
/** Pinned, so that every machine probes the same SQLite (the number of functions is its API's). */
const SQLITE_PACKAGE = 'better-sqlite3@12.11.1';
const SQLITE_CFLAGS = ['-g', '-O2'];
const CACHE_DIR = path.join(repoRoot, 'out', 'bench', 'sqlite');
const PATTERN = 'sqlite3_*';
const RUN_TIMEOUT_MS = 180_000;
/** The per-function fallback is measured only if it ends within this; else it is skipped, said why. */
const FALLBACK_LIMIT_MS = 150_000;
const ATTACH_GOAL_MS = 200;
const WORKLOAD_LINE = (line) => line.startsWith('sqlite-workload: ');

const execFileAsync = promisify(execFile);

async function output(command, args, options = {}) {
  try {
    return (await execFileAsync(command, args, { maxBuffer: 64 * 1024 * 1024, ...options })).stdout;
  } catch (error) {
    throw new BenchError(`${command} ${args.join(' ')} failed: ${(error.stderr || error.message).trim()}`);
  }
}

const elapsedMs = (sinceNs) => round(Number(process.hrtime.bigint() - sinceNs) / 1e6, 1);

// --- The SQLite amalgamation and the workload -------------------------------------------------

/** Extracts `archive`'s sqlite3.c and sqlite3.h into `into`; looks inside a nested tarball too. */
async function extractAmalgamation(archive, scratch, into, depth = 0) {
  const entries = (await output('tar', ['-tf', archive])).split('\n').filter(Boolean);
  const source = entries.find((entry) => entry.endsWith('/sqlite3.c') && entries.includes(entry.replace(/\.c$/, '.h')));
  if (source) {
    const dir = mkdtempSync(path.join(scratch, 'extract-'));
    await output('tar', ['-xf', archive, '-C', dir, source, source.replace(/\.c$/, '.h')]);
    for (const file of [source, source.replace(/\.c$/, '.h')]) renameSync(path.join(dir, file), path.join(into, path.basename(file)));
    return;
  }
  const nested = entries.find((entry) => /sqlite[^/]*\.(tar(\.gz|\.xz|\.bz2)?|tgz)$/i.test(entry));
  if (!nested || depth > 1) throw new BenchError(`${path.basename(archive)} holds no sqlite3.c with its sqlite3.h`);
  const dir = mkdtempSync(path.join(scratch, 'nested-'));
  await output('tar', ['-xf', archive, '-C', dir, nested]);
  await extractAmalgamation(path.join(dir, nested), scratch, into, depth + 1);
}

/** sqlite3.c and sqlite3.h in the cache, fetched once with `npm pack` (any amalgamation put there will do). */
async function amalgamation(tmpDir) {
  const have = () => existsSync(path.join(CACHE_DIR, 'sqlite3.c')) && existsSync(path.join(CACHE_DIR, 'sqlite3.h'));
  if (!have()) {
    process.stderr.write(`bench: fetching the SQLite amalgamation (npm pack ${SQLITE_PACKAGE}) into ${path.relative(repoRoot, CACHE_DIR)}…\n`);
    const scratch = mkdtempSync(path.join(tmpDir, 'sqlite-'));
    let packed;
    try {
      packed = JSON.parse(await output('npm', ['pack', SQLITE_PACKAGE, '--json', '--ignore-scripts', '--pack-destination', scratch], { cwd: scratch }));
    } catch (error) {
      throw new BenchError(`cannot fetch the SQLite amalgamation: ${error.message.split('\n').slice(0, 2).join(' ')}\n` +
        `Without the npm registry, put sqlite3.c and sqlite3.h of any SQLite amalgamation in ${CACHE_DIR}/`);
    }
    // Staged beside the cache and renamed into it, so an interrupted fetch leaves no half cache.
    mkdirSync(path.dirname(CACHE_DIR), { recursive: true });
    const staging = mkdtempSync(`${CACHE_DIR}.partial-`);
    chmodSync(staging, 0o755);
    await extractAmalgamation(path.join(scratch, packed[0].filename), scratch, staging);
    writeFileSync(path.join(staging, 'source.json'), `${JSON.stringify({ package: packed[0].id, integrity: packed[0].integrity }, null, 2)}\n`);
    rmSync(CACHE_DIR, { recursive: true, force: true });
    renameSync(staging, CACHE_DIR);
  }
  const version = /#define SQLITE_VERSION\s+"([^"]+)"/.exec(readFileSync(path.join(CACHE_DIR, 'sqlite3.h'), 'utf8'))?.[1] ?? 'unknown';
  let origin = 'put there by hand';
  try {
    origin = JSON.parse(readFileSync(path.join(CACHE_DIR, 'source.json'), 'utf8')).package;
  } catch {
    // No source.json: sqlite3.c and sqlite3.h were copied in, not fetched.
  }
  return { dir: CACHE_DIR, version, origin };
}

/** sqlite3.o, cached too: compiling the 9 MB amalgamation takes ~30 s, linking the driver well under 1. */
async function sqliteObject(sqlite) {
  const object = path.join(sqlite.dir, 'sqlite3.o');
  const stamp = `${(await output('gcc', ['--version'])).split('\n')[0]}\n${SQLITE_CFLAGS.join(' ')}\n${sqlite.version}\n`;
  const stampFile = `${object}.stamp`;
  if (existsSync(object) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return object;
  process.stderr.write(`bench: compiling SQLite ${sqlite.version} (gcc ${SQLITE_CFLAGS.join(' ')}, once)…\n`);
  await output('gcc', [...SQLITE_CFLAGS, '-c', '-o', `${object}.partial`, path.join(sqlite.dir, 'sqlite3.c')]);
  renameSync(`${object}.partial`, object);
  writeFileSync(stampFile, stamp);
  return object;
}

/** The text symbols nm lists under the pattern, split into functions, gcc's clones and cold parts. */
async function symbolCensus(binary) {
  const names = (await output('nm', ['--defined-only', binary])).split('\n')
    .map((line) => /^[0-9a-f]+ [Tt] (sqlite3_\S+)$/.exec(line)?.[1]).filter(Boolean).sort();
  return {
    symbols: names.length,
    functions: names.filter((symbol) => !symbol.includes('.')).length,
    clones: names.filter((symbol) => /\.(part|isra|constprop)\.\d+/.test(symbol)),
    coldParts: names.filter((symbol) => symbol.endsWith('.cold')),
  };
}

// --- Whole processes --------------------------------------------------------------------------

/** Runs one tool to the end: wall time from spawn to exit, and to the workload's line (it prints it on exit). */
async function timeCommand(command, args, { env, workloadOn, timeoutMs = RUN_TIMEOUT_MS }) {
  const startedNs = process.hrtime.bigint();
  const proc = start(command, args, { keepStdout: true, env });
  const workloadDone = proc[workloadOn].waitForLine(WORKLOAD_LINE, timeoutMs, "the workload's line").then(() => elapsedMs(startedNs), () => null);
  try {
    const status = await within(proc.exited, timeoutMs);
    if (status === null) return { timedOut: true };
    const wallMs = elapsedMs(startedNs);
    if (status.code !== 0) throw new BenchError(`${proc.describe()} exited with ${status.signal ?? `code ${status.code}`}: ${proc.stderr.text().trim()}`);
    const workloadDoneMs = await workloadDone;
    if (workloadDoneMs === null) throw new BenchError(`${proc.describe()}: the workload did not finish: ${proc.stderr.text().trim()}`);
    return { wallMs, workloadDoneMs, afterWorkloadMs: round(wallMs - workloadDoneMs, 1), proc };
  } finally {
    await stop(proc);
  }
}

async function probeLensRun(binary, env = process.env, timeoutMs = RUN_TIMEOUT_MS) {
  // --json sends the command's stdout to stderr, so stdout stays JSON.
  const timed = await timeCommand(process.execPath, [probeLensBin, 'probe', `${binary}:${PATTERN}`, '--json', '--no-events', '--', binary], { env, workloadOn: 'stderr', timeoutMs });
  if (timed.timedOut) return timed;
  const lines = timed.proc.stdout.text().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
  const summary = lines.find((line) => line.type === 'summary');
  if (!summary) throw new BenchError(`probe-lens printed no summary: ${timed.proc.stderr.text().trim()}`);
  if (summary.command?.exit_code !== 0) throw new BenchError(`the workload under probe-lens exited with ${JSON.stringify(summary.command)}: ${timed.proc.stderr.text().trim()}`);
  const prefix = `${path.basename(binary)}:`;
  const counts = Object.fromEntries(summary.probes.map((probe) => [probe.target.startsWith(prefix) ? probe.target.slice(prefix.length) : probe.target, probe.calls]));
  // Every call of a function that has returned by the end must have its return counted too.
  const unreturned = summary.probes.filter((probe) => probe.calls !== probe.returns).map((probe) => ({ function: probe.target, count: probe.returns, expected: probe.calls }));
  const attachMs = Math.max(...lines.filter((line) => line.type === 'attached').map((line) => line.attach_ms));
  return { wallMs: timed.wallMs, workloadDoneMs: timed.workloadDoneMs, afterWorkloadMs: timed.afterWorkloadMs, attachMs, probes: summary.probes.length, unreturned, counts };
}

async function bpftraceRun(binary) {
  // -c takes an absolute path and no shell; `probe` names each function (`func` gives addresses for wildcards in 0.17).
  const timed = await timeCommand('bpftrace', ['-f', 'json', '-e', `uprobe:${binary}:${PATTERN} { @[probe] = count(); }`, '-c', binary], { workloadOn: 'stdout' });
  if (timed.timedOut) throw new BenchError(`bpftrace did not end within ${RUN_TIMEOUT_MS / 1000} s`);
  const lines = timed.proc.stdout.text().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
  const map = lines.find((line) => line.type === 'map');
  if (!map) throw new BenchError(`bpftrace printed no map: ${timed.proc.stderr.text().trim()}`);
  const counts = Object.fromEntries(Object.entries(map.data['@'] ?? {}).map(([probe, calls]) => [probe.slice(probe.lastIndexOf(':') + 1), calls]));
  const probes = lines.find((line) => line.type === 'attached_probes')?.data.probes ?? null;
  return { wallMs: timed.wallMs, workloadDoneMs: timed.workloadDoneMs, afterWorkloadMs: timed.afterWorkloadMs, probes, counts };
}

/** The functions bpftrace's wildcard probes (its map lists only those called). */
async function bpftraceProbed(binary) {
  return (await output('bpftrace', ['-l', `uprobe:${binary}:${PATTERN}`])).split('\n').filter(Boolean).map((probe) => probe.slice(probe.lastIndexOf(':') + 1));
}

/** Differences from the reference counts, on the functions both probed (a function not called is 0 in both). */
function countMismatches(counts, probed, reference, source) {
  return probed.filter((fn) => fn in reference && (counts[fn] ?? 0) !== reference[fn]).map((fn) => ({ function: fn, source, count: counts[fn] ?? 0, expected: reference[fn] }));
}

function toolSummary(label, runs) {
  const pick = (key) => summarize(runs.map((run) => run[key]).filter((value) => value !== undefined && value !== null));
  return { label, wallMs: pick('wallMs'), workloadDoneMs: pick('workloadDoneMs'), afterWorkloadMs: pick('afterWorkloadMs'), attachMs: pick('attachMs'), probes: runs[0]?.probes ?? null };
}

// --- In a running helper ----------------------------------------------------------------------

async function bpfLinks() {
  return JSON.parse(await output('bpftool', ['link', 'show', '-j']));
}

/** Links not in `before`: a per-function link names its file as /proc/self/fd/N, so new ids are all there is to go on. */
async function newLinks(before) {
  return (await bpfLinks()).filter((link) => !before.has(link.id));
}

/** Polls bpftool until none of `ids` is left; the time is an upper bound (one bpftool call is ~10 ms). */
async function waitLinksGone(ids, timeoutMs) {
  const startedNs = process.hrtime.bigint();
  for (;;) {
    const left = (await bpfLinks()).filter((link) => ids.has(link.id)).length;
    if (left === 0) return { goneMs: elapsedMs(startedNs), left };
    if (Number(process.hrtime.bigint() - startedNs) / 1e6 > timeoutMs) return { goneMs: null, left };
    await sleep(5);
  }
}

async function loadRawHelper() {
  return import(pathToFileURL(path.join(repoRoot, 'test', 'support', 'raw-helper.mjs')).href);
}

async function request(helper, method, params) {
  const answer = await helper.request(method, params);
  if (answer.error) throw new BenchError(`${method}: ${answer.error.message}`);
  return answer.result;
}

/** Attach all, run the workload, detach: each round in one helper, timed on this side. */
async function helperRounds(binary, symbols, reference) {
  const { RawHelper } = await loadRawHelper();
  const helper = new RawHelper();
  try {
    const init = await request(helper, 'initialize', {});
    const rounds = [];
    const mismatches = [];
    for (let index = 0; index < HELPER_REPEATS; index++) {
      const workload = start(binary, ['wait'], { keepStdout: true });
      try {
        await waitForStdoutLine(workload, (line) => line === 'ready', 10_000, 'the workload\'s "ready"');
        const before = new Set((await bpfLinks()).map((link) => link.id));
        let startedNs = process.hrtime.bigint();
        const attached = await request(helper, 'probe/attachFunctions', { binary, functions: symbols.map((symbol) => ({ symbol })), filter: { pid: workload.pid }, maxRecordsPerSecond: 0 });
        const attachMs = elapsedMs(startedNs);
        if (attached.probes.length !== symbols.length) throw new BenchError(`probe/attachFunctions attached ${attached.probes.length} of ${symbols.length}: ${JSON.stringify(attached.failed)}`);
        const links = await newLinks(before);
        workload.child.stdin.end('go\n');
        const status = await workload.exited;
        if (status.code !== 0) throw new BenchError(`the workload exited with ${status.signal ?? `code ${status.code}`}: ${workload.stderr.text().trim()}`);
        // Its counts are final once the helper has seen the process go (probe/ended).
        const last = attached.probes.at(-1).probe;
        await helper.waitFor((message) => message.method === 'probe/ended' && message.params.probe === last, 10_000);
        startedNs = process.hrtime.bigint();
        const detached = await request(helper, 'probe/detachMany', { probes: attached.probes.map((probe) => probe.probe) });
        const detachMs = elapsedMs(startedNs);
        // The answer comes before the links are torn down; how long until bpftool no longer lists them.
        const gone = await waitLinksGone(new Set(links.map((link) => link.id)), 120_000);
        const counts = Object.fromEntries(attached.probes.map((probe, index) => [probe.symbol, detached.probes[index].calls]));
        mismatches.push(...countMismatches(counts, symbols, reference, `helper round ${index + 1}`));
        rounds.push({ attachMs, helperAttachMs: round(attached.attachMs, 1), detachMs, linksGoneMs: gone.goneMs, linksLeft: gone.left, links: links.length, linkKind: attached.links });
      } finally {
        await stop(workload);
      }
    }
    const pick = (key) => summarize(rounds.map((r) => r[key]).filter((value) => value !== null));
    return {
      functions: symbols.length,
      uprobeMulti: init.mechanisms?.uprobeMulti ?? null,
      linkKind: rounds[0].linkKind,
      links: rounds[0].links,
      attachMs: pick('attachMs'),
      helperAttachMs: pick('helperAttachMs'),
      detachMs: pick('detachMs'),
      linksGoneMs: pick('linksGoneMs'),
      mismatches,
      rounds,
    };
  } finally {
    await helper.close();
  }
}

function processRunning(pid) {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** A client holding every probe is SIGKILLed; its helper dies with it (PR_SET_PDEATHSIG), its links must go. */
async function sigkillClient(binary, symbols) {
  const before = new Set((await bpfLinks()).map((link) => link.id));
  const client = start(process.execPath, ['--input-type=module', '-e', `
    import { RawHelper } from ${JSON.stringify(path.join(repoRoot, 'test', 'support', 'raw-helper.mjs'))};
    const helper = new RawHelper();
    await helper.request('initialize', {});
    const answer = await helper.request('probe/attachFunctions', { binary: ${JSON.stringify(binary)}, functions: ${JSON.stringify(symbols.map((symbol) => ({ symbol })))}, maxRecordsPerSecond: 0 });
    console.log(JSON.stringify({ probes: answer.result?.probes.length ?? 0, links: answer.result?.links, error: answer.error?.message, helperPid: helper.child.pid }));
    setInterval(() => {}, 1000);
  `]);
  try {
    const held = JSON.parse(await waitForStdoutLine(client, (line) => line.startsWith('{'), 30_000, "the client's attached line"));
    if (held.error || held.probes !== symbols.length) throw new BenchError(`the client attached ${held.probes} of ${symbols.length}: ${held.error ?? ''}`);
    const added = await newLinks(before);
    const ids = new Set(added.map((link) => link.id));
    client.child.kill('SIGKILL');
    await client.exited;
    await sleep(1000);
    const leftAfter1s = (await bpfLinks()).filter((link) => ids.has(link.id)).length;
    const helperExited = !processRunning(held.helperPid);
    // Left ones are timed further (up to 2 min), to tell slow from never.
    const later = leftAfter1s === 0 ? null : await waitLinksGone(ids, 120_000);
    return {
      probes: held.probes,
      linkKind: held.links,
      linksAdded: added.length,
      linksAddedByType: added.reduce((byType, link) => ({ ...byType, [link.type]: (byType[link.type] ?? 0) + 1 }), {}),
      linksLeftAfter1s: leftAfter1s,
      helperExited,
      goneAfterMoreMs: later?.goneMs ?? null,
      leftAfter2Min: later && later.goneMs === null ? later.left : 0,
    };
  } finally {
    await stop(client);
  }
}

// --- The part ---------------------------------------------------------------------------------

export async function run(context) {
  for (const tool of [['bpftool', ['version']], ['nm', ['--version']], ['tar', ['--version']]]) await output(...tool);
  const sqlite = await amalgamation(context.tmpDir);
  const object = await sqliteObject(sqlite);
  const binary = realpathSync(await compileFixture('sqlite-workload', context.tmpDir, { flags: ['-I', sqlite.dir, object, '-lm'] }));
  const census = await symbolCensus(binary);
  const bpftraceFunctions = await bpftraceProbed(binary);

  // The warm-up run (page cache, symbol index) gives the reference counts every other run must match.
  const warmUp = await probeLensRun(binary);
  const reference = warmUp.counts;
  const probeLensFunctions = Object.keys(reference);
  const both = probeLensFunctions.filter((fn) => bpftraceFunctions.includes(fn));
  const mismatches = [];
  const checkProbeLens = (measured, source) => {
    mismatches.push(...countMismatches(measured.counts, Object.keys(measured.counts), reference, source));
    mismatches.push(...measured.unreturned.map((entry) => ({ ...entry, source: `${source}, returns` })));
  };
  checkProbeLens(warmUp, 'probe-lens warm-up');

  const runs = { probeLens: [], bpftrace: [] };
  for (let index = 0; index < Math.max(PROBE_LENS_REPEATS, BPFTRACE_REPEATS); index++) {
    if (index < BPFTRACE_REPEATS) {
      const measured = await bpftraceRun(binary);
      mismatches.push(...countMismatches(measured.counts, bpftraceFunctions, reference, `bpftrace run ${index + 1}`));
      runs.bpftrace.push(measured);
    }
    if (index < PROBE_LENS_REPEATS) {
      const measured = await probeLensRun(binary);
      checkProbeLens(measured, `probe-lens run ${index + 1}`);
      runs.probeLens.push(measured);
    }
  }

  // The fallback where the kernel has no uprobe_multi: expected slow (its teardown above all).
  let perFunctionLinks;
  if (process.env.BENCH_MANY_FALLBACK === '0') {
    perFunctionLinks = { skipped: 'BENCH_MANY_FALLBACK=0' };
  } else {
    const measured = await probeLensRun(binary, { ...process.env, PROBE_LENS_DISABLE_UPROBE_MULTI: '1' }, FALLBACK_LIMIT_MS);
    if (measured.timedOut) {
      perFunctionLinks = { skipped: `it took over ${FALLBACK_LIMIT_MS / 1000} s, stopped` };
    } else {
      checkProbeLens(measured, 'probe-lens per-function links');
      perFunctionLinks = measured;
    }
  }

  const helper = await helperRounds(binary, probeLensFunctions, reference);
  mismatches.push(...helper.mismatches);
  const sigkill = await sigkillClient(binary, probeLensFunctions);

  // Counts are kept once, as the reference; a run's differences are in the mismatches.
  const strip = (measured) => Object.fromEntries(Object.entries(measured).filter(([key]) => key !== 'counts'));
  const results = {
    fixture: `bench/fixtures/sqlite-workload.c linked with SQLite ${sqlite.version} (${sqlite.origin}), gcc ${SQLITE_CFLAGS.join(' ')}`,
    sqlite,
    pattern: PATTERN,
    census,
    probed: {
      probeLens: probeLensFunctions.length,
      bpftrace: bpftraceFunctions.length,
      both: both.length,
      probeLensOnly: probeLensFunctions.filter((fn) => !bpftraceFunctions.includes(fn)).map((fn) => ({ function: fn, calls: reference[fn] })),
      bpftraceOnly: bpftraceFunctions.filter((fn) => !(fn in reference)).map((fn) => ({ function: fn, calls: Math.max(0, ...runs.bpftrace.map((run) => run.counts[fn] ?? 0)) })),
    },
    repeats: { probeLens: PROBE_LENS_REPEATS, bpftrace: BPFTRACE_REPEATS, helper: HELPER_REPEATS },
    tools: {
      probeLens: { ...toolSummary(`probe-lens probe 'BIN:${PATTERN}' --json --no-events -- BIN`, runs.probeLens), runs: runs.probeLens.map(strip) },
      bpftrace: { ...toolSummary(`bpftrace -e 'uprobe:BIN:${PATTERN} { @[probe] = count(); }' -c BIN`, runs.bpftrace), runs: runs.bpftrace.map(strip) },
      probeLensPerFunctionLinks: perFunctionLinks.skipped
        ? { label: 'the same, PROBE_LENS_DISABLE_UPROBE_MULTI=1', skipped: perFunctionLinks.skipped }
        : { ...toolSummary('the same, PROBE_LENS_DISABLE_UPROBE_MULTI=1', [perFunctionLinks]), runs: [strip(perFunctionLinks)] },
    },
    counts: {
      reference: 'the probe-lens warm-up run',
      called: Object.values(reference).filter((calls) => calls > 0).length,
      calls: Object.values(reference).reduce((sum, calls) => sum + calls, 0),
      equal: mismatches.length === 0,
      mismatches,
      perFunction: reference,
    },
    helper: { ...helper, mismatches: undefined },
    sigkill,
  };
  const wall = (id) => results.tools[id].wallMs?.median ?? null;
  results.ratios = {
    probeLensVsBpftrace: round(ratio(wall('probeLens'), wall('bpftrace'))),
    perFunctionLinksVsBpftrace: perFunctionLinks.skipped ? null : round(ratio(wall('probeLensPerFunctionLinks'), wall('bpftrace'))),
  };
  results.goals = {
    wholeProcessVsBpftrace: { goal: '≤ 0.1×', value: results.ratios.probeLensVsBpftrace, met: results.ratios.probeLensVsBpftrace !== null && results.ratios.probeLensVsBpftrace <= 0.1 },
    helperAttachMs: { goal: `≤ ${ATTACH_GOAL_MS} ms`, value: helper.attachMs.median, met: helper.attachMs.median <= ATTACH_GOAL_MS },
    helperDetachMs: { goal: `≤ ${ATTACH_GOAL_MS} ms`, value: helper.detachMs.median, met: helper.detachMs.median <= ATTACH_GOAL_MS },
    linksLeftAfterSigkill: { goal: '0', value: sigkill.linksLeftAfter1s, met: sigkill.linksLeftAfter1s === 0 },
    countsEqual: { goal: 'equal', value: results.counts.equal, met: results.counts.equal },
  };
  return results;
}

export function report(results) {
  const ms = (value) => (value === null || value === undefined ? null : `${value.toFixed(value >= 100 ? 0 : 1)} ms`);
  const raw = (summary) => (summary?.raw.length ? summary.raw.map((value) => value.toFixed(0)).join(' / ') : null);
  const goal = (g) => `goal ${g.goal} ${g.met ? '(met)' : '(not met)'}`;
  const { census, probed, counts, helper, sigkill } = results;
  const rows = Object.values(results.tools).map((tool) => tool.skipped
    ? [tool.label, 'skipped', null, null, null, null, null]
    : [tool.label, ms(tool.wallMs.median), raw(tool.wallMs), ms(tool.workloadDoneMs.median), ms(tool.afterWorkloadMs.median), ms(tool.attachMs.median), tool.probes]);
  const list = (entries) => entries.map((entry) => `${entry.function} ${entry.calls}`).join(', ') || 'none';
  const mismatchLines = counts.mismatches.slice(0, 20).map((m) => `    ${m.function}: ${m.source} counted ${m.count ?? '?'}, expected ${m.expected ?? '?'}`);
  if (counts.mismatches.length > 20) mismatchLines.push(`    … and ${counts.mismatches.length - 20} more (out/bench/results.json)`);
  const perFunction = results.tools.probeLensPerFunctionLinks;
  const g = results.goals;
  return [
    `Many functions: ${results.pattern} in ${results.fixture}`,
    `  nm: ${census.symbols} ${results.pattern} text symbols = ${census.functions} functions + ${census.clones.length} gcc clones (${census.clones.join(', ')}) + ${census.coldParts.length} cold parts (${census.coldParts.join(', ')})`,
    `  probed: probe-lens ${probed.probeLens}, bpftrace ${probed.bpftrace}, both ${probed.both}`,
    '',
    `Whole process: spawn → attach → workload → detach → exit; medians, then every run in ms (probe-lens ${results.repeats.probeLens} runs after a warm-up, bpftrace ${results.repeats.bpftrace})`,
    table(['command', 'wall', 'raw ms', 'workload done', 'after it', 'attach_ms', 'probes'], rows),
    "(workload done: spawn → the workload's exit line, i.e. attach + run; after it: detach and exit. probe-lens probes entries and returns, bpftrace entries)",
    '',
    `probe-lens / bpftrace: ${formatRatio(results.ratios.probeLensVsBpftrace)}  ${goal(g.wholeProcessVsBpftrace)}`,
    perFunction.skipped
      ? `per-function links: skipped (${perFunction.skipped})`
      : `per-function links (PROBE_LENS_DISABLE_UPROBE_MULTI=1) / bpftrace: ${formatRatio(results.ratios.perFunctionLinksVsBpftrace)}  (the fallback, no goal)`,
    '',
    counts.equal
      ? `Counts per function: equal in every run of both tools and in the helper rounds, on the ${probed.both} functions both probe (${counts.called} called, ${counts.calls} calls in all)  (goal met)`
      : `Counts per function: ${counts.mismatches.length} differences from ${counts.reference}  (goal not met):\n${mismatchLines.join('\n')}`,
    `  probed by probe-lens only (calls): ${list(probed.probeLensOnly)}`,
    `  probed by bpftrace only (calls): ${list(probed.bpftraceOnly)}`,
    '',
    `In a running helper: ${helper.functions} functions, ${helper.links} links (${helper.linkKind}), ${helper.attachMs.raw.length} rounds; request → answer, median [every round]`,
    `  probe/attachFunctions: ${ms(helper.attachMs.median)} [${helper.attachMs.raw.join(' / ')}] (helper's own attachMs ${ms(helper.helperAttachMs.median)})  ${goal(g.helperAttachMs)}`,
    `  probe/detachMany:      ${ms(helper.detachMs.median)} [${helper.detachMs.raw.join(' / ')}]  ${goal(g.helperDetachMs)}`,
    `  links gone after the detach answer (bpftool polled, an upper bound): ${ms(helper.linksGoneMs.median)} [${helper.linksGoneMs.raw.join(' / ')}]`,
    '',
    `SIGKILL of a client holding ${sigkill.probes} probes (${sigkill.linkKind}): ${sigkill.linksAdded} BPF links added (${Object.entries(sigkill.linksAddedByType).map(([type, n]) => `${n} ${type}`).join(', ')}), ` +
      `${sigkill.linksLeftAfter1s} left 1 s later  ${goal(g.linksLeftAfterSigkill)}; helper exited: ${sigkill.helperExited ? 'yes' : 'no'}` +
      (sigkill.goneAfterMoreMs !== null ? `; the rest gone ${ms(sigkill.goneAfterMoreMs)} later` : sigkill.leftAfter2Min ? `; ${sigkill.leftAfter2Min} still there 2 min later` : ''),
  ].join('\n');
}
