// The extension benchmark's load, run inside the real extension host (bench/parts/extension.mjs
// loads out/test/extension/bench-load.js through the payload route): Probe This Function on a
// fixture's work(), then a phase with no calls (what VS Code itself costs here), then work() at a
// steady high call rate, once with only the editor showing the annotation and once with the
// Calls panel open too. For each phase it measures the extension
// host's own CPU time (process.cpuUsage: this process), the helper's (/proc), the decoration
// updates and panel batches per second, and checks the counts are exact; one `BENCH {json}`
// line reports it all. Settings come in PROBE_LENS_BENCH (JSON).

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { ProbeLensApi } from '../../../extension/vscode/test-api';
import { openAt, waitFor } from './util';

interface BenchSettings {
  source: string;
  binary: string;
  rate: number;
  seconds: number;
}

interface FixtureResult {
  calls: number;
  elapsed_ns: number;
  calls_per_second: number;
}

const CLOCK_TICKS = 100;

function processCpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

function runFixture(binary: string, rate: number, seconds: number): Promise<FixtureResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, [String(rate), String(seconds)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`${binary} exited with ${code}: ${err}`));
      else resolve(JSON.parse(out.trim()) as FixtureResult);
    });
  });
}

/** Nothing called for as long as a loaded phase takes: the extension host's own baseline. */
async function idle(seconds: number): Promise<FixtureResult> {
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  return { calls: 0, elapsed_ns: seconds * 1e9, calls_per_second: 0 };
}

async function phase(api: ProbeLensApi, settings: BenchSettings, name: string, load: () => Promise<FixtureResult>) {
  const before = api.probes()[0];
  if (before === undefined) throw new Error('the probe is gone');
  const helperPid = api.helperPid();
  const cpu0 = process.cpuUsage();
  const helper0 = processCpuSeconds(helperPid);
  const updates0 = api.decorationUpdates();
  const batches0 = api.panel().batches;
  const rows0 = api.panelRows();
  const started = performance.now();
  const fixture = await load();
  const wallSeconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const helper1 = processCpuSeconds(helperPid);
  const updates = api.decorationUpdates() - updates0;
  const batches = api.panel().batches - batches0;
  // Exact: the kernel's counters, delivered with the next stats notification.
  const expected = before.calls + fixture.calls;
  const settled = await waitFor(
    `${expected} calls counted`,
    () => {
      const now = api.probes()[0];
      return now !== undefined && now.calls >= expected && now.returns >= before.returns + fixture.calls ? now : undefined;
    },
    20_000,
  ).catch(() => api.probes()[0]);
  const extHostCpuSeconds = (cpu.user + cpu.system) / 1e6;
  return {
    name,
    calls: fixture.calls,
    callsPerSecond: Math.round(fixture.calls_per_second),
    wallSeconds: Number(wallSeconds.toFixed(2)),
    extHostCpuSeconds: Number(extHostCpuSeconds.toFixed(3)),
    extHostCpuPercentOfCore: Number(((extHostCpuSeconds / wallSeconds) * 100).toFixed(1)),
    helperCpuPercentOfCore: helper0 === null || helper1 === null ? null : Number((((helper1 - helper0) / wallSeconds) * 100).toFixed(1)),
    decorationUpdates: updates,
    decorationUpdatesPerSecond: Number((updates / wallSeconds).toFixed(1)),
    panelBatches: batches,
    panelBatchesPerSecond: Number((batches / wallSeconds).toFixed(1)),
    countedCalls: (settled?.calls ?? 0) - before.calls,
    countedReturns: (settled?.returns ?? 0) - before.returns,
    dropped: (settled?.dropped ?? 0) - before.dropped,
    sampledOut: (settled?.sampledOut ?? 0) - before.sampledOut,
    rowsReceived: api.panelRows() - rows0,
    countsExact: settled?.calls === expected && settled.returns === before.returns + fixture.calls,
    decoration: api.decorations(settings.source)[0]?.text ?? null,
  };
}

export async function run(): Promise<void> {
  const settings = JSON.parse(process.env['PROBE_LENS_BENCH'] ?? 'null') as BenchSettings | null;
  if (settings === null) throw new Error('PROBE_LENS_BENCH (JSON settings) is not set');
  const extension = vscode.extensions.getExtension<ProbeLensApi>('probe-lens.probe-lens');
  if (extension === undefined) throw new Error('the extension probe-lens.probe-lens is not loaded');
  const api = await extension.activate();
  await openAt(settings.source, /long work\(/, 'work');
  await vscode.commands.executeCommand('probeLens.probeFunction');
  const probe = api.probes()[0];
  if (probe?.state !== 'live') throw new Error(`the probe is not live: ${probe?.state ?? 'none'} ${api.shownErrors().join(' | ')}`);
  // Warm-up: the first events load code paths the measured phases should not pay for.
  const warmUp = await runFixture(settings.binary, 10_000, 0.5);
  await waitFor('the warm-up counted', () => (api.probes()[0]?.calls === warmUp.calls && api.probes()[0]?.returns === warmUp.calls ? true : undefined));

  const loaded = () => runFixture(settings.binary, settings.rate, settings.seconds);
  const editor = await phase(api, settings, 'editor', loaded);
  const phases = [await phase(api, settings, 'idle (no calls)', () => idle(editor.wallSeconds)), editor];
  await vscode.commands.executeCommand('probeLens.showPanel');
  await waitFor('the Calls panel', () => api.panel().ready || undefined);
  phases.push(await phase(api, settings, 'editor + Calls panel', loaded));
  const report = await api.panelReport();
  console.log(
    `BENCH ${JSON.stringify({
      phases,
      panel: report === undefined ? null : { rows: report.rows, shown: report.shown, renderedRows: report.rendered.length, logRows: api.panelRows() },
    })}`,
  );
  // The benchmark takes its screenshot of the full panel now.
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  await vscode.commands.executeCommand('probeLens.detachAll');
}
