// Kernel-probe checks shared by the host's tests and the guest's (test/kernel/guest/): the same
// assertions run wherever the kernel allows them, through the real helper.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RawHelper, closeAllHelpers } from '../support/raw-helper.mjs';
import { buildManyFunctions } from '../support/many-functions.mjs';
import { buildStackCallers, NOP5_ENTRY } from '../support/stack-callers.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
/** Outside /tmp: the guest sees the host's files, but its /tmp is its own. */
export const ARTIFACTS = path.join(here, '..', 'artifacts', 'kernel');
export const WORKLOAD = path.join(ARTIFACTS, 'kernel-workload');
/** test/fixtures/stack-callers.c at -O0 (frame pointers throughout), and with a 5-byte nop at each function's entry. */
export const STACK_CALLERS = path.join(ARTIFACTS, 'stack-callers');
export const STACK_CALLERS_NOP5 = path.join(ARTIFACTS, 'stack-callers-nop5');

/** A multi-file program of many functions (test/support/many-functions.mjs), for uprobe_multi or its fallback. */
const MANY_FUNCTIONS_DIR = path.join(ARTIFACTS, 'many-functions');
export const manyFunctions = (build = false) => buildManyFunctions(MANY_FUNCTIONS_DIR, { files: 2, perFile: 10, build });

export function buildWorkload() {
  mkdirSync(MANY_FUNCTIONS_DIR, { recursive: true });
  execFileSync('gcc', ['-O2', '-Wall', '-o', WORKLOAD, path.join(here, '..', 'fixtures', 'kernel-workload.c')]);
  manyFunctions(true);
  buildStackCallers(STACK_CALLERS, 'gcc', ['-O0']);
  buildStackCallers(STACK_CALLERS_NOP5, 'clang', NOP5_ENTRY);
}

/** The guest's file system is read-only: the host built the workload before booting it. */
export function buildWorkloadIfMissing() {
  if (!existsSync(WORKLOAD) || !existsSync(manyFunctions().binary) || !existsSync(STACK_CALLERS_NOP5)) buildWorkload();
}

/** Everything a test started, ended after it whatever happened, so no failure hangs the run. */
const workloads = [];

export async function cleanUp() {
  for (const workload of workloads.splice(0)) workload.kill('SIGKILL');
  await closeAllHelpers();
}

/** The helper, initialized; `options` as RawHelper takes them (e.g. started through sudo). */
export async function startedHelper(options = {}) {
  const helper = new RawHelper(options);
  const init = await helper.request('initialize', { processId: process.pid });
  return { helper, init: init.result };
}

/** The workload, started, past its loader, and held until `release()`. */
export async function heldWorkload(...args) {
  const child = spawn(WORKLOAD, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  workloads.push(child);
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise((resolve, reject) => {
    child.stdout.once('data', (data) => (String(data).startsWith('ready') ? resolve() : reject(new Error(`workload said ${data}`))));
    child.once('exit', (code) => reject(new Error(`workload exited with ${code} before it was ready`)));
  });
  return { pid: child.pid, exited, release: () => child.stdin.end('go\n') };
}

export function eventsOf(helper, probe) {
  return helper.messages.filter((m) => m.method === 'probe/events').flatMap((m) => m.params.events).filter((e) => e.probe === probe);
}

export async function attachOk(helper, params) {
  const answer = await helper.request('probe/attach', params);
  assert.ok(answer.result, `attach ${JSON.stringify(params)} failed: ${JSON.stringify(answer.error)}`);
  return answer.result;
}

/** Detaches and checks that every record was delivered or counted as dropped. */
export async function detachExact(helper, probe) {
  const stats = (await helper.request('probe/detach', { probe })).result;
  const events = eventsOf(helper, probe);
  assert.equal(events.length + stats.dropped, stats.calls + stats.returns, 'every record delivered or counted');
  return { stats, events };
}

/** syscall:openat from one process: exact count, the path by name, the fd returned. */
export async function checkSyscall(helper) {
  const file = WORKLOAD; // any file that exists, in the guest too
  const run = await heldWorkload('open', '7', file);
  const attached = await attachOk(helper, { syscall: 'openat', filter: { pid: run.pid } });
  assert.equal(attached.kind, 'tracepoint');
  assert.equal(attached.syscall, 'openat');
  assert.match(attached.signature, /^openat\(int dfd, const char \* filename, int flags, umode_t mode\)$/);
  assert.deepEqual(attached.capture.args.map((a) => `${a.name}:${a.type}`), ['dfd:s32', 'filename:string', 'flags:s32', 'mode:u64']);
  run.release();
  assert.equal(await run.exited, 0);
  const { stats, events } = await detachExact(helper, attached.probe);
  // Attached while the workload waited on stdin: its loader's opens came before.
  assert.deepEqual([stats.calls, stats.returns, stats.dropped], [7, 7, 0]);
  const calls = events.filter((e) => e.type === 'call');
  assert.deepEqual(calls.map((c) => [c.pid, c.args.dfd, c.args.filename, c.args.flags]), Array(7).fill([run.pid, -100, file, 0]));
  const returns = events.filter((e) => e.type === 'return');
  assert.equal(returns.length, 7);
  assert.ok(returns.every((r) => Number.isInteger(r.ret) && r.ret >= 0 && r.latencyNs > 0), 'each open returned a descriptor');
}

/** tracepoint:sched:sched_process_exec: one exec, its __data_loc filename read by name. */
export async function checkTracepoint(helper) {
  const run = await heldWorkload('exec', '/bin/true');
  const attached = await attachOk(helper, { tracepoint: 'sched:sched_process_exec', filter: { pid: run.pid } });
  assert.equal(attached.tracepoint, 'sched:sched_process_exec');
  assert.equal(attached.retprobe, false);
  assert.deepEqual(attached.capture.args.map((a) => a.name), ['filename', 'pid', 'old_pid']);
  run.release();
  assert.equal(await run.exited, 0);
  const { stats, events } = await detachExact(helper, attached.probe);
  assert.equal(stats.calls, 1);
  assert.equal(stats.returns, 0);
  assert.deepEqual(events.map((e) => e.args), [{ filename: '/bin/true', pid: run.pid, old_pid: run.pid }]);
}

/** Names that do not exist get the nearest one that does. */
export async function checkSuggestions(helper) {
  const cases = [
    [{ kernelFunction: 'prepare_kernel_crd' }, /no function 'prepare_kernel_crd'\. Did you mean 'prepare_kernel_cred'\?/],
    [{ syscall: 'opnat' }, /no syscall 'opnat'\. Did you mean 'openat'\?/],
    [{ tracepoint: 'sched:sched_proces_exec' }, /Did you mean 'sched:sched_process_exec'\?/],
    [{ tracepoint: 'schd:sched_process_exec' }, /no tracepoint category 'schd'\. Did you mean 'sched'\?/],
  ];
  for (const [params, message] of cases) {
    const answer = await helper.request('probe/attach', params);
    assert.equal(answer.error?.data.code, 'symbol-not-found', JSON.stringify(answer));
    assert.match(answer.error.message, message);
  }
}
