// Probe counters pushed over OTLP/HTTP (protobuf) with the OpenTelemetry JS SDK
// (`--otlp-endpoint URL`): calls, returns and matched as monotonic cumulative sums, latency as an
// exponential histogram at scale 0 — whose buckets (2^i, 2^(i+1)] ns are the kernel's log2 ones,
// so nothing is re-bucketed — with its exact count and sum. The SDK exports periodically and
// once more at shutdown; the values come from ProbeTotals.

import type { HrTime } from '@opentelemetry/api';
import { ValueType } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { Resource } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  InstrumentType,
  MeterProvider,
  PeriodicExportingMetricReader,
  type CollectionResult,
  type MetricData,
  type MetricProducer,
} from '@opentelemetry/sdk-metrics';
import { hostname } from 'node:os';
import type { ProbeTotal, ProbeTotals } from './metrics';

const SCOPE = { name: 'probe-lens' };

function hrTime(ms: number): HrTime {
  return [Math.floor(ms / 1000), Math.round((ms % 1000) * 1e6)];
}

/** A probe's attributes: semantic conventions' code.* where they fit. */
export function otlpAttributes(total: ProbeTotal): Record<string, string | number> {
  const { labels } = total;
  return {
    'code.function.name': labels.function,
    ...(labels.file === undefined ? {} : { 'code.file.path': labels.file }),
    ...(labels.line === undefined ? {} : { 'code.line.number': Number(labels.line) }),
    'probe_lens.binary': labels.binary,
    ...(labels.pid === undefined ? {} : { 'process.pid': Number(labels.pid) }),
  };
}

/** The kernel's log2 buckets as an exponential histogram's positive buckets at scale 0. */
export function exponentialBuckets(histogram: readonly number[]): { offset: number; bucketCounts: number[] } {
  const first = histogram.findIndex((count) => count > 0);
  if (first < 0) return { offset: 0, bucketCounts: [] };
  let last = histogram.length - 1;
  while (last > first && (histogram[last] ?? 0) === 0) last--;
  return { offset: first, bucketCounts: histogram.slice(first, last + 1) };
}

/** What the SDK's reader collects, from the totals as they are at that moment. */
export class ProbeMetricProducer implements MetricProducer {
  private readonly startTime = hrTime(Date.now());

  constructor(private readonly totals: ProbeTotals) {}

  collect(): Promise<CollectionResult> {
    const endTime = hrTime(Date.now());
    const list = this.totals.list();
    const sum = (name: string, description: string, pick: (total: ProbeTotal) => number, only: (total: ProbeTotal) => boolean = () => true): MetricData => ({
      descriptor: { name, description, unit: '{call}', valueType: ValueType.INT, type: InstrumentType.OBSERVABLE_COUNTER },
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.SUM,
      isMonotonic: true,
      dataPoints: list.filter(only).map((total) => ({ attributes: otlpAttributes(total), startTime: this.startTime, endTime, value: pick(total) })),
    });
    const metrics: MetricData[] = [
      sum('probe_lens.calls', 'Calls of the probed function, counted exactly in the kernel.', (total) => total.calls),
      sum('probe_lens.returns', 'Returns of the probed function (with a condition: of the calls that met it).', (total) => total.returns),
      sum('probe_lens.matched', 'Calls that met the probe\'s condition.', (total) => total.matched, (total) => total.hasCondition),
      sum('probe_lens.records.dropped', 'Call and return records lost (ring buffer full, or over the event rate).', (total) => total.dropped),
      {
        descriptor: { name: 'probe_lens.latency', description: 'Latency from call to return, in the kernel\'s log2 buckets.', unit: 'ns', valueType: ValueType.INT, type: InstrumentType.HISTOGRAM },
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.EXPONENTIAL_HISTOGRAM,
        dataPoints: list.map((total) => ({
          attributes: otlpAttributes(total),
          startTime: this.startTime,
          endTime,
          value: {
            count: total.latencyHistogram.reduce((all, n) => all + n, 0),
            sum: total.latencySumNs,
            scale: 0,
            zeroCount: 0,
            positive: exponentialBuckets(total.latencyHistogram),
            negative: { offset: 0, bucketCounts: [] },
          },
        })),
      },
    ];
    return Promise.resolve({
      resourceMetrics: { resource: Resource.empty(), scopeMetrics: [{ scope: SCOPE, metrics: metrics.filter((metric) => metric.dataPoints.length > 0) }] },
      errors: [],
    });
  }
}

/** Pushes the totals to `url` (an OTLP/HTTP metrics endpoint) every `intervalMs`; stop() pushes the last values. */
export function pushOtlp(totals: ProbeTotals, url: string, intervalMs = 10_000): { stop(): Promise<void> } {
  const provider = new MeterProvider({
    resource: new Resource({ 'service.name': 'probe-lens', 'host.name': hostname() }),
    readers: [new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url }), exportIntervalMillis: intervalMs, metricProducers: [new ProbeMetricProducer(totals)] })],
  });
  return { stop: () => provider.shutdown() };
}
