// Percentiles from log2 latency histograms (extension/core/latency.ts).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { log2BucketUpperBoundNs, percentilesFromLog2Histogram, quantileUpperBoundNs } from '../../out/test-core/latency.mjs';

describe('percentilesFromLog2Histogram', () => {
  it('is undefined for an empty histogram', () => {
    assert.equal(percentilesFromLog2Histogram([]), undefined);
    assert.equal(percentilesFromLog2Histogram([0, 0, 0]), undefined);
  });

  it('reports bucket upper bounds: bucket i is [2^i, 2^(i+1)) ns', () => {
    assert.equal(log2BucketUpperBoundNs(0), 2);
    assert.equal(log2BucketUpperBoundNs(9), 1024);
    const histogram = [];
    histogram[9] = 1; // one return in [512, 1024)
    assert.deepEqual(percentilesFromLog2Histogram(Array.from(histogram, (count) => count ?? 0)), { p50: 1024, p99: 1024, max: 1024 });
  });

  it('uses the nearest-rank definition', () => {
    // 100 returns: 98 in bucket 8, 1 in bucket 10, 1 in bucket 20.
    const histogram = new Array(21).fill(0);
    histogram[8] = 98;
    histogram[10] = 1;
    histogram[20] = 1;
    assert.deepEqual(percentilesFromLog2Histogram(histogram), { p50: 512, p99: 2048, max: 2 ** 21 });
    assert.equal(quantileUpperBoundNs(histogram, 0.98), 512);
    assert.equal(quantileUpperBoundNs(histogram, 0.985), 2048);
  });

  it('puts p50 in the upper bucket when exactly half is below', () => {
    assert.deepEqual(percentilesFromLog2Histogram([0, 2, 2]), { p50: 4, p99: 8, max: 8 });
    assert.deepEqual(percentilesFromLog2Histogram([0, 2, 3]), { p50: 8, p99: 8, max: 8 });
  });

  it('places max in the highest non-empty bucket even with trailing zeros', () => {
    assert.equal(percentilesFromLog2Histogram([1, 0, 0, 1, 0, 0])?.max, 16);
  });
});
