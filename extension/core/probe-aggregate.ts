// What the editor shows about one probe, folded from the helper's notifications: exact counters,
// the latency histogram and the most frequent return values from `probe/stats` (counted in the
// kernel; carried over helper restarts and pauses), the last calls paired with their returns
// (per thread, so recursion pairs right) from the records the probe sends, the call rate, and with
// stacks on, the callers and most frequent stacks counted in the kernel, and with Show Value
// Distribution, an argument's most frequent values and log2 histogram (both added up over
// attachments like the counters). No `vscode` import: the decorations, the hover, the Probes view,
// the Callers view, the Calls panel and the test API all read these numbers.

import { formatArgs, formatCapturedValue, formatReturnValue } from './format';
import { percentilesFromLog2Histogram, type LatencyPercentiles } from './latency';
import type { CallEvent, CapturedShape, CapturedValue, ProbeStats, ReturnEvent, StackCounts, StackFrame } from './protocol';
import { addStackCounts, NO_STACKS, stackKey } from './stack-totals';
import { addValueCounts, noValues, valueCountsOf, type ValueCounts, type WireArgValues } from './value-totals';

/** One call as the hover and the panel show it; `ret` stays undefined until the return is seen. */
export interface CallRow {
  /** Increasing over every row of every probe: the panel's key. */
  seq: number;
  probeId: number;
  tsNs: number;
  pid: number;
  tid: number;
  comm: string;
  /** `name=value` pairs, already formatted (`item="widget", quantity=3`). */
  args: string;
  /** The arguments as captured (for the structured export); undefined when the call was not seen. */
  argValues?: Readonly<Record<string, CapturedValue>>;
  ret?: string;
  retValue?: CapturedValue;
  latencyNs?: number | null;
  /** With stacks on: the call's user stack as the helper placed it (named only when someone looks at it). */
  stack?: StackFrame[];
}

export interface ReturnValueCount {
  value: string;
  count: number;
}

export interface AggregateSnapshot {
  /** Exact (the kernel's counters) or, between two stats notifications, the events seen if ahead. */
  calls: number;
  returns: number;
  dropped: number;
  /** Records left out on purpose: the rows are then a sample of the calls. */
  sampledOut: number;
  /** With a condition: the calls that met it (`calls` counts them all). */
  matched?: number;
  /** Calls per second over the last few seconds; undefined until two samples are apart. */
  ratePerSecond: number | undefined;
  /** Exact, from the kernel; `returnsUncounted` returns had values beyond the ones counted. */
  topReturns: ReturnValueCount[];
  returnsUncounted: number;
  latency: LatencyPercentiles | undefined;
  histogram: number[];
  recent: CallRow[];
  /** With Show Value Distribution: the counted argument's values and log2 histogram since the last reset. */
  values?: ValueCounts;
}

const RECENT_CALLS = 20;
const RATE_WINDOW_MS = 5_000;
/** The helper sends changed counters every ~500 ms: none for this long means none changed. */
const STATS_STALE_MS = 1_500;
const MAX_PENDING_PER_THREAD = 64;
/** Distinct call stacks a probe's rows share (a few usually): the log's 100,000 rows then hold one copy of each. */
const MAX_SHARED_STACKS = 4_096;

/** a + b, or a − b with `sign` −1 (counts since a reset). */
function addStats(a: ProbeStats, b: ProbeStats, sign: 1 | -1 = 1): ProbeStats {
  const length = Math.max(a.latencyHistogram.length, b.latencyHistogram.length);
  return {
    probe: b.probe,
    calls: a.calls + sign * b.calls,
    returns: a.returns + sign * b.returns,
    dropped: a.dropped + sign * b.dropped,
    sampledOut: a.sampledOut + sign * b.sampledOut,
    returnsUncounted: (a.returnsUncounted ?? 0) + sign * (b.returnsUncounted ?? 0),
    ...(a.matched === undefined && b.matched === undefined ? {} : { matched: (a.matched ?? 0) + sign * (b.matched ?? 0) }),
    maxRecordsPerSecond: sign === 1 ? b.maxRecordsPerSecond : a.maxRecordsPerSecond,
    latencyHistogram: Array.from({ length }, (_, i) => (a.latencyHistogram[i] ?? 0) + sign * (b.latencyHistogram[i] ?? 0)),
  };
}

