// The helper session: a crashed helper is restarted and every probe re-attached.

import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TestCase } from './index';
import { openAt, waitFor } from './util';

export const tests: TestCase[] = [
  [
    'a killed helper restarts and the probe is live again, counting on',
    async ({ api, sample }) => {
      const source = path.join(sample, 'orders.c');
      await openAt(source, /unsigned checksum\(/, 'checksum');
      await vscode.commands.executeCommand('probeLens.probeFunction');
      assert.equal(api.probes()[0]?.state, 'live', api.shownErrors().join(' | '));
      const pid = api.helperPid();
      assert.ok(pid !== undefined, 'no helper process found');
      process.kill(pid, 'SIGKILL');
      await waitFor('the helper to restart', () => (api.helperPid() !== undefined && api.helperPid() !== pid && api.helperState() === 'running' ? true : undefined));
      const probe = await waitFor('the probe to be re-attached', () => (api.probes()[0]?.state === 'live' ? api.probes()[0] : undefined));
      assert.equal(probe.target, 'orders:checksum');
      await vscode.commands.executeCommand('probeLens.runWithProbes', { program: path.join(sample, 'build', 'orders'), args: ['2', '10'], cwd: sample });
      // checksum(seed, 5) recurses to depth 0: 6 calls per round.
      const ended = await waitFor('checksum counted', () => (api.probes()[0]?.state === 'ended' && api.probes()[0]?.calls === 12 ? api.probes()[0] : undefined)).catch((error: unknown) => {
        const [last] = api.probes();
        throw new Error(`${String(error)}; the probe: ${JSON.stringify({ state: last?.state, calls: last?.calls, returns: last?.returns, reason: last?.reason })}`);
      });
      assert.equal(ended.returns, 12);
    },
  ],
];
