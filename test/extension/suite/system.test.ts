// Check System and Probe Kernel Function… against the real helper on this kernel.

import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TestCase } from './index';
import { waitFor } from './util';

export const tests: TestCase[] = [
  [
    'Check System reports every probe kind with the reason and the fix',
    async ({ api }) => {
      const report = await vscode.commands.executeCommand<string | undefined>('probeLens.checkSystem');
      assert.ok(report, api.shownErrors().join(' | '));
      assert.equal(api.systemReport(), report);
      assert.match(report, /Privilege to load eBPF: \*\*yes\*\*/);
      assert.match(report, /\| uprobe \| ✅ available \|/);
      assert.match(report, /\| tracepoint \| (✅|❌)/);
      assert.match(report, /Function probes work here/);
      assert.match(report, /Kernel functions \(\d+ with BTF signatures\): (probed with (fentry|kprobe)|\*\*cannot be probed\*\*: .+)/);
    },
  ],
  [
    'Probe Kernel Function…: a syscall is probed; where kernel functions cannot be, the reason is shown first',
    async ({ api }) => {
      const before = api.shownErrors().length;
      await vscode.commands.executeCommand('probeLens.probeKernelFunction', 'syscall:getpid');
      const probe = await waitFor('the syscall probe', () => api.probes().find((entry) => entry.target === 'syscall:getpid'));
      assert.equal(probe.state, 'live', api.shownErrors().join(' | '));
      const report = api.systemReport() ?? '';
      const shown = api.shownErrors().slice(before);
      if (/cannot be probed/.test(report)) {
        assert.equal(shown.length, 1, JSON.stringify(shown));
        assert.match(shown[0] ?? '', /kernel functions cannot be probed on this kernel: .+\. Syscalls/);
      } else {
        assert.deepEqual(shown, []);
      }
    },
  ],
];