export function emptyStats(probe = 0): ProbeStats {
  return { probe, calls: 0, returns: 0, dropped: 0, sampledOut: 0, maxRecordsPerSecond: null, latencyHistogram: [] };
}

/** Formats a call's arguments as `name=value, …`, strings quoted, by the captured shape. */
export class ProbeAggregate {
  /** Counters of earlier helper attachments (before a pause or a helper restart). */
  private base = emptyStats();
  private current = emptyStats();
  /** What had been counted when the counts were last reset: subtracted from the kernel's counters. */
  private zero = emptyStats();
  /** Records seen: the count until the kernel's first counters of an attachment arrive. */
  private eventCalls = 0;
  private eventReturns = 0;
  private currentCounted = false;
  /** Return values by count: of closed attachments, of the current one (the kernel's top), at the last reset. */
  private baseReturns = new Map<string, number>();
  private currentReturns: ReturnValueCount[] = [];
  private zeroReturns = new Map<string, number>();
  private readonly recentRows: CallRow[] = [];
  private readonly pending = new Map<number, CallRow[]>();
  private readonly rateSamples: { atMs: number; calls: number }[] = [];
  /** Counted stacks: of closed attachments, of the current one, at the last reset (undefined: none yet). */
  private baseStacks: StackCounts | undefined;
  private currentStacks: StackCounts | undefined;
  private zeroStacks: StackCounts | undefined;
  private currentStacksText = '';
  /** Changes whenever the counted stacks do: what names them need not look again until it does. */
  stacksVersion = 0;
  private readonly sharedStacks = new Map<string, StackFrame[]>();
  /** The argument whose values are shown (Show Value Distribution); undefined: none. */
  private valuesArg: string | undefined;
  /**
   * Counted values by argument: of the attachments closed since the last reset, of the current
   * one, and of the current one when the counts were reset during it. Subtracting only within one
   * attachment keeps a value exact that an earlier attachment counted but did not list.
   */
  private readonly baseValues = new Map<string, ValueCounts>();
  private currentValues: ValueCounts | undefined;
  private currentValuesAtReset: ValueCounts | undefined;

  constructor(
    readonly probeId: number,
    private capture: CapturedShape,
    private readonly nextSeq: () => number,
    private readonly now: () => number = Date.now,
  ) {}

  setCapture(capture: CapturedShape): void {
    this.capture = capture;
  }

  /** The helper's exact counters for the current attachment. */
  onStats(stats: ProbeStats, nowMs: number): void {
    this.current = stats;
    this.currentCounted = true;
    if (stats.topReturns !== undefined) this.currentReturns = stats.topReturns.map(({ value, count }) => ({ value: formatCapturedValue(value, this.capture.ret, this.capture.returnEnum), count }));
    if (stats.stacks !== undefined) this.setCurrentStacks(stats.stacks);
    if (stats.argValues !== undefined) this.setCurrentValues(stats.argValues);
    this.sampleRate(nowMs);
  }

  private setCurrentValues(wire: WireArgValues): void {
    const type = this.capture.args.find((captured) => captured.name === wire.arg)?.type;
    const enumerators = this.capture.enums?.[wire.arg];
    this.currentValues = valueCountsOf(wire, (value) => formatCapturedValue(value, type, enumerators));
  }

  /** Show Value Distribution: the values of `arg` are shown from now on (counted from the probe's next attach). */
  showValuesOf(arg: string): void {
    this.valuesArg = arg;
  }

  /** The shown argument's counts since the last reset, over every attachment; undefined while none is shown. */
  values(): ValueCounts | undefined {
    const arg = this.valuesArg;
    if (arg === undefined) return undefined;
    const base = this.baseValues.get(arg) ?? noValues(arg);
    const current = this.currentSinceReset();
    return current?.arg === arg ? addValueCounts(base, current) : base;
  }

  /** The current attachment's counts since the last reset. */
  private currentSinceReset(): ValueCounts | undefined {
    const current = this.currentValues;
    const atReset = this.currentValuesAtReset;
    return current === undefined || atReset?.arg !== current.arg ? current : addValueCounts(current, atReset, -1);
  }

