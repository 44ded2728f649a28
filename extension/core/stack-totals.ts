// A probe's counted stacks over several attachments (a pause, a helper restart, Run with Probes
// re-aiming it) and since its counts were last reset: the helper counts each attachment's stacks
// from 0, so the totals add them by frame (callers) and by whole stack (the most frequent ones)
// and subtract what had been counted at the reset, as the probe's other counters do.

import type { StackCounts, StackFrame } from './protocol';

export const NO_STACKS: StackCounts = { counted: 0, distinct: 0, untallied: 0, uncounted: 0, top: [], callers: [] };

/** Stacks kept past the helper's top 20 when attachments are added up (each attachment sends its own top 20). */
const MAX_TOTAL_STACKS = 100;

/** Where a frame is, as a key: the same file and offset (or address) is the same frame. */
export function frameKey(frame: StackFrame): string {
  return 'object' in frame ? `${frame.object}\0${frame.offset}` : `@${frame.address ?? '?'}`;
}

export function stackKey(frames: readonly StackFrame[]): string {
  return frames.map(frameKey).join('\n');
}

/** Adds counts by key; drops what is 0 or less; most first, ties in the order first seen. */
function mergeCounts<T extends { count: number }>(a: readonly T[], b: readonly T[], sign: 1 | -1, key: (item: T) => string): T[] {
  const merged = new Map<string, T>();
  for (const item of a) merged.set(key(item), { ...item });
  for (const item of b) {
    const at = key(item);
    const held = merged.get(at);
    if (held !== undefined) held.count += sign * item.count;
    else if (sign === 1) merged.set(at, { ...item });
  }
  return [...merged.values()]
    .map((item, order) => ({ item, order }))
    .filter(({ item }) => item.count > 0)
    .sort((x, y) => y.item.count - x.item.count || x.order - y.order)
    .map(({ item }) => item);
}

/** a + b, or a − b with `sign` −1 (counts since a reset). */
export function addStackCounts(a: StackCounts, b: StackCounts, sign: 1 | -1 = 1): StackCounts {
  return {
    counted: a.counted + sign * b.counted,
    // Not additive (the same stack in two attachments): the larger, as a lower bound.
    distinct: sign === 1 ? Math.max(a.distinct, b.distinct) : a.distinct,
    untallied: a.untallied + sign * b.untallied,
    uncounted: a.uncounted + sign * b.uncounted,
    top: mergeCounts(a.top, b.top, sign, (stack) => stackKey(stack.frames)).slice(0, MAX_TOTAL_STACKS),
    callers: mergeCounts(a.callers, b.callers, sign, (caller) => frameKey(caller.frame)),
  };
}
