// A log2 histogram as bpftrace's hist() prints it: one line a bucket from the lowest counted to
// the highest, gaps included, each with its range, count and a bar.

/** A counted bucket: 0 holds 0, k > 0 [2^(k-1), 2^k), k < 0 (-2^|k|, -2^(|k|-1)]. */
export interface Log2Bucket {
  bucket: number;
  count: number;
}

const SUFFIXES = ['', 'K', 'M', 'G', 'T', 'P', 'E'];

/** 2^n as bpftrace writes it: 512, 1K, 2M. */
function powerOfTwo(n: number): string {
  const unit = Math.min(Math.floor(n / 10), SUFFIXES.length - 1);
  return `${(2n ** BigInt(n - unit * 10)).toString()}${SUFFIXES[unit] ?? ''}`;
}

export function log2BucketLabel(bucket: number): string {
  const k = Math.abs(bucket);
  if (k === 0) return '[0]';
  if (bucket === 1) return '[1]';
  if (bucket === -1) return '[-1]';
  return bucket > 0 ? `[${powerOfTwo(k - 1)}, ${powerOfTwo(k)})` : `(-${powerOfTwo(k)}, -${powerOfTwo(k - 1)}]`;
}

const BAR_WIDTH = 52;

/** Every bucket from the lowest counted to the highest, the empty ones between kept, labelled. */
export function log2Rows(buckets: readonly Log2Bucket[]): { label: string; count: number }[] {
  if (buckets.length === 0) return [];
  const counts = new Map(buckets.map(({ bucket, count }) => [bucket, count]));
  const low = Math.min(...counts.keys());
  const high = Math.max(...counts.keys());
  return Array.from({ length: high - low + 1 }, (_, i) => ({ label: log2BucketLabel(low + i), count: counts.get(low + i) ?? 0 }));
}

export function log2HistogramLines(buckets: readonly Log2Bucket[]): string[] {
  const rows = log2Rows(buckets);
  if (rows.length === 0) return [];
  const most = Math.max(...rows.map(({ count }) => count));
  const labelWidth = Math.max(...rows.map(({ label }) => label.length));
  const countWidth = Math.max(...rows.map(({ count }) => String(count).length));
  return rows.map(({ label, count }) => {
    const bar = '@'.repeat(Math.round((count * BAR_WIDTH) / most));
    return `${label.padEnd(labelWidth)} ${String(count).padStart(countWidth)} |${bar.padEnd(BAR_WIDTH)}|`;
  });
}