  private setCurrentStacks(stacks: StackCounts | undefined): void {
    // The helper sends every counter when any changed: the stacks may be the same as before.
    const text = stacks === undefined ? '' : JSON.stringify(stacks);
    if (text === this.currentStacksText) return;
    this.currentStacks = stacks;
    this.currentStacksText = text;
    this.stacksVersion++;
  }

  /**
   * The callers and most frequent stacks since the last reset, over every attachment that counted
   * them; undefined while none did.
   */
  stacks(): StackCounts | undefined {
    if (this.baseStacks === undefined && this.currentStacks === undefined) return undefined;
    const total = addStackCounts(this.baseStacks ?? NO_STACKS, this.currentStacks ?? NO_STACKS);
    return this.zeroStacks === undefined ? total : addStackCounts(total, this.zeroStacks, -1);
  }

  /** Return values by count over every attachment. */
  private returnTotals(): Map<string, number> {
    const counts = new Map(this.baseReturns);
    for (const { value, count } of this.currentReturns) counts.set(value, (counts.get(value) ?? 0) + count);
    return counts;
  }

  /** ... since the last reset. */
  private returnValues(): Map<string, number> {
    const counts = this.returnTotals();
    for (const [value, count] of this.zeroReturns) counts.set(value, (counts.get(value) ?? 0) - count);
    return counts;
  }

  /**
   * The current attachment ended (detach answer, pause, helper gone): its counters become the
   * base the next attachment adds to.
   */
  closeAttachment(finalStats: ProbeStats | undefined): void {
    const last = finalStats ?? this.current;
    this.base = addStats(this.base, last);
    if (finalStats?.topReturns !== undefined) this.onStats(finalStats, this.now());
    for (const { value, count } of this.currentReturns) this.baseReturns.set(value, (this.baseReturns.get(value) ?? 0) + count);
    this.currentReturns = [];
    if (finalStats?.stacks !== undefined) this.setCurrentStacks(finalStats.stacks);
    if (this.currentStacks !== undefined) this.baseStacks = addStackCounts(this.baseStacks ?? NO_STACKS, this.currentStacks);
    this.currentStacks = undefined;
    this.currentStacksText = '';
    if (finalStats?.argValues !== undefined) this.setCurrentValues(finalStats.argValues);
    const closed = this.currentSinceReset();
    if (closed !== undefined) this.baseValues.set(closed.arg, addValueCounts(this.baseValues.get(closed.arg) ?? noValues(closed.arg), closed));
    this.currentValues = undefined;
    this.currentValuesAtReset = undefined;
    this.current = emptyStats();
    this.currentCounted = false;
    // Event counts must not exceed what the kernel counted over the same attachments.
    const counted = this.stats();
    this.eventCalls = Math.min(this.eventCalls, counted.calls);
    this.eventReturns = Math.min(this.eventReturns, counted.returns);
    this.pending.clear();
  }

  /** Counts start again from 0 (Reset Counts, a new Run with Probes); the kernel's counters run on. */
  resetCounts(): void {
    this.zero = addStats(this.base, this.current);
    this.zeroReturns = this.returnTotals();
    if (this.baseStacks !== undefined || this.currentStacks !== undefined) {
      this.zeroStacks = addStackCounts(this.baseStacks ?? NO_STACKS, this.currentStacks ?? NO_STACKS);
      this.stacksVersion++;
    }
    this.baseValues.clear();
    this.currentValuesAtReset = this.currentValues;
    this.eventCalls = 0;
    this.eventReturns = 0;
    this.recentRows.length = 0;
    this.pending.clear();
    this.rateSamples.length = 0;
  }

  onCall(event: CallEvent): CallRow {
    this.eventCalls++;
    const row: CallRow = { ...this.newRow(event), args: formatArgs(this.capture, event.args), argValues: event.args, ...(event.stack === undefined ? {} : { stack: this.shared(event.stack) }) };
    let stack = this.pending.get(event.tid);
    if (stack === undefined) this.pending.set(event.tid, (stack = []));
    stack.push(row);
    if (stack.length > MAX_PENDING_PER_THREAD) stack.shift();
    this.recentRows.push(row);
    if (this.recentRows.length > RECENT_CALLS) this.recentRows.shift();
    return row;
  }

