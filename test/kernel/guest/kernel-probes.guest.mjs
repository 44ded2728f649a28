// Runs inside the throwaway VM (test/vm/run-in-vm.sh) on Debian's 6.1 kernel, where kprobes
// and BPF trampolines work: kernel function probes with exact counts from a known process.
import { test, before, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { attachOk, buildWorkloadIfMissing, cleanUp, checkSuggestions, checkSyscall, checkTracepoint, detachExact, eventsOf, heldWorkload, manyFunctions, STACK_CALLERS, STACK_CALLERS_NOP5, startedHelper, WORKLOAD } from '../kernel-cases.mjs';
import { checkCallers, probeLeaf } from '../../support/stack-callers.mjs';

const PAIRS = 50;
const CLI = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bin', 'probe-lens');

before(() => buildWorkloadIfMissing());
afterEach(cleanUp);

/** prepare_creds and commit_creds from one process: 2 × PAIRS each, exactly, with values. */
async function credsChurn(helper, mechanism) {
  const run = await heldWorkload('creds', String(PAIRS));
  const filter = { pid: run.pid };
  const prepare = await attachOk(helper, { kernelFunction: 'prepare_creds', mechanism, filter });
  const commit = await attachOk(helper, { kernelFunction: 'commit_creds', mechanism, filter });
  run.release();
  assert.equal(await run.exited, 0);
  const prepared = await detachExact(helper, prepare.probe);
  const committed = await detachExact(helper, commit.probe);
  assert.deepEqual([prepared.stats.calls, prepared.stats.returns], [2 * PAIRS, 2 * PAIRS]);
  assert.deepEqual([committed.stats.calls, committed.stats.returns], [2 * PAIRS, 2 * PAIRS]);
  assert.ok(prepared.events.every((e) => e.pid === run.pid));
  assert.ok(prepared.events.filter((e) => e.type === 'return').every((e) => /^0x[0-9a-f]{8,}$/.test(e.ret) && e.latencyNs > 0));
  const commitCalls = committed.events.filter((e) => e.type === 'call');
  assert.ok(commitCalls.every((e) => /^0x[0-9a-f]{8,}$/.test(e.args.new)), 'commit_creds(new) by name');
  assert.ok(committed.events.filter((e) => e.type === 'return').every((e) => e.ret === 0));
  return { prepare, commit };
}

test('this kernel allows kprobes and fentry, and the helper measured it', async () => {
  const { helper, init } = await startedHelper();
  for (const kind of ['kprobe', 'kretprobe', 'fentry', 'fexit', 'uprobe', 'tracepoint']) {
    assert.equal(init.probeKinds[kind].available, true, `${kind}: ${init.probeKinds[kind].reason}`);
  }
  // 6.1 has no optimized uprobes: a 5-byte nop is emulated like any nop, and the helper finds that by trying.
  const costs = (await helper.request('probe/entryCosts', {})).result;
  assert.equal(costs.nop5Optimized, false);
  await helper.close();
});

test('6.1 has no uprobe_multi: the helper says so, and many functions get a link each, counted exactly', async () => {
  const { helper, init } = await startedHelper();
  assert.equal(init.mechanisms.uprobeMulti.available, false);
  assert.match(init.mechanisms.uprobeMulti.reason, /^this kernel has no uprobe_multi links \(Linux 6\.6 added them\): each function gets links of its own/);
  const program = manyFunctions();
  const child = spawn(program.binary, [], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  await new Promise((resolve) => child.stdout.once('data', resolve));
  const attached = (await helper.request('probe/attachFunctions', { binary: program.binary, filter: { pid: child.pid },
    functions: program.functions.map((fn) => ({ symbol: fn.name })) })).result;
  assert.equal(attached.links, 'per-function');
  assert.equal(attached.linksReason, init.mechanisms.uprobeMulti.reason);
  child.stdin.end('go\n');
  assert.equal(await exited, 0);
  await helper.waitFor((m) => m.method === 'probe/ended' && m.params.probe === attached.probes.at(-1).probe);
  const detached = (await helper.request('probe/detachMany', { probes: attached.probes.map((p) => p.probe) })).result;
  assert.deepEqual(detached.probes.map((stats) => [stats.calls, stats.returns]), program.functions.map((fn) => [fn.calls, fn.calls]));
  await helper.close();
});

test('stacks on 6.1: callers exact and whole stacks, whether the kernel\'s walk gives the caller (at a push %rbp) or the helper reads it (at a nop)', async (t) => {
  const { helper } = await startedHelper();
  const push = await probeLeaf(helper, STACK_CALLERS);
  t.diagnostic(`at a push %rbp, the caller comes from: ${push.result.stacks.caller}`);
  await checkCallers(push.stats, true);
  const nop = await probeLeaf(helper, STACK_CALLERS_NOP5);
  assert.deepEqual(nop.result.stacks, { depth: 32, framePointers: true, caller: 'stack pointer' });
  await checkCallers(nop.stats, true);
});

test('fentry/fexit by default: prepare_creds and commit_creds counted exactly', async () => {
  const { helper } = await startedHelper();
  const { prepare, commit } = await credsChurn(helper, undefined);
  assert.equal(prepare.kind, 'fentry');
  assert.equal(prepare.signature, 'struct cred *prepare_creds(void)');
  assert.equal(commit.signature, 'int commit_creds(struct cred *new)');
  assert.deepEqual(commit.capture, { args: [{ name: 'new', type: 'pointer' }], ret: 's32' });
  await helper.close();
});

test('kprobe/kretprobe on request: the same exact counts', async () => {
  const { helper } = await startedHelper();
  const { prepare, commit } = await credsChurn(helper, 'kprobe');
  assert.deepEqual([prepare.kind, commit.kind], ['kprobe', 'kprobe']);
  await helper.close();
});

test('without fentry the helper falls back to kprobes and says why', async () => {
  const { helper, init } = await startedHelper({ env: { ...process.env, PROBE_LENS_DISABLE_FENTRY: '1' } });
  assert.equal(init.probeKinds.fentry.available, false);
  const { prepare } = await credsChurn(helper, 'auto');
  assert.equal(prepare.kind, 'kprobe');
  assert.match(prepare.fallback, /PROBE_LENS_DISABLE_FENTRY/);
  const forced = await helper.request('probe/attach', { kernelFunction: 'prepare_creds', mechanism: 'fentry' });
  assert.equal(forced.error.data.code, 'feature-unavailable');
  await helper.close();
});

test('prepare_kernel_cred attaches with its signature, both ways', async () => {
  const { helper } = await startedHelper();
  for (const mechanism of ['fentry', 'kprobe']) {
    const attached = await attachOk(helper, { kernelFunction: 'prepare_kernel_cred', mechanism });
    assert.equal(attached.kind, mechanism);
    assert.equal(attached.signature, 'struct cred *prepare_kernel_cred(struct task_struct *daemon)');
    assert.deepEqual(attached.capture.args, [{ name: 'daemon', type: 'pointer' }]);
    await detachExact(helper, attached.probe);
  }
  await helper.close();
});

test('a function on the kprobe blacklist is refused with the reason', async () => {
  const { helper } = await startedHelper();
  const answer = await helper.request('probe/attach', { kernelFunction: 'do_int3', mechanism: 'kprobe' });
  assert.equal(answer.error?.data.code, 'attach-failed', JSON.stringify(answer));
  assert.match(answer.error.message, /do_int3 cannot be probed .*kprobe blacklist/);
  assert.deepEqual(eventsOf(helper, 1), []);
  await helper.close();
});

test('syscalls and tracepoints work here too', async () => {
  const { helper } = await startedHelper();
  await checkSyscall(helper);
  await checkTracepoint(helper);
  await checkSuggestions(helper);
  await helper.close();
});

test('the CLI: doctor tells the truth, and kernel:commit_creds under -- COMMAND counts exactly', async () => {
  const doctor = spawnSync(process.execPath, [CLI, 'doctor', '--json'], { encoding: 'utf8' });
  assert.equal(doctor.status, 0, doctor.stderr);
  const report = JSON.parse(doctor.stdout);
  for (const kind of ['kprobe', 'kretprobe', 'fentry', 'fexit']) assert.equal(report.helper.probeKinds[kind].available, true, kind);
  const listed = spawnSync(process.execPath, [CLI, 'kernel-functions', '--filter', 'commit_creds'], { encoding: 'utf8' });
  assert.equal(listed.status, 0, listed.stderr);
  assert.match(listed.stdout, /kernel functions would be probed with fentry\/fexit/);
  assert.match(listed.stdout, /kernel:commit_creds\s+int commit_creds\(struct cred \*new\)/);

  const probe = spawnSync(process.execPath, [CLI, 'probe', 'kernel:commit_creds', '--json', '--', WORKLOAD, 'creds', String(PAIRS)],
    { encoding: 'utf8', input: 'go\n' });
  assert.equal(probe.status, 0, probe.stderr);
  const lines = probe.stdout.trim().split('\n').map((line) => JSON.parse(line));
  assert.deepEqual(lines[0], { ...lines[0], type: 'attached', target: 'kernel:commit_creds', kind: 'fentry' });
  const calls = lines.filter((line) => line.type === 'call');
  const summary = lines.at(-1);
  assert.equal(summary.type, 'summary');
  assert.deepEqual([summary.probes[0].calls, summary.probes[0].returns, summary.probes[0].dropped], [2 * PAIRS, 2 * PAIRS, 0]);
  assert.equal(calls.length, 2 * PAIRS);
  assert.ok(calls.every((call) => call.comm === 'kernel-workload' && /^0x[0-9a-f]+$/.test(call.args.new)), JSON.stringify(calls[0]));
  assert.ok(lines.filter((line) => line.type === 'return').every((ret) => ret.ret === 0));
});
