// Probe This Function on the sample, then Run with Probes: exact counts, return values and
// arguments as the decoration, the hover and the Probes view show them.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TestCase } from './index';
import { openAt, waitFor } from './util';

/** One round of the sample prices 5 orders: 750, 1999, 810, and two rejected (-1). */
const ROUNDS = 3;

export const tests: TestCase[] = [
  [
    'Probe This Function on price_order, Run with Probes: exact calls, top returns, latency, hover',
    async ({ api, sample }) => {
      const source = path.join(sample, 'orders.c');
      const { line } = await openAt(source, /^__attribute__.*long price_order\(/, 'price_order');
      await vscode.commands.executeCommand('probeLens.probeFunction');
      const [probe] = api.probes();
      assert.ok(probe, `no probe after Probe This Function; errors: ${api.shownErrors().join(' | ')}`);
      assert.equal(probe.target, 'orders:price_order');
      assert.equal(probe.state, 'live');
      assert.deepEqual(probe.source, { file: source, line });

      const run = await vscode.commands.executeCommand<{ pid: number } | undefined>('probeLens.runWithProbes', {
        program: path.join(sample, 'build', 'orders'),
        args: [String(ROUNDS), '10'],
        cwd: sample,
      });
      assert.ok(run, `Run with Probes failed: ${api.shownErrors().join(' | ')}`);
      const ended = await waitFor('the run to end with every call counted', () => {
        const current = api.probes()[0];
        return current?.state === 'ended' && current.calls === 5 * ROUNDS ? current : undefined;
      });
      assert.equal(ended.calls, 15);
      assert.equal(ended.returns, 15);
      assert.equal(ended.dropped, 0);
      assert.deepEqual(ended.filter, { pid: run.pid });
      assert.deepEqual(ended.topReturns, [
        { value: '-1', count: 6 },
        { value: '750', count: 3 },
      ]);
      assert.equal(ended.tree.label, 'price_order');
      assert.match(ended.tree.description, /15 calls · 15 returns/);

      const [decoration] = api.decorations(source);
      assert.ok(decoration, 'no decoration in orders.c');
      assert.equal(decoration.line, line);
      assert.match(decoration.text, /^ {2}15 calls · /);
      assert.match(decoration.text, /→ -1 ×6, 750 ×3/);
      assert.match(decoration.text, /p50 ≤[\d.]+ (ns|µs|ms)/);
      assert.match(decoration.text, /p99 ≤[\d.]+ (ns|µs|ms)/);

      const hover = await api.hover(source, line);
      assert.ok(hover, 'no hover on the probed line');
      assert.match(hover, /price_order\(item="widget", quantity=3, unit_cents=250\) → 750/);
      assert.match(hover, /price_order\(item="gizmo", quantity=7, unit_cents=-100\) → -1/);

      // Export Calls: every recorded row, args and ret as text, in call order.
      const out = path.join(mkdtempSync(path.join(tmpdir(), 'probe-lens-export-')), 'calls.csv');
      const exported = await vscode.commands.executeCommand<{ rows: number } | undefined>('probeLens.exportCalls', { file: out });
      assert.equal(exported?.rows, 15, api.shownErrors().join(' | '));
      const csv = readFileSync(out, 'utf8').split('\r\n');
      assert.equal(csv[0], 'probe,time_ns,pid,tid,comm,args,ret,latency_ns');
      assert.match(csv[1] ?? '', new RegExp(`^orders:price_order,\\d+,${run.pid},${run.pid},orders,"item=""widget"", quantity=3, unit_cents=250",750,\\d+$`));
    },
  ],
  [
    'a printf call under the cursor probes libc:printf counted only in the program',
    async ({ api, sample }) => {
      const source = path.join(sample, 'orders.c');
      const { line } = await openAt(source, /printf\("round %d: rejected/, 'printf');
      await vscode.commands.executeCommand('probeLens.probeFunction');
      const [probe] = api.probes();
      assert.ok(probe, `no probe: ${api.shownErrors().join(' | ')}`);
      assert.equal(probe.target, 'libc:printf');
      assert.deepEqual(probe.source, { file: source, line });
      await vscode.commands.executeCommand('probeLens.runWithProbes', { program: path.join(sample, 'build', 'orders'), args: [String(ROUNDS), '10'], cwd: sample });
      // Per round: two "rejected" lines and one total.
      const ended = await waitFor('printf counted', () => {
        const current = api.probes()[0];
        return current?.state === 'ended' && current.calls === 3 * ROUNDS ? current : undefined;
      });
      assert.equal(ended.returns, 9);
      assert.ok(ended.recent.some((call) => call.args.startsWith('format="round %d: rejected %s\\n"')), JSON.stringify(ended.recent[0]));
      assert.match(api.decorations(source)[0]?.text ?? '', /^ {2}9 calls/);
    },
  ],
  [
    'a hot function with no Calls panel: counts and top returns exact (from the kernel), its calls a sample at the hover\'s rate',
    async ({ api, sample }) => {
      const source = path.join(sample, 'orders.c');
      const { line } = await openAt(source, /^__attribute__.*long price_order\(/, 'price_order');
      await vscode.commands.executeCommand('probeLens.probeFunction');
      assert.equal(api.probes()[0]?.state, 'live', api.shownErrors().join(' | '));
      const rowsBefore = api.panelRows();
      // 20,000 calls as fast as the program goes (no pause between rounds).
      const rounds = 4000;
      const started = Date.now();
      await new Promise<void>((resolve, reject) => {
        const child = spawn(path.join(sample, 'build', 'orders'), [String(rounds), '0'], { stdio: 'ignore' });
        child.once('error', reject);
        child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`orders exited with ${code}`))));
      });
      const seconds = (Date.now() - started) / 1000;
      const counted = await waitFor('every call counted', () => {
        const current = api.probes()[0];
        return current?.calls === 5 * rounds && current.returns === 5 * rounds ? current : undefined;
      });
      assert.deepEqual(counted.topReturns, [
        { value: '-1', count: 2 * rounds },
        { value: '750', count: rounds },
      ]);
      // A sample: at most 50 calls a second, and half a second's worth at once (rows: a call and its return share one).
      const rows = api.panelRows() - rowsBefore;
      assert.ok(rows > 0 && rows <= 50 * (seconds + 0.5) + 20, `${rows} rows in ${seconds} s of ${5 * rounds} calls`);
      const hover = await api.hover(source, line);
      assert.match(hover ?? '', /20000 calls · 20000 returns/);
      assert.match(hover ?? '', /Last calls \(a sample, evenly spread\):/);
      assert.match(hover ?? '', /Most returned: -1 ×8000, 750 ×4000, 810 ×4000, 1999 ×4000/);
      await vscode.commands.executeCommand('probeLens.detachAll');
    },
  ],
  [
    'detaching clears the decoration and the Probes view',
    async ({ api, sample }) => {
      const source = path.join(sample, 'orders.c');
      await openAt(source, /long apply_discount\(/, 'apply_discount');
      await vscode.commands.executeCommand('probeLens.probeFunction');
      assert.equal(api.probes()[0]?.target, 'orders:apply_discount');
      assert.match(api.decorations(source)[0]?.text ?? '', /^ {2}0 calls/);
      await vscode.commands.executeCommand('probeLens.detachAll');
      assert.deepEqual(api.probes(), []);
      assert.deepEqual(api.decorations(source), []);
    },
  ],
];
