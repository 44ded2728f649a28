// Kernel probes, for real. On this host the answers must match what its kernel allows (here:
// no kprobes, no fentry — said plainly); syscalls and tracepoints work. The kprobe/kretprobe
// and fentry/fexit checks run inside a throwaway VM booting Debian's 6.1 kernel (test/vm/),
// started from here, so they are part of every run where qemu and the kernel are installed.
import { test, before, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setUpOtherUsers, throughSudo } from '../support/other-users.mjs';
import { buildWorkload, checkSuggestions, cleanUp, checkSyscall, checkTracepoint, startedHelper } from './kernel-cases.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..', '..');
const isRoot = process.geteuid() === 0;
const needsRoot = !isRoot && 'needs root: the helper must be able to load BPF';

before(() => buildWorkload());
afterEach(cleanUp);

test('kernel function probes: attached where the kernel allows, else refused with its reasons', { skip: needsRoot }, async () => {
  const { helper, init } = await startedHelper();
  const kinds = init.probeKinds;
  const answer = await helper.request('probe/attach', { kernelFunction: 'prepare_kernel_cred' });
  if (kinds.fentry.available || kinds.kprobe.available) {
    assert.ok(answer.result, JSON.stringify(answer.error));
    assert.equal(answer.result.kind, kinds.fentry.available && kinds.fexit.available ? 'fentry' : 'kprobe');
  } else {
    assert.equal(answer.error.data.code, 'feature-unavailable');
    assert.equal(answer.error.message,
      `this kernel allows no kernel function probes: fentry/fexit: ${kinds.fentry.reason}; kprobes: ${kinds.kprobe.reason}`);
    if (!existsSync('/sys/bus/event_source/devices/kprobe')) assert.match(kinds.kprobe.reason, /without CONFIG_KPROBES/);
    for (const mechanism of ['fentry', 'kprobe']) {
      const forced = await helper.request('probe/attach', { kernelFunction: 'prepare_kernel_cred', mechanism });
      assert.equal(forced.error.data.code, 'feature-unavailable');
      assert.match(forced.error.message, mechanism === 'fentry' ? /^fentry\/fexit: / : /^kprobes: /);
    }
  }
  const catalog = (await helper.request('probe/kernelCatalog', { filter: 'prepare_kernel_cred' })).result;
  assert.deepEqual(catalog.functions, [{ name: 'prepare_kernel_cred', signature: 'struct cred *prepare_kernel_cred(struct task_struct *daemon)' }]);
  assert.equal(catalog.functionMechanism, answer.result?.kind ?? null);
  await helper.close();
});

test('syscall:openat counts one process exactly, with its arguments by name', { skip: needsRoot }, async () => {
  const { helper } = await startedHelper();
  await checkSyscall(helper);
  await helper.close();
});

test('tracepoint:sched:sched_process_exec reads its fields by name', { skip: needsRoot }, async () => {
  const { helper } = await startedHelper();
  await checkTracepoint(helper);
  await helper.close();
});

test('unknown kernel names are answered with the nearest real one', { skip: needsRoot }, async () => {
  const { helper } = await startedHelper();
  await checkSuggestions(helper);
  await helper.close();
});

test('a user who is not root may not probe the kernel', { skip: needsRoot }, async () => {
  const { helper } = await startedHelper(throughSudo(setUpOtherUsers().alice));
  for (const params of [{ kernelFunction: 'prepare_kernel_cred' }, { syscall: 'openat' }, { tracepoint: 'sched:sched_process_exec' }]) {
    const answer = await helper.request('probe/attach', params);
    assert.equal(answer.error?.data.code, 'permission-denied', JSON.stringify(params));
    assert.match(answer.error.message, /only root may use them, unless an administrator allows a group in \/etc\/probe-lens\/helper\.conf/);
  }
  await helper.close();
});

const vmWanted = process.env.PROBE_LENS_WITH_VM !== '0';
test('kprobe/kretprobe and fentry/fexit, for real, inside a VM booting Debian\'s kernel', {
  skip: !vmWanted ? 'PROBE_LENS_WITH_VM=0: the kernel-probe VM is switched off' : needsRoot,
  timeout: 600_000,
}, () => {
  const run = spawnSync(path.join(root, 'test', 'vm', 'run-in-vm.sh'), ['--timeout', '540', '--',
    process.execPath, '--test', '--test-reporter=spec', path.join(here, 'guest', 'kernel-probes.guest.mjs')], { cwd: root, encoding: 'utf8' });
  process.stdout.write(run.stdout.replace(/^/gm, '    vm | '));
  process.stderr.write(run.stderr.replace(/^/gm, '    vm | '));
  assert.notEqual(run.status, 3, `the VM could not start: ${run.stderr}`);
  assert.equal(run.status, 0, 'the guest tests passed');
  assert.match(run.stdout, /pass [1-9]/);
  assert.match(run.stdout, /fail 0/);
});

test('probe-lens kernel-functions lists ~all of kernel BTF with signatures, and how they would be probed', { skip: needsRoot }, async () => {
  const cli = path.join(root, 'bin', 'probe-lens');
  const all = spawnSync(process.execPath, [cli, 'kernel-functions', '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(all.status, 0, all.stderr);
  const catalog = JSON.parse(all.stdout);
  assert.ok(catalog.functionsTotal > 20000, `only ${catalog.functionsTotal} kernel functions`);
  assert.equal(catalog.functions.length, catalog.functionsTotal);
  assert.ok(catalog.syscalls.includes('openat'));
  assert.ok(catalog.tracepoints.includes('sched:sched_process_exec'));

  const { helper, init } = await startedHelper();
  const kinds = init.probeKinds;
  const expected = kinds.fentry.available && kinds.fexit.available ? 'fentry' : kinds.kprobe.available ? 'kprobe' : null;
  assert.equal(catalog.functionMechanism, expected);
  const human = spawnSync(process.execPath, [cli, 'kernel-functions', '--filter', 'prepare_kernel_cred'], { encoding: 'utf8' });
  assert.equal(human.status, 0, human.stderr);
  assert.match(human.stdout, /kernel:prepare_kernel_cred\s+struct cred \*prepare_kernel_cred\(struct task_struct \*daemon\)/);
  if (expected === null) assert.match(human.stdout, /kernel functions cannot be probed here: fentry\/fexit: .*; kprobes: /);
  await helper.close();
});
