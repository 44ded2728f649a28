// Errors as a user sees them: a notification that says what is wrong and what to do next.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TestCase } from './index';
import { openAt } from './util';

async function errorOf(api: { shownErrors(): string[] }, run: () => Thenable<unknown>): Promise<string> {
  const before = api.shownErrors().length;
  await run();
  const shown = api.shownErrors().slice(before);
  assert.equal(shown.length, 1, `expected one error notification, got ${JSON.stringify(shown)}`);
  return shown[0] ?? '';
}

export const tests: TestCase[] = [
  [
    'cursor not on a function: says so and what to do',
    async ({ api, sample }) => {
      await openAt(path.join(sample, 'orders.c'), /^#include <stdio.h>/, 'stdio');
      const message = await errorOf(api, () => vscode.commands.executeCommand('probeLens.probeFunction'));
      assert.match(message, /The cursor is not on a function/);
      assert.match(message, /Put the cursor on a function name/);
      assert.deepEqual(api.probes(), []);
    },
  ],
  [
    'no binary built from the file, and a stripped one named in the settings',
    async ({ api }) => {
      const scratch = mkdtempSync(path.join(tmpdir(), 'probe-lens-ext-'));
      const source = path.join(scratch, 'lonely.c');
      writeFileSync(source, 'int lonely(int x)\n{\n\treturn x + 1;\n}\n\nint main(void)\n{\n\treturn lonely(1);\n}\n');
      await openAt(source, /^int lonely/, 'lonely');
      const none = await errorOf(api, () => vscode.commands.executeCommand('probeLens.probeFunction'));
      assert.match(none, /No binary built from lonely\.c was found: build it with -g first/);

      const stripped = path.join(scratch, 'lonely-stripped');
      execFileSync('gcc', ['-O1', '-o', stripped, source]);
      execFileSync('strip', [stripped]);
      const config = vscode.workspace.getConfiguration('probeLens');
      await config.update('binaries', [stripped], vscode.ConfigurationTarget.Global);
      try {
        const message = await errorOf(api, () => vscode.commands.executeCommand('probeLens.probeFunction'));
        assert.match(message, /has no debug information \(it is stripped\)/);
        assert.match(message, /Rebuild it with -g/);
      } finally {
        await config.update('binaries', undefined, vscode.ConfigurationTarget.Global);
      }
    },
  ],
];

tests.push([
  'a helper without privilege: says so and how to give it privilege',
  async ({ api, sample }) => {
    const extension = vscode.extensions.getExtension('probe-lens.probe-lens');
    assert.ok(extension);
    // The real helper, started as nobody: what a user without root, sudo or capabilities gets.
    const scratch = mkdtempSync(path.join(tmpdir(), 'probe-lens-ext-'));
    const unprivileged = path.join(scratch, 'helper-as-nobody');
    writeFileSync(unprivileged, `#!/bin/sh\nexec setpriv --reuid=65534 --regid=65534 --clear-groups ${path.join(extension.extensionPath, 'native', 'build', 'probe-lens-helper')} "$@"\n`, { mode: 0o755 });
    const config = vscode.workspace.getConfiguration('probeLens');
    await config.update('helperPath', unprivileged, vscode.ConfigurationTarget.Global);
    await config.update('privilege', 'direct', vscode.ConfigurationTarget.Global);
    try {
      // Restart Helper keeps earlier probes: start from none, to see this one alone.
      await vscode.commands.executeCommand('probeLens.detachAll');
      await vscode.commands.executeCommand('probeLens.restartHelper');
      await openAt(path.join(sample, 'orders.c'), /^__attribute__\(\(noinline\)\) long price_order/, 'price_order');
      const message = await errorOf(api, () => vscode.commands.executeCommand('probeLens.probeFunction'));
      assert.match(message, /The Probe Lens helper is not permitted to load eBPF programs/);
      assert.match(message, /setcap cap_bpf,cap_perfmon\+ep/);
      // The Probes view keeps it, in error, with the same reason: nothing was attached.
      assert.deepEqual(api.probes().map((probe) => [probe.target, probe.state, probe.calls]), [['orders:price_order', 'error', 0]]);
      assert.match(api.probes()[0]?.reason ?? '', /not permitted to load eBPF programs/);
    } finally {
      await config.update('helperPath', undefined, vscode.ConfigurationTarget.Global);
      await config.update('privilege', undefined, vscode.ConfigurationTarget.Global);
      await vscode.commands.executeCommand('probeLens.restartHelper');
    }
  },
]);
