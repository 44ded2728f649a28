// The Calls panel's messages, both ways, and the checks each side runs on what it receives: the
// extension host validates what the webview posts, and the webview what the host posts, so a
// malformed or foreign message is dropped, never acted on. Plain data with no `vscode` and no
// DOM: the extension bundles this file, and so does the webview (extension/webview/).

import type { RowFilter } from './call-log';
import type { CallRow } from './probe-aggregate';

/**
 * One call row as the panel shows it: a CallRow whose return fields are null until the return;
 * `hasStack` when the call's stack was counted (it is named and sent only when the row is selected).
 */
export type PanelRow = Omit<CallRow, 'ret' | 'latencyNs' | 'stack' | 'argValues' | 'retValue'> & { ret: string | null; latencyNs: number | null; hasStack?: true };

/** One line of a selected call's stack: a source frame (inlined ones first), or where the code is when nothing names it. */
export interface PanelFrame {
  text: string;
  /** Clicking it opens the source there (the host knows where). */
  hasSource: boolean;
}

/** A histogram's bucket as a bar: its range, count, and count / the fullest bucket's. */
export interface PanelBar {
  label: string;
  count: number;
  fraction: number;
}

/**
 * A probe's counted argument (Show Value Distribution), as the panel draws it: its most frequent
 * values with their counts (`×4`, or `×≥4` when only a lower bound is known), what was not counted
 * by value, and its exact log2 histogram, the empty buckets between kept.
 */
export interface PanelDistribution {
  arg: string;
  title: string;
  top: { value: string; count: string; share: string }[];
  notes: string[];
  bars: PanelBar[];
}

/** A probe's name and exact counters (from the kernel), for the filter and the histogram. */
export interface PanelProbe {
  id: number;
  target: string;
  state: string;
  calls: number;
  returns: number;
  dropped: number;
  /** Records the probe left out on purpose: the rows are a sample of its calls. */
  sampledOut: number;
  /** log2 latency buckets: bucket i counts returns in [2^i, 2^(i+1)) ns. */
  histogram: number[];
  distribution?: PanelDistribution;
}

/** What the webview reports about itself when asked (the test API reads it). */
export interface PanelReport {
  rows: number;
  shown: number;
  paused: boolean;
  filter: RowFilter;
  /** The cells of the table rows drawn now, as the user reads them. */
  rendered: string[][];
  /** The selected row, and its stack's lines as shown. */
  selected?: number;
  stack?: string[];
  /** The value distributions drawn, line by line: each title, value row (`value | count | share`), note and bar (`label | count`). */
  distribution?: string[];
}

export type ExportFormat = 'jsonl' | 'csv';

/** Host → webview. */
export type HostMessage =
  /** Replace everything (first load, after Clear); more rows may follow as `rows`. */
  | { type: 'reset'; rows: PanelRow[]; probes: PanelProbe[]; paused: boolean }
  /** A batch: new rows, rows whose return arrived since, and the probes' counters now. */
  | { type: 'rows'; added: PanelRow[]; updated: PanelRow[]; probes: PanelProbe[] }
  | { type: 'setFilter'; filter: RowFilter }
  | { type: 'paused'; paused: boolean }
  /** The stack of the selected call (`seq`), named; no frames and a `note` when it has none. */
  | { type: 'stack'; seq: number; title: string; frames: PanelFrame[]; note?: string }
  | { type: 'report' };

/** Webview → host. */
export type WebviewMessage =
  | { type: 'ready' }
  | { type: 'pause'; paused: boolean }
  /** Forget the rows; the probes' counts are kept. */
  | { type: 'clear' }
  /** Every probe's counts from 0, and its rows forgotten. */
  | { type: 'resetCounts' }
  | { type: 'export'; format: ExportFormat; filter: RowFilter }
  /** A row was selected: show its call's stack. */
  | { type: 'selectRow'; seq: number }
  /** Open the source of line `index` of the stack shown for `seq`. */
  | { type: 'openFrame'; seq: number; index: number }
  | { type: 'report'; report: PanelReport };