  /** The one copy of this stack the probe's rows share. */
  private shared(stack: StackFrame[]): StackFrame[] {
    const key = stackKey(stack);
    const held = this.sharedStacks.get(key);
    if (held !== undefined) return held;
    if (this.sharedStacks.size >= MAX_SHARED_STACKS) this.sharedStacks.clear();
    this.sharedStacks.set(key, stack);
    return stack;
  }

  /** Pairs the return with its thread's innermost open call; a return without one gets its own row. */
  onReturn(event: ReturnEvent): { row: CallRow; isNew: boolean } {
    this.eventReturns++;
    const returnsValue = this.capture.ret !== null && this.capture.ret !== undefined;
    // A void function returns nothing to show ('' — undefined is "not returned yet").
    const ret = returnsValue ? formatReturnValue(event.ret, this.capture) : '';
    const stack = this.pending.get(event.tid);
    const open = stack?.pop();
    if (stack !== undefined && stack.length === 0) this.pending.delete(event.tid);
    const retValue = returnsValue ? event.ret : null;
    if (open !== undefined) {
      open.ret = ret;
      open.retValue = retValue;
      open.latencyNs = event.latencyNs;
      return { row: open, isNew: false };
    }
    // Its call was not seen (attached mid-call, or dropped): the arguments are unknown.
    return { row: { ...this.newRow(event), args: '?', ret, retValue, latencyNs: event.latencyNs }, isNew: true };
  }

  /** What every row has: its key, probe, time and process. */
  private newRow(event: CallEvent | ReturnEvent): Omit<CallRow, 'args'> {
    return { seq: this.nextSeq(), probeId: this.probeId, tsNs: event.tsNs, pid: event.pid, tid: event.tid, comm: event.comm };
  }

  private sampleRate(nowMs: number): void {
    this.rateSamples.push({ atMs: nowMs, calls: this.counts().calls });
    while (this.rateSamples.length > 2 && (this.rateSamples[1]?.atMs ?? nowMs) <= nowMs - RATE_WINDOW_MS) this.rateSamples.shift();
  }

  /**
   * Once the kernel's counters arrive they rule: records may run ahead of them, and a count
   * taken from records would show beside return values of the kernel's previous reading.
   */
  private counts(): { calls: number; returns: number } {
    const { calls, returns } = this.stats();
    if (this.currentCounted) return { calls, returns };
    return { calls: Math.max(calls, this.eventCalls), returns: Math.max(returns, this.eventReturns) };
  }

  stats(): ProbeStats {
    const total = addStats(this.base, this.current);
    return { ...addStats(total, this.zero, -1), probe: total.probe };
  }

  /**
   * Calls per second over the last RATE_WINDOW_MS. The helper sends counters only when they
   * change, so counters not heard of for a while mean no calls since: the rate then falls to 0.
   */
  private rate(): number | undefined {
    const latest = this.rateSamples[this.rateSamples.length - 1];
    if (latest === undefined) return undefined;
    const nowMs = this.now();
    const end = nowMs - latest.atMs > STATS_STALE_MS ? { atMs: nowMs, calls: latest.calls } : latest;
    const first = this.rateSamples.find((sample) => sample.atMs >= end.atMs - RATE_WINDOW_MS) ?? latest;
    return end.atMs - first.atMs >= 400 ? ((end.calls - first.calls) * 1000) / (end.atMs - first.atMs) : undefined;
  }

  snapshot(topN = 2): AggregateSnapshot {
    const exact = this.stats();
    const ratePerSecond = this.rate();
    const values = this.values();
    // Most frequent first; ties in the order the values were first seen (Map order).
    const topReturns = [...this.returnValues().entries()]
      .filter(([, count]) => count > 0)
      .map(([value, count], order) => ({ value, count, order }))
      .sort((a, b) => b.count - a.count || a.order - b.order)
      .slice(0, topN)
      .map(({ value, count }) => ({ value, count }));
    return {
      ...this.counts(),
      dropped: exact.dropped,
      sampledOut: exact.sampledOut,
      ...(exact.matched === undefined ? {} : { matched: exact.matched }),
      ratePerSecond,
      topReturns,
      returnsUncounted: exact.returnsUncounted ?? 0,
      latency: percentilesFromLog2Histogram(exact.latencyHistogram),
      histogram: exact.latencyHistogram,
      recent: [...this.recentRows],
      ...(values === undefined ? {} : { values }),
    };
  }
}
