// Smoke test for test/vm/run-in-vm.sh, the throwaway VM the kernel-probe tests run in: it must
// boot Debian's kernel rather than the host's, keep the command's stdout and stderr apart from the
// boot noise, return the command's exit status, offer kprobes, and fail clearly on timeout or when
// no kernel is installed. Skipped when PROBE_LENS_WITH_VM=0 (bootstrap then skips qemu too).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { release } from 'node:os';
import { fileURLToPath } from 'node:url';

const runInVm = fileURLToPath(new URL('../vm/run-in-vm.sh', import.meta.url));
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const skip = process.env.PROBE_LENS_WITH_VM === '0' && 'PROBE_LENS_WITH_VM=0';

/** Runs `run-in-vm.sh ARGS` to completion; resolves with its output, status and wall time. */
function vm(args, extraEnv = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(runInVm, args, {
      cwd: repoRoot,
      env: { ...process.env, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({ code, signal, stdout, stderr, seconds: (performance.now() - started) / 1000 }),
    );
  });
}

function describeRun(run) {
  return `exit ${run.code}, ${run.seconds.toFixed(1)} s\n--- stdout ---\n${run.stdout}\n--- stderr ---\n${run.stderr}`;
}

test('boots the Debian kernel, not the host one', { skip, timeout: 120_000 }, async (t) => {
  const run = await vm(['--', 'uname', '-r']);
  assert.equal(run.code, 0, describeRun(run));
  const guest = run.stdout.trim();
  assert.notEqual(guest, release(), 'the guest runs the host kernel');
  assert.ok(existsSync(`/boot/vmlinuz-${guest}`), `no /boot/vmlinuz-${guest}: ${describeRun(run)}`);
  assert.equal(run.stderr, '', 'boot messages leaked into stderr');
  t.diagnostic(`guest kernel ${guest}; boot-run-poweroff ${run.seconds.toFixed(1)} s`);
});

test('passes the exit status, both streams, cwd and env through', { skip, timeout: 120_000 }, async () => {
  const script = 'echo out; echo err >&2; pwd; echo "$PROBE_LENS_SMOKE|$PROBE_LENS_IN_VM"; exit 7';
  const run = await vm(['--', 'sh', '-c', script], { PROBE_LENS_SMOKE: `a 'b' $c` });
  assert.equal(run.code, 7, describeRun(run));
  assert.equal(run.stdout, `out\n${repoRoot.replace(/\/$/, '')}\na 'b' $c|1\n`);
  assert.equal(run.stderr, 'err\n');
});

test('offers kprobes inside the VM', { skip, timeout: 120_000 }, async (t) => {
  const bpftrace = ['/usr/bin/bpftrace', '/usr/sbin/bpftrace'].find(existsSync);
  const script = [
    'cat /sys/bus/event_source/devices/kprobe/type',
    'grep -qx prepare_kernel_cred /sys/kernel/tracing/available_filter_functions',
    // Attaching proves BPF kprobes work, not only that the PMU exists.
    bpftrace ? `${bpftrace} -e 'kprobe:prepare_kernel_cred {} BEGIN { exit(); }'` : 'true',
  ].join(' && ');
  const run = await vm(['--', 'sh', '-c', script]);
  assert.equal(run.code, 0, describeRun(run));
  assert.match(run.stdout, /^\d+\n/, 'kprobe PMU type is not a number');
  if (bpftrace) assert.match(run.stdout, /Attaching 2 probes/);
  else t.diagnostic('bpftrace not installed: checked the kprobe PMU only');
  t.diagnostic(`kprobe check ${run.seconds.toFixed(1)} s`);
});

test('fails clearly on timeout', { skip, timeout: 60_000 }, async () => {
  const run = await vm(['--timeout', '2', '--', 'sleep', '600']);
  assert.equal(run.code, 124, describeRun(run));
  assert.match(run.stderr, /^run-in-vm: timed out after 2s running: sleep 600$/m);
  assert.ok(run.seconds < 20, `took ${run.seconds} s to give up`);
});

test('says the VM is unavailable when the kernel is missing', { timeout: 30_000 }, async () => {
  const run = await vm(['--', 'true'], { PROBE_LENS_VM_KERNEL: '0.0.0-missing' });
  assert.equal(run.code, 3, describeRun(run));
  assert.match(run.stderr, /^kernel-probe VM unavailable: \/boot\/vmlinuz-0\.0\.0-missing does not exist/);
});
