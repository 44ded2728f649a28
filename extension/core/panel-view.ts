// What the Calls panel's webview computes, kept free of the DOM so node tests it: the rows it
// holds (a bounded mirror of the call log, returns applied as they arrive) and the subset the
// filter selects, each row's cells as text, which rows a scroll position shows (fixed row height:
// only the visible window is drawn, so 100,000 rows cost what 50 do), a probe's log2 latency
// histogram as bars, and its counted argument's distribution (top values, log2 histogram).

import { rowMatches, type RowFilter } from './call-log';
import { formatDuration } from './format';
import { log2Rows, type Log2Bucket } from './histogram';
import type { CallRow } from './probe-aggregate';
import { PANEL_ROW_CAPACITY, type PanelBar, type PanelDistribution, type PanelProbe, type PanelRow } from './panel-messages';
import { valuesCalls, type ValueCounts } from './value-totals';

export const PANEL_COLUMNS = ['Time (s)', 'PID/TID', 'Comm', 'Probe', 'Arguments', 'Return', 'Latency'] as const;

export function toPanelRow(row: CallRow): PanelRow {
  return {
    seq: row.seq,
    probeId: row.probeId,
    tsNs: row.tsNs,
    pid: row.pid,
    tid: row.tid,
    comm: row.comm,
    args: row.args,
    ret: row.ret ?? null,
    latencyNs: row.latencyNs ?? null,
    ...(row.stack === undefined ? {} : { hasStack: true as const }),
  };
}

/**
 * The row's cells in PANEL_COLUMNS order. Time is seconds since `baseNs` (the first row's kernel
 * time, as the CLI prints it); a call still running shows `…` as its return.
 */
export function rowCells(row: PanelRow, probeName: string, baseNs: number): string[] {
  const seconds = Math.max(0, row.tsNs - baseNs) / 1e9;
  return [
    seconds.toFixed(6),
    row.pid === row.tid ? String(row.pid) : `${row.pid}/${row.tid}`,
    row.comm,
    probeName,
    row.args,
    row.ret ?? '…',
    row.latencyNs === null ? '' : formatDuration(row.latencyNs),
  ];
}

export interface VisibleWindow {
  /** First row drawn (index into the shown rows) and one past the last. */
  first: number;
  end: number;
  /** Where the first drawn row sits, from the top of the scrolled content. */
  offsetPx: number;
  /** Height of all shown rows: the scrolled content's height. */
  totalPx: number;
}

/** The rows a viewport shows at `scrollTop`, plus `overscan` rows either side. */
export function visibleWindow(scrollTop: number, viewportPx: number, rowPx: number, total: number, overscan = 8): VisibleWindow {
  const totalPx = total * rowPx;
  if (total === 0 || rowPx <= 0) return { first: 0, end: 0, offsetPx: 0, totalPx };
  const top = Math.min(Math.max(0, scrollTop), Math.max(0, totalPx - viewportPx));
  const first = Math.max(0, Math.floor(top / rowPx) - overscan);
  const end = Math.min(total, Math.ceil((top + Math.max(0, viewportPx)) / rowPx) + overscan);
  return { first, end, offsetPx: first * rowPx, totalPx };
}

/** A bucket's bar: `512 ns–1.02 µs` (latency) or `[2, 4)` (a value), its count, count / the fullest bucket's. */
export type HistogramBar = PanelBar;

/** The buckets from the first to the last non-empty one (empty ones between are kept: gaps show). */
export function histogramBars(histogram: readonly number[]): HistogramBar[] {
  const first = histogram.findIndex((count) => count > 0);
  if (first < 0) return [];
  let last = histogram.length - 1;
  while (last > first && (histogram[last] ?? 0) === 0) last--;
  const slice = histogram.slice(first, last + 1);
  const max = Math.max(...slice);
  return slice.map((count, offset) => {
    const bucket = first + offset;
    return { label: `${formatDuration(2 ** bucket)}–${formatDuration(2 ** (bucket + 1))}`, count, fraction: count / max };
  });
}

/** A value's log2 histogram as bars, from the lowest counted bucket to the highest, the empty ones between kept. */
export function log2Bars(buckets: readonly Log2Bucket[]): HistogramBar[] {
  const rows = log2Rows(buckets);
  const max = Math.max(0, ...rows.map(({ count }) => count));
  return rows.map(({ label, count }) => ({ label, count, fraction: max === 0 ? 0 : count / max }));
}

function callsText(count: number): string {
  return `${count.toLocaleString('en-US')} call${count === 1 ? '' : 's'}`;
}

function percent(part: number, whole: number): string {
  if (whole === 0) return '';
  const share = (100 * part) / whole;
  return `${share >= 10 || share === 0 ? Math.round(share) : share.toFixed(1)}%`;
}

export interface DistributionInput {
  target: string;
  state: string;
  values: ValueCounts;
  /** The calls the probe counted since its last reset (with a condition: those that met it). */
  calls: number;
  /** Most frequent values listed. */
  maxValues?: number;
}

