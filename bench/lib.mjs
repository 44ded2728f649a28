// Shared pieces of the benchmark parts: compiling fixtures, starting processes and waiting for a
// line they print (without splitting a flood of output into lines we do not look at), CPU time of
// a process tree, medians, and machine facts. Every part uses these; none carries its own copy.

import { execFile, spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const probeLensBin = path.join(repoRoot, 'bin', 'probe-lens');

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The promise's value, or null if it takes longer than `ms` (the timer does not outlive it). */
export async function within(promise, ms) {
  let timer;
  try {
    return await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms, null)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** A failure that means the benchmark itself is broken (a tool did not run, a count is wrong). */
export class BenchError extends Error {}

export function median(values) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** `{ median, raw }` for a list of figures, the shape every part reports. */
export function summarize(values) {
  return { median: median(values), raw: values };
}

/** a / b, or null when either is missing or b is not positive. */
export function ratio(a, b) {
  return a === null || b === null || b <= 0 ? null : a / b;
}

export function round(value, digits = 3) {
  return value === null || value === undefined ? null : Number(value.toFixed(digits));
}

/** Compiles bench/fixtures/NAME.c with gcc -O2 into DIR/NAME and returns the binary's path. */
/** Builds bench/fixtures/NAME.c (gcc -O2 -g, or `compiler` with `flags` added) into `dir`, as `output`. */
export async function compileFixture(name, dir, { compiler = 'gcc', flags = [], output = name } = {}) {
  const source = path.join(repoRoot, 'bench', 'fixtures', `${name}.c`);
  const binary = path.join(dir, output);
  try {
    await execFileAsync(compiler, ['-O2', '-g', '-Wall', '-Wextra', '-Werror', ...flags, '-o', binary, source]);
  } catch (error) {
    throw new BenchError(`cannot compile ${source}: ${error.stderr || error.message}`);
  }
  return binary;
}

const TAIL_BYTES = 256 * 1024;

/**
 * Watches one output stream. Lines are split only while someone waits for a line, or always in
 * `keepAll` mode (small outputs); otherwise a chunk is only counted and its tail kept, so a
 * tracer's flood of event lines costs this process as little as possible.
 */
export class LineStream {
  #waiters = [];
  #partial = '';
  #tail = Buffer.alloc(0);
  #all = [];
  #keepAll;
  #endedResolve;
  bytes = 0;
  newlines = 0;
  ended;

  constructor(stream, { keepAll = false } = {}) {
    this.#keepAll = keepAll;
    this.ended = new Promise((resolve) => (this.#endedResolve = resolve));
    stream.on('data', (chunk) => this.#onData(chunk));
    stream.on('end', () => this.#onEnd());
    stream.on('error', () => this.#onEnd());
  }

  /** Resolves with the first line (from now on) that `predicate` accepts; rejects on timeout or end. */
  waitForLine(predicate, timeoutMs, what) {
    return new Promise((resolve, reject) => {
      const waiter = { predicate, resolve, reject, what, timer: undefined };
      waiter.timer = setTimeout(() => this.#settle(waiter, new BenchError(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  /** Everything, in keepAll mode; otherwise the last bytes seen. */
  text() {
    return this.#keepAll ? Buffer.concat(this.#all).toString() : this.#tail.toString();
  }

  /** The complete lines at the end of the output (the first, possibly cut, line dropped). */
  lastLines() {
    const lines = this.text().split('\n');
    if (!this.#keepAll && this.bytes > this.#tail.length) lines.shift();
    return lines.filter((line) => line !== '');
  }

  #onData(chunk) {
    this.bytes += chunk.length;
    for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) this.newlines++;
    if (this.#keepAll) this.#all.push(chunk);
    else this.#tail = this.#tail.length + chunk.length <= TAIL_BYTES ? Buffer.concat([this.#tail, chunk]) : Buffer.concat([this.#tail, chunk]).subarray(-TAIL_BYTES);
    if (this.#waiters.length === 0) {
      this.#partial = '';
      return;
    }
    const lines = (this.#partial + chunk.toString()).split('\n');
    this.#partial = lines.pop();
    for (const line of lines) {
      for (const waiter of [...this.#waiters]) if (waiter.predicate(line)) this.#settle(waiter, undefined, line);
      if (this.#waiters.length === 0) break;
    }
  }

  #onEnd() {
    for (const waiter of [...this.#waiters]) this.#settle(waiter, new BenchError(`output ended before ${waiter.what}`));
    this.#endedResolve();
  }

  #settle(waiter, error, line) {
    const index = this.#waiters.indexOf(waiter);
    if (index === -1) return;
    this.#waiters.splice(index, 1);
    clearTimeout(waiter.timer);
    if (error) waiter.reject(error);
    else waiter.resolve(line);
  }
}

/**
 * Starts a process with piped stdio. `exited` resolves with { code, signal, atNs } once it has
 * exited and both output streams have ended.
 */
export function start(command, args, { keepStdout = false, env } = {}) {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: env ?? process.env });
  const stdout = new LineStream(child.stdout, { keepAll: keepStdout });
  const stderr = new LineStream(child.stderr, { keepAll: true });
  const exitedProcess = new Promise((resolve, reject) => {
    child.once('error', (error) => reject(new BenchError(`cannot run ${command}: ${error.message}`)));
    child.once('exit', (code, signal) => resolve({ code, signal, atNs: process.hrtime.bigint() }));
  });
  const exited = Promise.all([exitedProcess, stdout.ended, stderr.ended]).then(([status]) => status);
  exited.catch(() => undefined);
  const describe = () => `${path.basename(command)} ${args.join(' ')}`;
  return { child, pid: child.pid, stdout, stderr, exited, describe };
}

/** Waits for a line on the process's stdout; a process that dies first is reported with its stderr. */
export async function waitForStdoutLine(proc, predicate, timeoutMs, what) {
  try {
    return await proc.stdout.waitForLine(predicate, timeoutMs, what);
  } catch (error) {
    const status = await within(proc.exited, 500);
    const how = status ? ` (it exited with ${status.signal ?? `code ${status.code}`})` : '';
    throw new BenchError(`${proc.describe()}: ${error.message}${how}\n${proc.stderr.text().trim()}`);
  }
}

/** Asks a process to stop (SIGINT), then insists; resolves with its exit status. */
export async function stop(proc, graceMs = 10_000) {
  if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGINT');
  const status = await within(proc.exited, graceMs);
  if (status) return status;
  proc.child.kill('SIGKILL');
  return proc.exited;
}

const CLOCK_TICKS = 100; // USER_HZ on Linux x86-64

function processCpuTicks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: Number(fields[11]), system: Number(fields[12]) };
  } catch {
    return { user: 0, system: 0 };
  }
}

export function childPids(pid) {
  const children = [];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (text !== '') children.push(...text.split(' ').map(Number));
    }
  } catch {
    // The process is gone: it has no children left to count.
  }
  return children;
}

/** User and system CPU seconds of a process and its descendants, each by name (comm). */
export function treeCpu(pid) {
  const byProcess = {};
  let user = 0;
  let system = 0;
  const visit = (current) => {
    const ticks = processCpuTicks(current);
    let comm = String(current);
    try {
      comm = readFileSync(`/proc/${current}/comm`, 'utf8').trim();
    } catch {
      // Gone between listing and reading.
    }
    byProcess[comm] = (byProcess[comm] ?? 0) + (ticks.user + ticks.system) / CLOCK_TICKS;
    user += ticks.user;
    system += ticks.system;
    for (const child of childPids(current)) visit(child);
  };
  visit(pid);
  return { user: user / CLOCK_TICKS, system: system / CLOCK_TICKS, byProcess };
}

/** The difference of two treeCpu readings, in seconds. */
export function cpuDelta(before, after) {
  const byProcess = {};
  for (const [name, seconds] of Object.entries(after.byProcess)) byProcess[name] = round(seconds - (before.byProcess[name] ?? 0), 2);
  return { user: round(after.user - before.user, 2), system: round(after.system - before.system, 2), byProcess };
}

/** Busy CPU seconds of the whole machine so far, all CPUs together (from /proc/stat). */
export function machineBusyCpuSeconds() {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = ticks; // idle and iowait left out
  return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS;
}

/** Waits until `bpftool perf` shows at least `count` uprobes/uretprobes attached by `pid`. */
export async function waitForAttachedUprobes(pid, count, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const { stdout } = await execFileAsync('bpftool', ['perf', 'show', '--json']);
      const attached = JSON.parse(stdout).filter((entry) => entry.pid === pid && /^uretprobe$|^uprobe$/.test(entry.fd_type));
      if (attached.length >= count) return;
    } catch {
      // bpftool raced with a process going away; look again.
    }
    await sleep(20);
  }
  throw new BenchError(`pid ${pid} did not attach ${count} uprobe(s) within ${timeoutMs} ms (bpftool perf show)`);
}

async function commandOutput(command, args) {
  try {
    const { stdout, stderr } = await execFileAsync(command, args);
    return (stdout || stderr).trim();
  } catch (error) {
    return `unavailable: ${error.message.split('\n')[0]}`;
  }
}

export async function machineInfo() {
  const cpus = os.cpus();
  return {
    kernel: os.release(),
    cpuCount: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    bpftrace: await commandOutput('bpftrace', ['--version']),
    gcc: (await commandOutput('gcc', ['--version'])).split('\n')[0],
    node: process.version,
    loadAverage: os.loadavg().map((load) => round(load, 2)),
  };
}

/** Left-aligned text table, for the printed report. */
export function table(header, rows) {
  const cells = [header, ...rows].map((row) => row.map((cell) => (cell === null || cell === undefined ? '—' : String(cell))));
  const widths = header.map((_, column) => Math.max(...cells.map((row) => row[column].length)));
  return cells.map((row) => row.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd()).join('\n');
}

export function formatNs(ns) {
  if (ns === null || ns === undefined) return null;
  if (Math.abs(ns) >= 1e6) return `${(ns / 1e6).toFixed(1)} ms`;
  if (Math.abs(ns) >= 1e3) return `${(ns / 1e3).toFixed(2)} µs`;
  return `${ns.toFixed(1)} ns`;
}

export function formatRatio(value) {
  return value === null || value === undefined ? null : `${value.toFixed(2)}×`;
}
