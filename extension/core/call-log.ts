// Every call row of every probe, newest last, for the panel and the export: a bounded ring
// (oldest rows fall out, and how many did is counted) with a rows-per-second budget
// (probeLens.maxEventsPerSecond) so that a flood of events costs the editor a fixed amount.
// Counters stay exact whatever is left out here: they come from the kernel, not from rows.

import { structuredArgs, structuredReturn, type CallLine, type ReturnLine } from './format';
import type { CallRow } from './probe-aggregate';
import type { CapturedShape } from './protocol';

export const DEFAULT_LOG_CAPACITY = 100_000;

export class CallLog {
  private rows: CallRow[] = [];
  private start = 0;
  /** Rows that fell out of the ring, and rows never stored because of the per-second budget. */
  evicted = 0;
  overBudget = 0;
  /** Changes whenever rows are taken out other than by age: a mirror of the log must start over. */
  generation = 0;
  private windowStartMs = 0;
  private windowRows = 0;

  constructor(
    private readonly capacity = DEFAULT_LOG_CAPACITY,
    private maxRowsPerSecond = Infinity,
  ) {}

  setMaxRowsPerSecond(limit: number): void {
    this.maxRowsPerSecond = limit > 0 ? limit : Infinity;
  }

  /** Whether a new row may be stored now (and counts it against this second's budget). */
  admit(nowMs: number): boolean {
    if (nowMs - this.windowStartMs >= 1_000) {
      this.windowStartMs = nowMs;
      this.windowRows = 0;
    }
    if (this.windowRows >= this.maxRowsPerSecond) {
      this.overBudget++;
      return false;
    }
    this.windowRows++;
    return true;
  }

  push(row: CallRow): void {
    this.rows.push(row);
    if (this.rows.length - this.start > this.capacity) {
      this.start++;
      this.evicted++;
      // Compact now and then rather than shifting on every push.
      if (this.start > this.capacity / 2) {
        this.rows = this.rows.slice(this.start);
        this.start = 0;
      }
    }
  }

  get size(): number {
    return this.rows.length - this.start;
  }

  /** Rows in order, oldest first. */
  all(): CallRow[] {
    return this.rows.slice(this.start);
  }

  /** The row with this key, if still held: rows come in key order, so a binary search finds it. */
  find(seq: number): CallRow | undefined {
    let low = this.start;
    let high = this.rows.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const row = this.rows[middle] as CallRow;
      if (row.seq === seq) return row;
      if (row.seq < seq) low = middle + 1;
      else high = middle - 1;
    }
    return undefined;
  }

  clear(): void {
    this.rows = [];
    this.start = 0;
    this.evicted = 0;
    this.overBudget = 0;
    this.generation++;
  }

  removeProbe(probeId: number): void {
    const kept = this.all().filter((row) => row.probeId !== probeId);
    if (kept.length !== this.size) this.generation++;
    this.rows = kept;
    this.start = 0;
  }
}

/** What the panel's filter box and drop-downs select. */
export interface RowFilter {
  probeId?: number | undefined;
  pid?: number | undefined;
  /** Case-insensitive substring of the probe's name, comm, args or ret. */
  text?: string | undefined;
}

/** What the filter reads of a row: a CallRow, or the panel's copy of one (`ret` null until the return). */
export type FilterableRow = Pick<CallRow, 'probeId' | 'pid' | 'comm' | 'args'> & { ret?: string | null | undefined };

/** `probeName`: the row's probe as the user sees it (`orders:price_order`), which the text filter also matches. */
export function rowMatches(row: FilterableRow, filter: RowFilter, probeName = ''): boolean {
  if (filter.probeId !== undefined && row.probeId !== filter.probeId) return false;
  if (filter.pid !== undefined && row.pid !== filter.pid) return false;
  if (filter.text !== undefined && filter.text !== '') {
    const needle = filter.text.toLowerCase();
    const hay = `${probeName}\u0000${row.comm}\u0000${row.args}\u0000${row.ret ?? ''}`.toLowerCase();
    if (!hay.includes(needle)) return false;
  }
  return true;
}

/** A call as the CSV export has it: arguments and return value as the editor shows them. */
export interface ExportRow {
  probe: string;
  time_ns: number;
  pid: number;
  tid: number;
  comm: string;
  args: string;
  ret: string | null;
  latency_ns: number | null;
}

/** A call as the JSON lines export has it: arguments by name and the return value as JSON values. */
export interface JsonExportRow extends Omit<ExportRow, 'args' | 'ret'> {
  /** null when the call was not seen (only its return). */
  args: CallLine['args'] | null;
  /** null before the return, or for a void function; a struct returned by value by field. */
  ret: ReturnLine['ret'];
}

export function toExportRow(row: CallRow, probeName: string): ExportRow {
  return { probe: probeName, time_ns: row.tsNs, pid: row.pid, tid: row.tid, comm: row.comm, args: row.args, ret: row.ret ?? null, latency_ns: row.latencyNs ?? null };
}

export function toJsonExportRow(row: CallRow, probeName: string, capture?: CapturedShape): JsonExportRow {
  const args = row.argValues === undefined ? null : structuredArgs(row.argValues, capture);
  return { probe: probeName, time_ns: row.tsNs, pid: row.pid, tid: row.tid, comm: row.comm, args, ret: structuredReturn(row.retValue ?? null, capture), latency_ns: row.latencyNs ?? null };
}

export function toJsonLines(rows: readonly JsonExportRow[]): string {
  return rows.map((row) => `${JSON.stringify(row)}\n`).join('');
}

/** RFC 4180: fields with a comma, quote or line break are quoted, quotes doubled. */
export function csvField(value: string | number | null): string {
  const text = value === null ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function toCsv(rows: readonly ExportRow[]): string {
  const header = ['probe', 'time_ns', 'pid', 'tid', 'comm', 'args', 'ret', 'latency_ns'] as const;
  const lines = [header.join(',')];
  for (const row of rows) lines.push(header.map((key) => csvField(row[key])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