/** Rows the panel holds, like the call log it mirrors (extension/core/call-log.ts). */
export const PANEL_ROW_CAPACITY = 100_000;
const MAX_TEXT = 1_000;
const MAX_CELL = 64 * 1024;
const MAX_PROBES = 10_000;
const MAX_HISTOGRAM_BUCKETS = 128;
/** Lines of a stack: 32 frames, each with a few inlined source frames. */
const MAX_STACK_LINES = 512;
/** log2 buckets of a 64-bit value: -64..64. */
const MAX_LOG2_BARS = 129;
const MAX_TOP_VALUES = 100;
const MAX_DISTRIBUTION_LINES = 2_000;

type Record_ = Record<string, unknown>;

function isObject(value: unknown): value is Record_ {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Kernel timestamps and latencies: nanoseconds, beyond 2^53 after ~104 days of uptime (then not exact). */
function isNanoseconds(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function isText(value: unknown, max = MAX_CELL): value is string {
  return typeof value === 'string' && value.length <= max;
}

function isArrayOf<T>(value: unknown, max: number, check: (item: unknown) => item is T): value is T[] {
  return Array.isArray(value) && value.length <= max && value.every(check);
}

export function isPanelRow(value: unknown): value is PanelRow {
  if (!isObject(value)) return false;
  return (
    isCount(value['seq']) &&
    isCount(value['probeId']) &&
    isNanoseconds(value['tsNs']) &&
    isCount(value['pid']) &&
    isCount(value['tid']) &&
    isText(value['comm'], 64) &&
    isText(value['args']) &&
    (value['ret'] === null || isText(value['ret'])) &&
    (value['latencyNs'] === null || isNanoseconds(value['latencyNs'])) &&
    (value['hasStack'] === undefined || value['hasStack'] === true)
  );
}

function isPanelFrame(value: unknown): value is PanelFrame {
  return isObject(value) && isText(value['text'], MAX_TEXT) && typeof value['hasSource'] === 'boolean';
}

function isPanelBar(value: unknown): value is PanelBar {
  return isObject(value) && isText(value['label'], 64) && isCount(value['count']) && typeof value['fraction'] === 'number' && value['fraction'] >= 0 && value['fraction'] <= 1;
}

function isTopValue(value: unknown): value is PanelDistribution['top'][number] {
  return isObject(value) && isText(value['value'], MAX_TEXT) && isText(value['count'], 32) && isText(value['share'], 16);
}

function isPanelDistribution(value: unknown): value is PanelDistribution {
  return (
    isObject(value) &&
    isText(value['arg'], MAX_TEXT) &&
    isText(value['title'], MAX_TEXT) &&
    isArrayOf(value['top'], MAX_TOP_VALUES, isTopValue) &&
    isArrayOf(value['notes'], 16, (note): note is string => isText(note, MAX_TEXT)) &&
    isArrayOf(value['bars'], MAX_LOG2_BARS, isPanelBar)
  );
}

export function isPanelProbe(value: unknown): value is PanelProbe {
  if (!isObject(value)) return false;
  return (
    (value['distribution'] === undefined || isPanelDistribution(value['distribution'])) &&
    isCount(value['id']) &&
    isText(value['target'], MAX_TEXT) &&
    isText(value['state'], 32) &&
    isCount(value['calls']) &&
    isCount(value['returns']) &&
    isCount(value['dropped']) &&
    isCount(value['sampledOut']) &&
    isArrayOf(value['histogram'], MAX_HISTOGRAM_BUCKETS, isCount)
  );
}

/** A filter from the other side: absent, null or malformed fields mean "any"; undefined when not an object. */
export function parseFilter(value: unknown): RowFilter | undefined {
  if (!isObject(value)) return undefined;
  const filter: RowFilter = {};
  if (isCount(value['probeId'])) filter.probeId = value['probeId'];
  if (isCount(value['pid'])) filter.pid = value['pid'];
  if (isText(value['text'], MAX_TEXT) && value['text'] !== '') filter.text = value['text'];
  return filter;
}

function isRows(value: unknown): value is PanelRow[] {
  return isArrayOf(value, PANEL_ROW_CAPACITY, isPanelRow);
}

function isProbes(value: unknown): value is PanelProbe[] {
  return isArrayOf(value, MAX_PROBES, isPanelProbe);
}

/** The webview's check on what the host posts. */
export function parseHostMessage(value: unknown): HostMessage | undefined {
  if (!isObject(value)) return undefined;
  switch (value['type']) {
    case 'reset':
      if (!isRows(value['rows']) || !isProbes(value['probes']) || typeof value['paused'] !== 'boolean') return undefined;
      return { type: 'reset', rows: value['rows'], probes: value['probes'], paused: value['paused'] };
    case 'rows':
      if (!isRows(value['added']) || !isRows(value['updated']) || !isProbes(value['probes'])) return undefined;
      return { type: 'rows', added: value['added'], updated: value['updated'], probes: value['probes'] };
    case 'setFilter': {
      const filter = parseFilter(value['filter']);
      return filter === undefined ? undefined : { type: 'setFilter', filter };
    }
    case 'paused':
      return typeof value['paused'] === 'boolean' ? { type: 'paused', paused: value['paused'] } : undefined;
    case 'stack': {
      const { seq, title, frames, note } = value;
      if (!isCount(seq) || !isText(title, MAX_TEXT) || !isArrayOf(frames, MAX_STACK_LINES, isPanelFrame) || (note !== undefined && !isText(note, MAX_TEXT))) return undefined;
      return { type: 'stack', seq, title, frames, ...(note === undefined ? {} : { note }) };
    }
    case 'report':
      return { type: 'report' };
    default:
      return undefined;
  }
}

function parseReport(value: unknown): PanelReport | undefined {
  if (!isObject(value)) return undefined;
  const filter = parseFilter(value['filter']);
  const rendered = value['rendered'];
  if (!isCount(value['rows']) || !isCount(value['shown']) || typeof value['paused'] !== 'boolean' || filter === undefined) return undefined;
  if (!Array.isArray(rendered) || rendered.length > 1_000 || !rendered.every((cells) => isArrayOf(cells, 16, (cell): cell is string => isText(cell)))) return undefined;
  const { selected, stack, distribution } = value;
  if (selected !== undefined && !isCount(selected)) return undefined;
  if (stack !== undefined && !isArrayOf(stack, MAX_STACK_LINES + 2, (line): line is string => isText(line, MAX_TEXT))) return undefined;
  if (distribution !== undefined && !isArrayOf(distribution, MAX_DISTRIBUTION_LINES, (line): line is string => isText(line, MAX_TEXT))) return undefined;
  return {
    rows: value['rows'],
    shown: value['shown'],
    paused: value['paused'],
    filter,
    rendered,
    ...(selected === undefined ? {} : { selected }),
    ...(stack === undefined ? {} : { stack }),
    ...(distribution === undefined ? {} : { distribution }),
  };
}

/** The host's check on what the webview posts. */
export function parseWebviewMessage(value: unknown): WebviewMessage | undefined {
  if (!isObject(value)) return undefined;
  switch (value['type']) {
    case 'ready':
      return { type: 'ready' };
    case 'clear':
    case 'resetCounts':
      return { type: value['type'] };
    case 'pause':
      return typeof value['paused'] === 'boolean' ? { type: 'pause', paused: value['paused'] } : undefined;
    case 'export': {
      const filter = parseFilter(value['filter']);
      const format = value['format'];
      if ((format !== 'jsonl' && format !== 'csv') || filter === undefined) return undefined;
      return { type: 'export', format, filter };
    }
    case 'selectRow':
      return isCount(value['seq']) ? { type: 'selectRow', seq: value['seq'] } : undefined;
    case 'openFrame':
      return isCount(value['seq']) && isCount(value['index']) ? { type: 'openFrame', seq: value['seq'], index: value['index'] } : undefined;
    case 'report': {
      const report = parseReport(value['report']);
      return report === undefined ? undefined : { type: 'report', report };
    }
    default:
      return undefined;
  }
}
