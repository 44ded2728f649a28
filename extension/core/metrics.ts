// Probe counters for other tools: the helper's exact counters as last sent, added up over a
// probe's attachments so that they only go up (ProbeTotals), served in the Prometheus exposition
// format at /metrics (`--metrics-listen`: prom-client writes the format) and pushed over OTLP
// (`--otlp-endpoint`, otlp.ts).

import { createServer, type Server } from 'node:http';
import { hostname } from 'node:os';
import { Registry, type Metric } from 'prom-client';
import { ProbeLensError } from './errors';
import type { ProbeStats } from './protocol';

/** What a probe's series are labelled with (bounded: no per-call values). */
export interface ProbeLabels {
  binary: string;
  function: string;
  /** Where the function is defined, when its DWARF says. */
  file?: string;
  line?: string;
  /** Only for a probe bound to one process. */
  pid?: string;
}

/** A probe's counters over all its attachments. */
export interface ProbeTotal {
  labels: ProbeLabels;
  hasCondition: boolean;
  calls: number;
  returns: number;
  matched: number;
  dropped: number;
  sampledOut: number;
  /** latencyHistogram[i]: returns with latency in [2^i, 2^(i+1)) ns. */
  latencyHistogram: number[];
  latencySumNs: number;
}

interface Counted {
  labels: ProbeLabels;
  hasCondition: boolean;
  closed: ProbeStats[];
  current: ProbeStats | undefined;
  /** The helper's probe id counts into it; false once that attachment ended. */
  open: boolean;
}

function sum(list: readonly ProbeStats[], pick: (stats: ProbeStats) => number): number {
  return list.reduce((total, stats) => total + pick(stats), 0);
}

export class ProbeTotals {
  private readonly probes = new Map<number, Counted>();

  /** A probe to report: its series appear with its first stats. */
  add(probe: number, labels: ProbeLabels, hasCondition: boolean): void {
    this.probes.set(probe, { labels, hasCondition, closed: [], current: undefined, open: true });
  }

  /** The helper's counters for `probe`'s current attachment. */
  update(probe: number, stats: ProbeStats): void {
    const counted = this.probes.get(probe);
    if (counted?.open === true) counted.current = stats;
  }

  /**
   * `probe`'s attachment ended with these final counters (an ended probe is also detached: the
   * second time counts nothing); `next`, when given, carries its counts on.
   */
  close(probe: number, finalStats: ProbeStats | undefined, next?: number): void {
    const counted = this.probes.get(probe);
    if (counted?.open !== true) return;
    const last = finalStats ?? counted.current;
    if (last !== undefined) counted.closed.push(last);
    counted.current = undefined;
    counted.open = next !== undefined;
    if (next !== undefined) {
      this.probes.delete(probe);
      this.probes.set(next, counted);
    }
  }

  /** Every probe's counters now. */
  list(): ProbeTotal[] {
    return [...this.probes.values()].map(({ labels, hasCondition, closed, current }) => {
      const all = current === undefined ? closed : [...closed, current];
      const length = Math.max(0, ...all.map((stats) => stats.latencyHistogram.length));
      return {
        labels,
        hasCondition,
        calls: sum(all, (stats) => stats.calls),
        returns: sum(all, (stats) => stats.returns),
        matched: sum(all, (stats) => stats.matched ?? 0),
        dropped: sum(all, (stats) => stats.dropped),
        sampledOut: sum(all, (stats) => stats.sampledOut),
        latencyHistogram: Array.from({ length }, (_, i) => sum(all, (stats) => stats.latencyHistogram[i] ?? 0)),
        latencySumNs: sum(all, (stats) => stats.latencySumNs ?? 0),
      };
    });
  }
}

type MetricValue = { value: number; labels: Record<string, string | number>; metricName?: string };

/** The first bucket's bound is 2^FIRST_BUCKET ns (~1 µs): faster calls all fall in it. */
const FIRST_BUCKET = 10;
/** The last finite bucket's bound, 2^LAST_BUCKET ns (~69 s). */
const LAST_BUCKET = 36;

/** The totals as Prometheus metrics, read when scraped. */
export class PrometheusMetrics {
  readonly registry = new Registry();

  constructor(private readonly totals: ProbeTotals, host = hostname()) {
    this.registry.setDefaultLabels({ host });
    const counter = (name: string, help: string, pick: (total: ProbeTotal) => number, only: (total: ProbeTotal) => boolean = () => true): void =>
      this.register(name, help, 'counter', () => this.totals.list().filter(only).map((total) => ({ value: pick(total), labels: { ...total.labels } })));
    counter('probe_lens_calls_total', 'Calls of the probed function, counted exactly in the kernel.', (total) => total.calls);
    counter('probe_lens_returns_total', 'Returns of the probed function (with a condition: of the calls that met it).', (total) => total.returns);
    counter('probe_lens_matched_total', 'Calls that met the probe\'s condition.', (total) => total.matched, (total) => total.hasCondition);
    counter('probe_lens_records_dropped_total', 'Call and return records lost (ring buffer full, or over the event rate).', (total) => total.dropped);
    counter('probe_lens_records_sampled_out_total', 'Call and return records left out on purpose by the sampling (counts stay exact).', (total) => total.sampledOut);
    this.register('probe_lens_latency_seconds', 'Latency from call to return, in the kernel\'s log2 buckets (a bound is 2^k ns).', 'histogram', () =>
      this.totals.list().flatMap(latencySeries),
    );
  }

  /** A metric whose values are read when scraped; prom-client writes them out. */
  private register(name: string, help: string, type: 'counter' | 'histogram', values: () => MetricValue[]): void {
    const metric = { name, help, type, aggregator: 'sum', get: () => ({ name, help, type, aggregator: 'sum', values: values() }) };
    this.registry.registerMetric(metric as unknown as Metric);
  }
}

function latencySeries(total: ProbeTotal): MetricValue[] {
  const name = 'probe_lens_latency_seconds';
  const series: MetricValue[] = [];
  let cumulative = 0;
  for (let i = 0; i < LAST_BUCKET; i++) {
    cumulative += total.latencyHistogram[i] ?? 0;
    if (i + 1 >= FIRST_BUCKET) series.push({ metricName: `${name}_bucket`, value: cumulative, labels: { ...total.labels, le: 2 ** (i + 1) / 1e9 } });
  }
  const count = total.latencyHistogram.reduce((all, n) => all + n, 0);
  series.push({ metricName: `${name}_bucket`, value: count, labels: { ...total.labels, le: '+Inf' } });
  series.push({ metricName: `${name}_sum`, value: total.latencySumNs / 1e9, labels: { ...total.labels } });
  series.push({ metricName: `${name}_count`, value: count, labels: { ...total.labels } });
  return series;
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
export async function serveMetrics(metrics: PrometheusMetrics, address: string): Promise<Server> {
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
