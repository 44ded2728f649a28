// Latency quantiles from the helper's exact in-kernel log2 histogram. The histogram only says
// which power-of-two bucket each return fell in, so a quantile is reported as the upper bound
// of its bucket: the true value is below it and at least half of it. Callers must say so.

export interface LatencyPercentiles {
  p50: number;
  p99: number;
  max: number;
}

/** Bucket i holds latencies in [2^i, 2^(i+1)) ns (protocol.ts `ProbeStats.latencyHistogram`). */
export function log2BucketUpperBoundNs(bucket: number): number {
  return 2 ** (bucket + 1);
}

/**
 * The upper bound of the bucket holding the q-quantile (0 < q ≤ 1): the first bucket whose
 * cumulative count reaches ceil(q × total), the nearest-rank definition. Undefined when empty.
 */
export function quantileUpperBoundNs(histogram: readonly number[], q: number): number | undefined {
  const total = histogram.reduce((sum, count) => sum + count, 0);
  if (total === 0) return undefined;
  const rank = Math.max(1, Math.ceil(q * total));
  let cumulative = 0;
  for (const [bucket, count] of histogram.entries()) {
    cumulative += count;
    if (cumulative >= rank) return log2BucketUpperBoundNs(bucket);
  }
  return undefined;
}

/** p50, p99 and max as bucket upper bounds; undefined when no return was counted. */
export function percentilesFromLog2Histogram(histogram: readonly number[]): LatencyPercentiles | undefined {
  const p50 = quantileUpperBoundNs(histogram, 0.5);
  const p99 = quantileUpperBoundNs(histogram, 0.99);
  const max = quantileUpperBoundNs(histogram, 1);
  if (p50 === undefined || p99 === undefined || max === undefined) return undefined;
  return { p50, p99, max };
}
