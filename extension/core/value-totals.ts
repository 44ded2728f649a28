// A probe's counted argument values (Show Value Distribution) over several attachments (a pause, a
// helper restart, Run with Probes re-aiming it) and since its counts were last reset. The helper
// counts each attachment from 0 and sends, from probe/stats, the argument's most frequent values
// and its log2 histogram, both exact: the totals add the histograms bucket by bucket (exact
// whatever happens) and the frequent values by value. A value one attachment listed and another
// did not may have been counted there below its top: its total is then a lower bound, and says so.

import type { Log2Bucket } from './histogram';
import type { CapturedValue, ProbeStats } from './protocol';

export type WireArgValues = NonNullable<ProbeStats['argValues']>;

/** How far a total is known: exactly, at least this (an attachment may have counted more), or about (a bound less a bound). */
export type CountBound = 'exact' | 'atLeast' | 'about';

export interface ValueTotal {
  /** As the argument's type shows it (enumerators by name). */
  value: string;
  count: number;
  bound: CountBound;
}

export interface ValueCounts {
  arg: string;
  /** Most first, ties in the order first seen. */
  top: ValueTotal[];
  /** `top` lists every value counted: a value not in it was not counted at all. */
  complete: boolean;
  /** Calls whose value found no room among those the kernel counts by value (256 a probe). */
  uncounted: number;
  /** Exact, lowest bucket first: 0 holds 0, k > 0 [2^(k-1), 2^k), k < 0 (-2^|k|, -2^(|k|-1)]. */
  log2: Log2Bucket[];
  /** Calls whose bucket found no room. */
  log2Uncounted: number;
}

/** Values kept past the helper's top five when attachments are added up. */
const MAX_TOTAL_VALUES = 100;

export function noValues(arg: string): ValueCounts {
  return { arg, top: [], complete: true, uncounted: 0, log2: [], log2Uncounted: 0 };
}

/** The calls whose value was looked at: those in the histogram and those that found no room in it. */
export function valuesCalls(counts: ValueCounts): number {
  return counts.log2.reduce((sum, { count }) => sum + count, 0) + counts.log2Uncounted;
}

/** One attachment's counts from probe/stats, each value formatted as its type shows it. */
export function valueCountsOf(wire: WireArgValues, format: (value: CapturedValue) => string): ValueCounts {
  const top = wire.top.map(({ value, count }): ValueTotal => ({ value: format(value), count, bound: 'exact' }));
  const listed = top.reduce((sum, { count }) => sum + count, 0);
  const counts: ValueCounts = { arg: wire.arg, top, complete: false, uncounted: wire.uncounted, log2: wire.log2.map(({ bucket, count }) => ({ bucket, count })), log2Uncounted: wire.log2Uncounted };
  // Every call looked at is in a listed value or found no room: nothing else was counted.
  counts.complete = listed + wire.uncounted >= valuesCalls(counts);
  return counts;
}

/** What `counts` knows of `value`: its count, and how exactly (absent from a complete list: exactly 0). */
function lookUp(counts: ValueCounts, index: Map<string, ValueTotal>, value: string): { count: number; bound: CountBound } {
  const held = index.get(value);
  if (held !== undefined) return held;
  return { count: 0, bound: counts.complete ? 'exact' : 'atLeast' };
}

function combine(a: CountBound, b: CountBound, sign: 1 | -1): CountBound {
  if (a === 'about' || b === 'about') return 'about';
  // Less a lower bound: not bounded either way.
  if (sign === -1) return b === 'exact' ? a : 'about';
  return a === 'exact' && b === 'exact' ? 'exact' : 'atLeast';
}

/** a + b, or a − b with `sign` −1 (counts since a reset); both of the same argument. */
export function addValueCounts(a: ValueCounts, b: ValueCounts, sign: 1 | -1 = 1): ValueCounts {
  const aIndex = new Map(a.top.map((total) => [total.value, total]));
  const bIndex = new Map(b.top.map((total) => [total.value, total]));
  // Less: only values still counted; plus: every value either lists.
  const values = sign === 1 ? [...new Set([...aIndex.keys(), ...bIndex.keys()])] : [...aIndex.keys()];
  const top = values
    .map((value, order) => {
      const x = lookUp(a, aIndex, value);
      const y = lookUp(b, bIndex, value);
      return { total: { value, count: x.count + sign * y.count, bound: combine(x.bound, y.bound, sign) }, order };
    })
    .filter(({ total }) => total.count > 0)
    .sort((x, y) => y.total.count - x.total.count || x.order - y.order)
    .map(({ total }) => total);
  const buckets = new Map(a.log2.map(({ bucket, count }) => [bucket, count]));
  for (const { bucket, count } of b.log2) buckets.set(bucket, (buckets.get(bucket) ?? 0) + sign * count);
  return {
    arg: a.arg,
    top: top.slice(0, MAX_TOTAL_VALUES),
    complete: a.complete && b.complete && top.length <= MAX_TOTAL_VALUES,
    uncounted: a.uncounted + sign * b.uncounted,
    log2: [...buckets].filter(([, count]) => count > 0).sort(([x], [y]) => x - y).map(([bucket, count]) => ({ bucket, count })),
    log2Uncounted: a.log2Uncounted + sign * b.log2Uncounted,
  };
}

/** `3 ×4`, `3 ×≥4` (at least), `3 ×~4` (about). */
export function formatValueCount({ value, count, bound }: ValueTotal): string {
  return `${value} ×${bound === 'exact' ? '' : bound === 'atLeast' ? '≥' : '~'}${count}`;
}
