// On a kernel too old for our BPF programs, Debian 11's own (5.10, fetched from its archive by
// test/vm/fetch-kernel.sh and booted in the throwaway VM), `probe-lens doctor` says so in plain
// words: which features are missing, with the Linux release that added each, and the release
// needed; the helper's initialize gives the same reason for every probe kind. Skipped when
// PROBE_LENS_WITH_VM=0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const kernelRoot = `${repoRoot}out/vm-kernels/bullseye`;
const skip = process.env.PROBE_LENS_WITH_VM === '0' && 'PROBE_LENS_WITH_VM=0';
if (skip) console.log(`# SKIPPED test/kernel/old-kernel: ${skip}`);

test("on Debian 11's kernel (5.10) doctor names what is missing and the release needed", { skip, timeout: 300_000 }, () => {
  const version = execFileSync('bash', [`${repoRoot}test/vm/fetch-kernel.sh`, 'bullseye', kernelRoot], { encoding: 'utf8' }).trim();
  assert.match(version, /^5\.10\./);
  const run = spawnSync(`${repoRoot}test/vm/run-in-vm.sh`, ['--timeout', '240', '--', 'node', `${repoRoot}out/cli.js`, 'doctor', '--json'], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, PROBE_LENS_VM_KERNEL_ROOT: kernelRoot, PROBE_LENS_VM_KERNEL: version },
  });
  assert.equal(run.status, 3, `doctor should exit 3 (no function probes):\n${run.stdout}\n${run.stderr}`);
  const report = JSON.parse(run.stdout);
  const reasons = new Set(Object.values(report.helper.probeKinds).map((kind) => kind.available || kind.reason));
  assert.equal(reasons.size, 1, `one reason for every probe kind: ${[...reasons].join(' | ')}`);
  const [reason] = reasons;
  assert.equal(
    reason,
    `this kernel (${version}) is too old for Probe Lens: it lacks task-local storage (Linux 5.11), bpf_get_current_task_btf (Linux 5.11), ` +
      'bpf_find_vma (Linux 5.17), sleepable uprobe programs (Linux 5.19). Probe Lens needs Linux 5.19 or newer',
  );
});
