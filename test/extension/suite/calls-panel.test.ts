// The Calls panel on a live probe of the sample: the rows posted to the webview, and what the
// webview itself holds and draws (asked through it), carry the exact arguments and return values;
// Open in Calls Panel filters to the probe; batches stay at ≤ 10 a second.

import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TestCase } from './index';
import { openAt, waitFor } from './util';

const ROUNDS = 3;
/** What one round of the sample passes to price_order, and what it returns. */
const ROUND = [
  ['item="widget", quantity=3, unit_cents=250', '750'],
  ['item="gadget", quantity=1, unit_cents=1999', '1999'],
  ['item="sprocket", quantity=12, unit_cents=75', '810'],
  ['item="flange", quantity=0, unit_cents=500', '-1'],
  ['item="gizmo", quantity=7, unit_cents=-100', '-1'],
];

export const tests: TestCase[] = [
  [
    'the Calls panel shows every call of price_order with its exact arguments and return value',
    async ({ api, sample }) => {
      const source = path.join(sample, 'orders.c');
      await openAt(source, /^__attribute__.*long price_order\(/, 'price_order');
      await vscode.commands.executeCommand('probeLens.probeFunction');
      const [probe] = api.probes();
      assert.equal(probe?.state, 'live', api.shownErrors().join(' | '));

      await vscode.commands.executeCommand('probeLens.showPanel');
      await waitFor('the panel webview to be ready', () => api.panel().ready || undefined);
      const tab = vscode.window.tabGroups.all.flatMap((group) => group.tabs).find((t) => t.input instanceof vscode.TabInputWebview);
      assert.equal(tab?.label, 'Probe Lens Calls');

      const started = Date.now();
      const run = await vscode.commands.executeCommand<{ pid: number } | undefined>('probeLens.runWithProbes', {
        program: path.join(sample, 'build', 'orders'),
        args: [String(ROUNDS), '10'],
        cwd: sample,
      });
      assert.ok(run, api.shownErrors().join(' | '));
      await waitFor('the run to end', () => (api.probes()[0]?.state === 'ended' && api.probes()[0]?.calls === 5 * ROUNDS ? true : undefined));

      // What the webview holds and draws, read back from it.
      const report = await waitFor('the webview to hold every row, each with its return', async () => {
        const current = await api.panelReport();
        return current?.rows === 5 * ROUNDS && current.rendered.every((cells) => cells[5] !== '…') ? current : undefined;
      });
      assert.equal(report.shown, 15);
      assert.deepEqual(report.filter, {});
      assert.equal(report.rendered.length, 15, 'all 15 rows fit the view and are drawn');
      const expected = Array.from({ length: ROUNDS }, () => ROUND).flat();
      assert.deepEqual(
        report.rendered.map((cells) => [cells[1], cells[2], cells[3], cells[4], cells[5]]),
        expected.map(([args, ret]) => [String(run.pid), 'orders', 'orders:price_order', args, ret]),
      );
      for (const cells of report.rendered) {
        assert.match(cells[0] ?? '', /^\d+\.\d{6}$/, 'time in seconds');
        assert.match(cells[6] ?? '', /^[\d.]+ (ns|µs|ms)$/, 'latency');
      }

      // Posted live, in batches: every row, at most ten posts a second.
      const status = api.panel();
      assert.equal(status.postedRows, 15);
      assert.ok(status.batches >= 1);
      const seconds = (Date.now() - started) / 1000;
      assert.ok(status.batches <= Math.ceil(seconds * 10) + 1, `${status.batches} batches in ${seconds.toFixed(1)} s`);
      assert.ok(
        status.lastBatch.every((row) => row.probeId === probe?.id && row.pid === run.pid && ROUND.some(([args]) => args === row.args)),
        JSON.stringify(status.lastBatch[0]),
      );

      // Open in Calls Panel (the Probes view's inline action) filters to that probe.
      await vscode.commands.executeCommand('probeLens.openProbeInPanel', { id: probe?.id });
      const filtered = await waitFor('the probe filter', async () => {
        const current = await api.panelReport();
        return current?.filter.probeId === probe?.id ? current : undefined;
      });
      assert.equal(filtered.shown, 15);
    },
  ],
  [
    'a probe detached takes its rows out of the panel; the panel closes with its editor group',
    async ({ api, sample }) => {
      const source = path.join(sample, 'orders.c');
      await openAt(source, /long apply_discount\(/, 'apply_discount');
      await vscode.commands.executeCommand('probeLens.probeFunction');
      await vscode.commands.executeCommand('probeLens.showPanel');
      await vscode.commands.executeCommand('probeLens.runWithProbes', { program: path.join(sample, 'build', 'orders'), args: ['2', '10'], cwd: sample });
      await waitFor('apply_discount counted', () => (api.probes()[0]?.state === 'ended' && api.probes()[0]?.calls === 6 ? true : undefined));
      // apply_discount(cents, quantity): three priced orders a round; sprocket gets 10 % off.
      const before = await waitFor('six rows in the webview', async () => {
        const current = await api.panelReport();
        return current?.rows === 6 && current.rendered.every((cells) => cells[5] !== '…') ? current : undefined;
      });
      assert.deepEqual(
        before.rendered.slice(0, 3).map((cells) => [cells[4], cells[5]]),
        [
          ['cents=750, quantity=3', '750'],
          ['cents=1999, quantity=1', '1999'],
          ['cents=900, quantity=12', '810'],
        ],
      );
      await vscode.commands.executeCommand('probeLens.detachAll');
      await waitFor('the rows gone from the webview', async () => ((await api.panelReport())?.rows === 0 ? true : undefined));
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await waitFor('the panel closed', () => (api.panel().open ? undefined : true));
    },
  ],
];
