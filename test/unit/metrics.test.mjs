// The agent's metrics and config: the exposition prom-client writes from the helper's counters
// (counters carried over a probe's attachments, the latency histogram cumulative in seconds with
// an exact sum), listen addresses, and the config file read strictly.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAgentConfig } from '../../out/test-core/agent-config.mjs';
import { parseListenAddress, PrometheusMetrics, ProbeTotals } from '../../out/test-core/metrics.mjs';
import { exponentialBuckets, otlpAttributes } from '../../out/test-core/otlp.mjs';

const stats = (counters) => ({ probe: 1, calls: 0, returns: 0, dropped: 0, sampledOut: 0, maxRecordsPerSecond: 0, latencyHistogram: [], ...counters });
const sample = (text, series) => Number(text.split('\n').find((line) => line.startsWith(series))?.slice(series.length + 1));

describe('ProbeTotals and their Prometheus metrics', () => {
  it('serves exact counters that only go up over attachments, and a cumulative log2 latency histogram in seconds', async () => {
    const metrics = new ProbeTotals();
    const prometheus = new PrometheusMetrics(metrics, 'box');
    metrics.add(7, { binary: '/bin/app', function: 'work', pid: '42' }, false);
    const histogram = Array(12).fill(0);
    histogram[9] = 2; // [512 ns, 1 µs): folded into the first bucket, le 1.024e-6
    histogram[11] = 3; // [2 µs, 4 µs)
    metrics.update(7, stats({ calls: 5, returns: 5, latencyHistogram: histogram, latencySumNs: 9000 }));
    // The binary was rebuilt: its probe ends, and the next attachment (probe 8) counts on from there.
    metrics.close(7, stats({ calls: 6, returns: 5, latencyHistogram: histogram, latencySumNs: 9000 }), 8);
    metrics.update(8, stats({ probe: 8, calls: 4, returns: 4, sampledOut: 8, latencyHistogram: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4], latencySumNs: 12000 }));
    // Ended, then detached: the final counters count once.
    metrics.close(8, stats({ probe: 8, calls: 4, returns: 4, sampledOut: 8, latencyHistogram: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4], latencySumNs: 12000 }));
    metrics.close(8, stats({ probe: 8, calls: 4, returns: 4, sampledOut: 8, latencyHistogram: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4], latencySumNs: 12000 }));
    metrics.update(8, stats({ probe: 8, calls: 99 }));
    const text = await prometheus.registry.metrics();
    const labels = '{binary="/bin/app",function="work",pid="42",host="box"}';
    assert.equal(sample(text, `probe_lens_calls_total${labels}`), 10);
    assert.equal(sample(text, `probe_lens_returns_total${labels}`), 9);
    assert.equal(sample(text, `probe_lens_records_sampled_out_total${labels}`), 8);
    assert.match(text, /# TYPE probe_lens_calls_total counter/);
    assert.match(text, /# TYPE probe_lens_latency_seconds histogram/);
    const bucket = (le) => sample(text, `probe_lens_latency_seconds_bucket{binary="/bin/app",function="work",pid="42",le="${le}",host="box"}`);
    assert.deepEqual([bucket('0.000001024'), bucket('0.000002048'), bucket('0.000004096'), bucket('68.719476736'), bucket('+Inf')], [2, 2, 9, 9, 9]);
    assert.equal(sample(text, `probe_lens_latency_seconds_sum${labels}`), 0.000021);
    assert.equal(sample(text, `probe_lens_latency_seconds_count${labels}`), 9);
    assert.doesNotMatch(text, /probe_lens_matched_total\{/, 'no condition: no matched series');
  });

  it('gives OTLP the kernel\'s log2 buckets as scale-0 exponential buckets, and code.* attributes', () => {
    assert.deepEqual(exponentialBuckets([0, 0, 3, 0, 5, 0, 0]), { offset: 2, bucketCounts: [3, 0, 5] });
    assert.deepEqual(exponentialBuckets([0, 0]), { offset: 0, bucketCounts: [] });
    const total = { labels: { binary: '/bin/app', function: 'work', file: '/src/app.c', line: '12', pid: '42' } };
    assert.deepEqual(otlpAttributes(total), {
      'code.function.name': 'work', 'code.file.path': '/src/app.c', 'code.line.number': 12, 'probe_lens.binary': '/bin/app', 'process.pid': 42,
    });
  });
});

describe('listen addresses and the agent config', () => {
  it('reads HOST:PORT, :PORT and [IPv6]:PORT, and says what a bad one should be', () => {
    assert.deepEqual(parseListenAddress('127.0.0.1:9464'), { host: '127.0.0.1', port: 9464 });
    assert.deepEqual(parseListenAddress(':9464'), { host: undefined, port: 9464 });
    assert.deepEqual(parseListenAddress('[::1]:9464'), { host: '::1', port: 9464 });
    for (const bad of ['9464', 'host:', 'host:99999']) assert.throws(() => parseListenAddress(bad), /expected HOST:PORT or :PORT/);
  });

  it('reads JSON with comments strictly: every field typed, none unknown, errors by line', () => {
    assert.deepEqual(parseAgentConfig('{\n  // scraped by Prometheus\n  "metricsListen": ":9464",\n  "probes": ["/bin/app:work"],\n}', 'a.jsonc'),
      { metricsListen: ':9464', probes: ['/bin/app:work'] });
    assert.deepEqual(parseAgentConfig('{"metricsListen": ":1", "probes": ["a:b"], "pid": 42}', 'a.jsonc').pid, 42);
    const refusals = [
      ['{"metricsListen": ":1", "probes": ["a:b"], "port": 1}', /a\.jsonc: unknown field 'port' \(fields: metricsListen, otlpEndpoint, probes, pid\)/],
      ['{"metricsListen": ":1", "probes": []}', /'probes' must be a non-empty list of targets/],
      ['{"probes": ["a:b"]}', /give 'metricsListen' \(Prometheus\) or 'otlpEndpoint' \(OpenTelemetry\)/],
      ['{"metricsListen": 9464, "probes": ["a:b"]}', /'metricsListen' must be a string/],
      ['{"otlpEndpoint": "collector:4318", "probes": ["a:b"]}', /'otlpEndpoint' must be an http\(s\) URL/],
      ['{"metricsListen": ":1", "probes": ["a:b"], "pid": -3}', /'pid' must be a positive integer/],
      ['{\n"metricsListen": ":1",\n"probes": ["a:b"] oops}', /a\.jsonc: line 3: /],
      ['[1]', /expected an object/],
    ];
    for (const [text, message] of refusals) assert.throws(() => parseAgentConfig(text, 'a.jsonc'), message);
  });
});
