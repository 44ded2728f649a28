// Probe counters in the Prometheus exposition format, served at /metrics (`probe-lens probe …
// --metrics-listen`, `probe-lens agent`). prom-client writes the format; the values are the
// helper's exact counters as last sent, added up over a probe's attachments so that counters
// only go up. Latency is a histogram with the kernel's log2 buckets, in seconds.

import { createServer, type Server } from 'node:http';
import { hostname } from 'node:os';
import { Registry, type Metric } from 'prom-client';
import { ProbeLensError } from './errors';
import type { ProbeStats } from './protocol';

/** What a probe's series are labelled with (bounded: no per-call values). */
export interface ProbeLabels {
  binary: string;
  function: string;
  /** Only for a probe bound to one process. */
  pid?: string;
}

/** A probe's counters over its attachments. */
interface Counted {
  labels: ProbeLabels;
  hasCondition: boolean;
  closed: ProbeStats[];
  current: ProbeStats | undefined;
}

type MetricValue = { value: number; labels: Record<string, string | number>; metricName?: string };

/** The first bucket's bound is 2^FIRST_BUCKET ns (~1 µs): faster calls all fall in it. */
const FIRST_BUCKET = 10;
/** The last finite bucket's bound, 2^LAST_BUCKET ns (~69 s). */
const LAST_BUCKET = 36;

function sum(list: readonly ProbeStats[], pick: (stats: ProbeStats) => number): number {
  return list.reduce((total, stats) => total + pick(stats), 0);
}

export class ProbeMetrics {
  readonly registry = new Registry();
  private readonly probes = new Map<number, Counted>();

  constructor(host = hostname()) {
    this.registry.setDefaultLabels({ host });
    const counter = (name: string, help: string, pick: (stats: ProbeStats) => number, only: (probe: Counted) => boolean = () => true): void =>
      this.register(name, help, 'counter', () => [...this.probes.values()].filter(only).map((probe) => ({ value: this.total(probe, pick), labels: { ...probe.labels } })));
    counter('probe_lens_calls_total', 'Calls of the probed function, counted exactly in the kernel.', (stats) => stats.calls);
    counter('probe_lens_returns_total', 'Returns of the probed function (with a condition: of the calls that met it).', (stats) => stats.returns);
    counter('probe_lens_matched_total', 'Calls that met the probe\'s condition.', (stats) => stats.matched ?? 0, (probe) => probe.hasCondition);
    counter('probe_lens_records_dropped_total', 'Call and return records lost (ring buffer full, or over the event rate).', (stats) => stats.dropped);
    counter('probe_lens_records_sampled_out_total', 'Call and return records left out on purpose by the sampling (counts stay exact).', (stats) => stats.sampledOut);
    this.register('probe_lens_latency_seconds', 'Latency from call to return, in the kernel\'s log2 buckets (a bound is 2^k ns).', 'histogram', () =>
      [...this.probes.values()].flatMap((probe) => this.latencySeries(probe)),
    );
  }

  /** A probe to serve: its series appear with its first stats. */
  add(probe: number, labels: ProbeLabels, hasCondition: boolean): void {
    this.probes.set(probe, { labels, hasCondition, closed: [], current: undefined });
  }

  /** The helper's counters for an attachment of `probe` (its current one). */
  update(probe: number, stats: ProbeStats): void {
    const counted = this.probes.get(probe);
    if (counted !== undefined) counted.current = stats;
  }

  /** `probe`'s attachment ended with these final counters; `next`, when given, carries its counts on. */
  close(probe: number, finalStats: ProbeStats | undefined, next?: number): void {
    const counted = this.probes.get(probe);
    if (counted === undefined) return;
    const last = finalStats ?? counted.current;
    if (last !== undefined) counted.closed.push(last);
    counted.current = undefined;
    if (next !== undefined) {
      this.probes.delete(probe);
      this.probes.set(next, counted);
    }
  }

  private total(probe: Counted, pick: (stats: ProbeStats) => number): number {
    return sum(probe.closed, pick) + (probe.current === undefined ? 0 : pick(probe.current));
  }

  private latencySeries(probe: Counted): MetricValue[] {
    const all = [...probe.closed, ...(probe.current === undefined ? [] : [probe.current])];
    const bucket = (i: number): number => sum(all, (stats) => stats.latencyHistogram[i] ?? 0);
    const series: MetricValue[] = [];
    let cumulative = 0;
    for (let i = 0; i < LAST_BUCKET; i++) {
      cumulative += bucket(i);
      if (i + 1 < FIRST_BUCKET) continue;
      series.push({ metricName: 'probe_lens_latency_seconds_bucket', value: cumulative, labels: { ...probe.labels, le: 2 ** (i + 1) / 1e9 } });
    }
    const count = sum(all, (stats) => stats.latencyHistogram.reduce((total, n) => total + n, 0));
    series.push({ metricName: 'probe_lens_latency_seconds_bucket', value: count, labels: { ...probe.labels, le: '+Inf' } });
    series.push({ metricName: 'probe_lens_latency_seconds_sum', value: sum(all, (stats) => stats.latencySumNs ?? 0) / 1e9, labels: { ...probe.labels } });
    series.push({ metricName: 'probe_lens_latency_seconds_count', value: count, labels: { ...probe.labels } });
    return series;
  }

  /** A metric whose values are read when scraped; prom-client writes them out. */
  private register(name: string, help: string, type: 'counter' | 'histogram', values: () => MetricValue[]): void {
    const metric = { name, help, type, aggregator: 'sum', get: () => ({ name, help, type, aggregator: 'sum', values: values() }) };
    this.registry.registerMetric(metric as unknown as Metric);
  }
}

/** `HOST:PORT` or `:PORT` (all interfaces). */
export function parseListenAddress(text: string): { host: string | undefined; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(text);
  const port = Number(match?.[3]);
  if (match === null || !Number.isInteger(port) || port > 65535) {
    throw new ProbeLensError('usage', `bad --metrics-listen '${text}': expected HOST:PORT or :PORT, e.g. 127.0.0.1:9464`);
  }
  const host = match[1] ?? match[2];
  return { host: host === '' ? undefined : host, port };
}

/** Serves GET /metrics until closed; resolves once listening. */
export async function serveMetrics(metrics: ProbeMetrics, address: string): Promise<Server> {
  const { host, port } = parseListenAddress(address);
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || (request.url ?? '').split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Probe Lens serves /metrics\n');
      return;
    }
    metrics.registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      (error: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(error)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(new ProbeLensError('usage', `cannot serve metrics on ${address}: ${error.message}`)));
    server.listen(port, host, resolve);
  });
  return server;
}