/** What the panel draws for a counted argument: exact where the kernel's counts are, and says where they are not. */
export function distributionView({ target, state, values, calls, maxValues = 10 }: DistributionInput): PanelDistribution {
  const counted = valuesCalls(values);
  const byValue = counted - values.uncounted;
  const listed = values.top.slice(0, maxValues);
  const top = listed.map(({ value, count, bound }) => ({ value, count: `${bound === 'exact' ? '' : bound === 'atLeast' ? '≥' : '~'}${count.toLocaleString('en-US')}`, share: percent(count, counted) }));
  const notes: string[] = [];
  if (counted === 0) {
    notes.push(state === 'live' || state === 'attaching' ? 'No value counted yet: run the program (Run with Probes).' : 'Values are counted from the probe\'s next attach: Run with Probes, or Resume it.');
  }
  const rest = byValue - listed.reduce((sum, { count }) => sum + count, 0);
  const exact = listed.every(({ bound }) => bound === 'exact');
  if (rest > 0) notes.push(`${exact ? '' : 'At most '}${callsText(rest)} of values not listed.`);
  if (values.uncounted > 0) notes.push(`${callsText(values.uncounted)} not counted by value: no room among the 256 values the kernel counts a probe (the histogram has them).`);
  if (values.log2Uncounted > 0) notes.push(`${callsText(values.log2Uncounted)} not in the histogram: no room for their bucket.`);
  const before = calls - counted;
  if (before > 0) notes.push(`${callsText(before)} counted before the values of ${values.arg} were asked for: not by value.`);
  const stateText = state === 'live' ? '' : ` (${state})`;
  return {
    arg: values.arg,
    title: `${target}: ${values.arg} over ${callsText(counted)} · counted in the kernel, exact${stateText}`,
    top,
    notes,
    bars: log2Bars(values.log2),
  };
}

/**
 * The rows the webview holds, oldest first, bounded like the call log, and the ones the filter
 * selects. Adding rows extends the selection incrementally; a new filter or an eviction
 * recomputes it.
 */
export class PanelRows {
  private rows: PanelRow[] = [];
  private bySeq = new Map<number, PanelRow>();
  private selected: PanelRow[] = [];
  private filterValue: RowFilter = {};
  private readonly names = new Map<number, string>();
  private readonly pidSet = new Set<number>();
  baseNs: number | undefined;
  /** Rows dropped, oldest first, to keep the panel's memory bounded (since the last reset). */
  evicted = 0;

  constructor(private readonly capacity = PANEL_ROW_CAPACITY) {}

  get size(): number {
    return this.rows.length;
  }

  get filter(): RowFilter {
    return this.filterValue;
  }

  /** The rows the filter selects, oldest first. */
  get shown(): readonly PanelRow[] {
    return this.selected;
  }

  /** Every pid seen, ascending (the pid filter's choices). */
  pids(): number[] {
    return [...this.pidSet].sort((a, b) => a - b);
  }

  probeName(id: number): string {
    return this.names.get(id) ?? `probe ${id}`;
  }

  setProbes(probes: readonly PanelProbe[]): void {
    for (const probe of probes) this.names.set(probe.id, probe.target);
    // A text filter may match a probe's name, known only now.
    if (this.filterValue.text) this.refilter();
  }

  reset(rows: readonly PanelRow[]): void {
    this.evicted = 0;
    this.rows = [];
    this.bySeq.clear();
    this.selected = [];
    this.pidSet.clear();
    this.baseNs = undefined;
    this.add(rows);
  }

  add(rows: readonly PanelRow[]): void {
    for (const row of rows) {
      if (this.bySeq.has(row.seq)) continue;
      this.baseNs ??= row.tsNs;
      this.rows.push(row);
      this.bySeq.set(row.seq, row);
      this.pidSet.add(row.pid);
      if (this.matches(row)) this.selected.push(row);
    }
    // Evict in steps of a twentieth, so a full panel does not re-filter on every batch.
    if (this.rows.length > this.capacity) {
      const drop = this.rows.length - this.capacity + Math.floor(this.capacity / 20);
      this.evicted += drop;
      for (const row of this.rows.slice(0, drop)) this.bySeq.delete(row.seq);
      this.rows = this.rows.slice(drop);
      this.refilter();
    }
  }

  /** The row with this key, if held. */
  get(seq: number): PanelRow | undefined {
    return this.bySeq.get(seq);
  }

  /** A return arrived for a row already held: its ret and latency. Rows not held are ignored. */
  update(rows: readonly PanelRow[]): void {
    for (const row of rows) {
      const held = this.bySeq.get(row.seq);
      if (held === undefined) continue;
      const wasShown = this.matches(held);
      held.ret = row.ret;
      held.latencyNs = row.latencyNs;
      // A text filter may match the return value only now.
      if (!wasShown && this.matches(held)) this.refilter();
    }
  }

  setFilter(filter: RowFilter): void {
    this.filterValue = filter;
    this.refilter();
  }

  private matches(row: PanelRow): boolean {
    return rowMatches(row, this.filterValue, this.probeName(row.probeId));
  }

  private refilter(): void {
    this.selected = this.rows.filter((row) => this.matches(row));
  }
}
