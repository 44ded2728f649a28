// Scales past one machine (issue 14): two `probe-lens agent`s (two helpers), each probing tick()
// in a process of its own, scraped by Debian's real Prometheus server on loopback; its HTTP API
// must report, summed over both, exactly the calls the processes made, and the latency
// histogram must count each of them. Also `probe --metrics-listen` read directly.

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = path.join(ROOT, 'bin', 'probe-lens');
const notRoot = process.getuid() !== 0 && 'uprobes need root: run the probe tests as root';
const CALLS = [300, 200];

/** A port free now, on loopback. */
async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A child process, its output gathered, and a wait for a line matching `pattern`. */
function started(command, args, options = {}) {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], ...options });
  let output = '';
  const waiters = [];
  const listen = (data) => {
    output += data;
    for (const waiter of waiters.splice(0)) {
      if (waiter.pattern.test(output)) waiter.resolve();
      else waiters.push(waiter);
    }
  };
  child.stdout.setEncoding('utf8').on('data', listen);
  child.stderr.setEncoding('utf8').on('data', listen);
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    exited,
    output: () => output,
    waitFor: (pattern, ms = 30_000) => new Promise((resolve, reject) => {
      if (pattern.test(output)) return resolve();
      const timer = setTimeout(() => reject(new Error(`no ${pattern} in ${ms} ms from ${command}: ${output}`)), ms);
      waiters.push({ pattern, resolve: () => (clearTimeout(timer), resolve()) });
    }),
  };
}

async function query(prometheus, expression) {
  const response = await fetch(`http://127.0.0.1:${prometheus}/api/v1/query?query=${encodeURIComponent(expression)}`);
  const body = await response.json();
  assert.equal(body.status, 'success', JSON.stringify(body));
  return body.data.result;
}

/** Polls a PromQL expression until its single value is `expected` (or the time is up). */
async function untilValue(prometheus, expression, expected, ms = 45_000) {
  let last;
  for (const deadline = Date.now() + ms; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 500))) {
    last = await query(prometheus, expression);
    if (last.length === 1 && Number(last[0].value[1]) === expected) return;
  }
  assert.fail(`${expression} never reached ${expected}: ${JSON.stringify(last)}`);
}

describe('Prometheus: two agents scraped by a real Prometheus', { skip: notRoot, timeout: 180_000 }, () => {
  const work = mkdtempSync(path.join(tmpdir(), 'probe-lens-metrics-'));
  chmodSync(work, 0o755);
  const program = path.join(work, 'wait-then-tick');
  const running = [];
  let prometheusPort;
  let workloads;

  before(async () => {
    execFileSync('gcc', ['-g', '-O0', '-o', program, path.join(ROOT, 'test', 'fixtures', 'wait-then-tick.c')]);
    workloads = CALLS.map((calls) => started(program, [String(calls), '--linger']));
    running.push(...workloads);
    await Promise.all(workloads.map((workload) => workload.waitFor(/ready/)));
    const agentPorts = await Promise.all(CALLS.map(() => freePort()));
    for (const [index, workload] of workloads.entries()) {
      const config = path.join(work, `agent-${index}.jsonc`);
      writeFileSync(config, `{\n  // one process each\n  "metricsListen": "127.0.0.1:${agentPorts[index]}",\n  "probes": ["${program}:tick"],\n  "pid": ${workload.child.pid}\n}\n`);
      const agent = started(process.execPath, [CLI, 'agent', '--config', config]);
      running.push(agent);
      await agent.waitFor(/Attached probe/);
    }
    prometheusPort = await freePort();
    const prometheusConfig = path.join(work, 'prometheus.yml');
    writeFileSync(prometheusConfig, [
      'global:', '  scrape_interval: 1s', 'scrape_configs:', '  - job_name: probe-lens',
      `    static_configs: [{ targets: [${agentPorts.map((port) => `'127.0.0.1:${port}'`).join(', ')}] }]`, '',
    ].join('\n'));
    const prometheus = started('prometheus', [`--config.file=${prometheusConfig}`, `--storage.tsdb.path=${path.join(work, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${prometheusPort}`]);
    running.push(prometheus);
    await prometheus.waitFor(/Server is ready to receive web requests/);
    await untilValue(prometheusPort, 'count(up{job="probe-lens"} == 1)', CALLS.length);
  });

  after(async () => {
    for (const process of running.reverse()) {
      process.child.stdin.end();
      process.child.kill('SIGTERM');
      await Promise.race([process.exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    }
    rmSync(work, { recursive: true, force: true });
  });

  it('sums the calls of both processes exactly, one series each, by binary, function, host and pid', async () => {
    for (const workload of workloads) workload.child.stdin.write('go\n');
    await Promise.all(workloads.map((workload) => workload.waitFor(/done/)));
    const total = CALLS.reduce((sum, calls) => sum + calls, 0);
    await untilValue(prometheusPort, 'sum(probe_lens_calls_total{function="tick"})', total);
    const series = await query(prometheusPort, 'probe_lens_calls_total{function="tick"}');
    assert.deepEqual(series.map((s) => [s.metric.pid, Number(s.value[1])]).sort((a, b) => b[1] - a[1]),
      workloads.map((workload, index) => [String(workload.child.pid), CALLS[index]]));
    assert.ok(series.every((s) => s.metric.binary === program && s.metric.host !== undefined));
    await untilValue(prometheusPort, 'sum(probe_lens_returns_total{function="tick"})', total);
    await untilValue(prometheusPort, 'sum(probe_lens_latency_seconds_count{function="tick"})', total);
    await untilValue(prometheusPort, 'sum(probe_lens_latency_seconds_bucket{function="tick",le="+Inf"})', total);
    const p99 = await query(prometheusPort, 'histogram_quantile(0.99, sum by (le) (probe_lens_latency_seconds_bucket{function="tick"}))');
    assert.ok(Number(p99[0].value[1]) > 0 && Number(p99[0].value[1]) < 1, `a p99 latency from the buckets: ${JSON.stringify(p99)}`);
  });

  it('every query of the Grafana dashboard (deploy/grafana) runs on this Prometheus, and its table counts the calls made', async () => {
    const dashboard = JSON.parse(readFileSync(path.join(ROOT, 'deploy', 'grafana', 'probe-lens.json'), 'utf8'));
    // Grafana's variables as it would fill them: every host and function, a rate window, the range.
    const filled = (expr) => expr.replace(/\$host|\$function/g, '.*').replace(/\$__rate_interval/g, '1m').replace(/\$__range/g, '5m');
    for (const target of dashboard.panels.flatMap((panel) => panel.targets)) await query(prometheusPort, filled(target.expr));
    const table = dashboard.panels.find((panel) => panel.type === 'table').targets[0];
    const rows = await query(prometheusPort, filled(table.expr));
    assert.deepEqual(rows.map((row) => row.metric.function), ['tick']);
    // increase() extrapolates to the window's edges: about the calls made, not a count.
    assert.ok(Number(rows[0].value[1]) > 0, JSON.stringify(rows));
  });
});
