// OpenTelemetry (issue 14): `probe-lens probe … --otlp-endpoint URL` pushes the probe's exact
// counters over OTLP/HTTP with the OpenTelemetry JS SDK; a receiver here decodes the real OTLP
// protobuf (@opentelemetry/otlp-transformer's generated schema) and checks the same numbers the
// program made: calls and returns as monotonic cumulative sums, latency as an exponential
// histogram (scale 0: the kernel's log2 buckets) with its count and sum, and the code.*
// semantic-convention attributes.

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = path.join(ROOT, 'bin', 'probe-lens');
const SOURCE = path.join(ROOT, 'test', 'fixtures', 'wait-then-tick.c');
const notRoot = process.getuid() !== 0 && 'uprobes need root: run the probe tests as root';
const { opentelemetry } = createRequire(import.meta.url)('@opentelemetry/otlp-transformer/build/src/generated/root');
const ExportMetricsServiceRequest = opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
const CALLS = 300;

/** An OTLP/HTTP metrics receiver: every request decoded from protobuf, kept in order. */
async function receiver() {
  const requests = [];
  const server = createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      assert.equal(request.headers['content-type'], 'application/x-protobuf');
      requests.push({ url: request.url, body: ExportMetricsServiceRequest.toObject(ExportMetricsServiceRequest.decode(Buffer.concat(chunks)), { longs: Number }) });
      response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { requests, url: `http://127.0.0.1:${server.address().port}/v1/metrics`, close: () => new Promise((resolve) => server.close(resolve)) };
}

const attributes = (list) => Object.fromEntries(list.map(({ key, value }) => [key, value.stringValue ?? value.intValue]));

describe('OpenTelemetry: --otlp-endpoint', { skip: notRoot, timeout: 120_000 }, () => {
  const work = mkdtempSync(path.join(tmpdir(), 'probe-lens-otlp-'));
  chmodSync(work, 0o755);
  after(() => rmSync(work, { recursive: true, force: true }));

  it('pushes exact calls, returns and an exponential latency histogram with code.* attributes, decoded from real OTLP protobuf', async () => {
    const program = path.join(work, 'wait-then-tick');
    execFileSync('gcc', ['-g', '-O0', '-o', program, SOURCE]);
    const otlp = await receiver();
    try {
      const cli = spawn(process.execPath, [CLI, 'probe', `${program}:tick`, '--no-events', '--otlp-endpoint', otlp.url, '--', program, String(CALLS)], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stderr = '';
      cli.stderr.on('data', (data) => (stderr += data));
      cli.stdin.end('go\n');
      const status = await new Promise((resolve) => cli.on('exit', resolve));
      assert.equal(status, 0, stderr);
      assert.match(stderr, new RegExp(`Pushing metrics over OTLP to ${otlp.url.replace(/[/.]/g, '\\$&')}`));
      assert.ok(otlp.requests.length > 0, 'at least the export at shutdown');
      const last = otlp.requests.at(-1);
      assert.equal(last.url, '/v1/metrics');
      const [resourceMetrics] = last.body.resourceMetrics;
      const resource = attributes(resourceMetrics.resource.attributes);
      assert.equal(resource['service.name'], 'probe-lens');
      assert.ok(resource['host.name']);
      const metrics = Object.fromEntries(resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics).map((metric) => [metric.name, metric]));
      const cumulative = 2; // AGGREGATION_TEMPORALITY_CUMULATIVE
      for (const name of ['probe_lens.calls', 'probe_lens.returns']) {
        assert.equal(metrics[name].sum.isMonotonic, true);
        assert.equal(metrics[name].sum.aggregationTemporality, cumulative);
        assert.equal(metrics[name].sum.dataPoints[0].asInt, CALLS, name);
      }
      const point = metrics['probe_lens.calls'].sum.dataPoints[0];
      const tickLine = readFileSync(SOURCE, 'utf8').split('\n').findIndex((line) => /long tick\(long i\)/.test(line)) + 1;
      assert.deepEqual(attributes(point.attributes), {
        'code.function.name': 'tick', 'code.file.path': SOURCE, 'code.line.number': tickLine, 'probe_lens.binary': program,
      });
      const latency = metrics['probe_lens.latency'];
      assert.equal(latency.unit, 'ns');
      assert.equal(latency.exponentialHistogram.aggregationTemporality, cumulative);
      const histogram = latency.exponentialHistogram.dataPoints[0];
      assert.equal(histogram.scale, 0);
      assert.equal(histogram.count, CALLS);
      assert.equal(histogram.positive.bucketCounts.reduce((sum, n) => sum + n, 0), CALLS);
      assert.ok(histogram.sum > 0 && histogram.sum < CALLS * 1e9, `the exact sum of ${CALLS} latencies in ns: ${histogram.sum}`);
      assert.ok(histogram.positive.offset >= 8, `no call faster than 256 ns: offset ${histogram.positive.offset}`);
    } finally {
      await otlp.close();
    }
  });
});
