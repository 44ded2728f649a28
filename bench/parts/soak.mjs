// Soak: probe-lens streaming every record of a function called as fast as this machine can,
// for BENCH_SOAK_SECONDS (default 600), its stdout read as fast as it comes. Samples the resident
// memory of the CLI and of the helper every 10 s: both must stay flat (a leak or an unbounded
// queue shows as growth), and the final counts must be exact with every record shown or counted
// as dropped. Not compared with bpftrace: this is about staying up, not about speed.

import { readFileSync } from 'node:fs';
import { BenchError, childPids, compileFixture, probeLensBin, round, sleep, start, stop, table, waitForStdoutLine } from '../lib.mjs';

export const name = 'soak';

const SECONDS = Number(process.env.BENCH_SOAK_SECONDS ?? 600);
const SAMPLE_MS = 10_000;
const CALLS = 1e12; // more than it can make in any soak: stopped by SIGINT

function rssKb(pid) {
  try {
    return Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

function helperPid(cliPid) {
  return childPids(cliPid).find((pid) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'probe-lens-help';
    } catch {
      return false;
    }
  });
}

export async function run({ tmpDir }) {
  const binary = await compileFixture('tight-loop', tmpDir);
  const target = `${binary}:work`;
  const cli = start(process.execPath, [probeLensBin, 'probe', target, '--json', '--', binary, String(CALLS)]);
  await waitForStdoutLine(cli, (line) => line.includes('"type":"attached"'), 30_000, 'the attached line');
  const helper = helperPid(cli.pid);
  if (helper === undefined) throw new BenchError('cannot find the helper under the CLI');
  cli.child.stdin.write('go\n'); // the fixture starts its loop on a line on stdin (the CLI's, shared)
  const samples = [];
  const startedMs = Date.now();
  while (Date.now() - startedMs < SECONDS * 1000) {
    await sleep(Math.min(SAMPLE_MS, SECONDS * 1000 - (Date.now() - startedMs)));
    samples.push({ atSeconds: round((Date.now() - startedMs) / 1000, 0), cliKb: rssKb(cli.pid), helperKb: rssKb(helper), stdoutBytes: cli.stdout.bytes });
  }
  const status = await stop(cli, 60_000);
  const lines = cli.stdout.lastLines();
  const summary = JSON.parse(lines.at(-1) ?? '{}');
  if (summary.type !== 'summary') throw new BenchError(`the last line is not the summary: ${lines.at(-1)}\n${cli.stderr.text()}`);
  const probe = summary.probes[0];
  // Past the first sample (start-up, buffers filling), memory must not grow.
  const settled = samples.slice(1);
  const growth = (key) => (settled.length < 2 ? 0 : settled.at(-1)[key] - settled[0][key]);
  return {
    seconds: SECONDS,
    exit: { code: status.code, signal: status.signal },
    calls: probe.calls,
    returns: probe.returns,
    dropped: probe.dropped,
    callsPerSecond: round(probe.calls / SECONDS, 0),
    samples,
    cliGrowthKb: growth('cliKb'),
    helperGrowthKb: growth('helperKb'),
    cliPeakKb: Math.max(...samples.map((s) => s.cliKb)),
    helperPeakKb: Math.max(...samples.map((s) => s.helperKb)),
  };
}

export function report(r) {
  const rows = r.samples.map((s) => [`${s.atSeconds} s`, `${(s.cliKb / 1024).toFixed(1)} MB`, `${(s.helperKb / 1024).toFixed(1)} MB`, `${(s.stdoutBytes / 2 ** 20).toFixed(0)} MB`]);
  return [
    `Soak: ${r.seconds} s streaming every record of a tight loop (${r.callsPerSecond}/s): ${r.calls} calls, ${r.returns} returns, ${r.dropped} records dropped (counted)`,
    table(['time', 'CLI RSS', 'helper RSS', 'stdout so far'], rows),
    `Growth after the first sample: CLI ${r.cliGrowthKb} kB, helper ${r.helperGrowthKb} kB; peaks ${(r.cliPeakKb / 1024).toFixed(1)} MB and ${(r.helperPeakKb / 1024).toFixed(1)} MB`,
  ].join('\n');
}
