// What the CLI prints: live lines per call and return in the spirit of BCC's `trace`, the
// summary table, and the `--json` line objects whose shapes DESIGN.md §5 fixes (snake_case
// there, camelCase on the wire — converted here and nowhere else).

import type { ErrorCode } from './errors';
import { percentilesFromLog2Histogram } from './latency';
import { formatPointee, isPointeeValue, pointeeJson } from './pointee';
import { log2HistogramLines } from './histogram';
import { stackLines, type NamedStacks } from './stacks';
import type { AttachResult, CallEvent, StackFrame, CapturedShape, CapturedValue, PointeeValue, ProbeEvent, ProbeStats, ReturnEvent, ValueType } from './protocol';

/** One attached probe as the user named it, with what it captures. */
export interface ProbeDescription {
  probe: number;
  /** The TARGET as typed, e.g. `./app:add`. */
  target: string;
  functionName: string;
  capture: CapturedShape;
  /** The many-function target (`BINARY:GLOB`, `FILE.c:*`) it is one function of. */
  group?: string;
}

export interface ProbeSummary {
  probe: number;
  target: string;
  stats: ProbeStats;
  group?: string;
  /** With --stacks: its stacks, named. */
  stacks?: NamedStacks;
}

/**
 * The rows shown: a many-function target's functions most called first, those never called left
 * out and counted in a line of their own (funccount's way); other probes as they are.
 */
function summaryRows(summaries: readonly ProbeSummary[]): { shown: ProbeSummary[]; notCalled: string[] } {
  const shown: ProbeSummary[] = [];
  const notCalled: string[] = [];
  const groups = new Map<string, ProbeSummary[]>();
  for (const summary of summaries) {
    if (summary.group === undefined) shown.push(summary);
    else groups.set(summary.group, [...(groups.get(summary.group) ?? []), summary]);
  }
  for (const [group, members] of groups) {
    const called = members.filter((member) => member.stats.calls > 0).sort((a, b) => b.stats.calls - a.stats.calls || a.probe - b.probe);
    shown.push(...called);
    if (called.length < members.length) notCalled.push(`${group}: ${members.length - called.length} of ${members.length} functions were not called.`);
  }
  return { shown, notCalled };
}

/** `--values`: a probe's counted argument, most frequent values first, exact. */
function argValuesLine(summary: ProbeSummary): string[] {
  const values = summary.stats.argValues;
  if (values === undefined) return [];
  const top = values.top.map(({ value, count }) => `${typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)} ×${count}`).join(', ');
  const histogram = log2HistogramLines(values.log2);
  return [
    `${summary.target}: ${values.arg} = ${top === '' ? '(no calls)' : top}${values.uncounted > 0 ? ` (and ${values.uncounted} calls of values not counted)` : ''}`,
    ...(histogram.length === 0 ? [] : [`${summary.target}: ${values.arg}, log2 histogram${values.log2Uncounted > 0 ? ` (${values.log2Uncounted} calls not counted)` : ''}:`, ...histogram.map((line) => `  ${line}`)]),
  ];
}

/** How the command run after `--` ended: an exit status, or the signal that killed it. */
export interface CommandOutcome {
  argv: string[];
  exitCode: number | null;
  signal: string | null;
}

/** "850 ns", "1.23 µs", "45.6 ms", "2.00 s": three significant digits from µs up. */
export function formatDuration(ns: number): string {
  if (ns < 1_000) return `${Math.round(ns)} ns`;
  const [value, unit] = ns < 1e6 ? [ns / 1e3, 'µs'] : ns < 1e9 ? [ns / 1e6, 'ms'] : [ns / 1e9, 's'];
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${unit}`;
}

/** Strings read from `char *` are quoted; integers beyond 2^53 arrive as decimal strings and are not. */
/**
 * A char as gdb shows it, its value then the character: `65 'A'`, `-5 '\xfb'`. The value comes
 * first because int8_t is a char to DWARF too, and there the number is what matters.
 */
function formatChar(code: number): string {
  const byte = code & 0xff;
  if (byte === 0x27 || byte === 0x5c) return `${code} '\\${String.fromCharCode(byte)}'`;
  if (byte >= 0x20 && byte < 0x7f) return `${code} '${String.fromCharCode(byte)}'`;
  return `${code} '\\x${byte.toString(16).padStart(2, '0')}'`;
}

/**
 * A value of a flags enum (every enumerator but 0 a single bit, three or more of them) as the
 * enumerators ORed, the bits none names last in hex: O_CREAT|O_TRUNC|0x40000; undefined for a
 * value or an enum of another kind.
 */
function flagsText(value: number | string, enumerators: Readonly<Record<string, string>>): string | undefined {
  let bits: bigint;
  try {
    bits = BigInt(value);
  } catch {
    return undefined;
  }
  const flags = Object.entries(enumerators)
    .map(([number, name]) => [BigInt(number), name] as const)
    .filter(([number]) => number !== 0n);
  const singleBits = flags.every(([number]) => number > 0n && (number & (number - 1n)) === 0n);
  if (!singleBits || flags.length < 3 || bits <= 0n) return undefined;
  const names = flags.filter(([number]) => (bits & number) !== 0n).sort(([a], [b]) => (a < b ? -1 : 1));
  if (names.length === 0) return undefined;
  const unnamed = names.reduce((rest, [number]) => rest & ~number, bits);
  return [...names.map(([, name]) => name), ...(unnamed === 0n ? [] : [`0x${unnamed.toString(16)}`])].join('|');
}

/**
 * A value as its type says; an enum's by its enumerator's name when it has one (MDB_SET, not 15),
 * flags ORed by theirs.
 */
export function formatCapturedValue(value: CapturedValue, type: ValueType | null | undefined, enumerators?: Readonly<Record<string, string>>): string {
  if (value === null) return type === 'string' || type === 'pointer' ? 'NULL' : '?';
  if (enumerators !== undefined && (typeof value === 'number' || typeof value === 'string')) {
    const named = enumerators[String(value)] ?? flagsText(value, enumerators);
    if (named !== undefined) return named;
  }
  if (isPointeeValue(value)) return formatPointee(value, undefined);
  if (type === 'string' && typeof value === 'string') return JSON.stringify(value);
  if (type === 'char' && typeof value === 'number') return formatChar(value);
  return String(value);
}

/** A return value as its type says; a struct returned by value by its fields. */
export function formatReturnValue(value: CapturedValue, shape: CapturedShape): string {
  if (shape.returnLayout !== undefined && isPointeeValue(value)) return formatPointee(value, shape.returnLayout);
  return formatCapturedValue(value, shape.ret, shape.returnEnum);
}

/** A call's arguments, `name=value, …`, each as its type and (for a struct pointer) layout say. */
export function formatArgs(capture: CapturedShape, args: Readonly<Record<string, CapturedValue>>): string {
  const typeOf = new Map(capture.args.map((arg) => [arg.name, arg.type]));
  return Object.entries(args)
    .map(([name, value]) => {
      const layout = capture.layouts?.[name];
      return `${name}=${layout !== undefined && isPointeeValue(value) ? formatPointee(value, layout) : formatCapturedValue(value, typeOf.get(name), capture.enums?.[name])}`;
    })
    .join(', ');
}

export function formatCallText(description: ProbeDescription, event: CallEvent): string {
  return `${description.functionName}(${formatArgs(description.capture, event.args)})`;
}

export function formatReturnText(description: ProbeDescription, event: ReturnEvent): string {
  const latency = event.latencyNs === null ? 'entry not seen' : formatDuration(event.latencyNs);
  const returned = description.capture.ret === null || description.capture.ret === undefined ? 'returned' : `→ ${formatReturnValue(event.ret, description.capture)}`;
  return `${description.functionName} ${returned}  (${latency})`;
}

const EVENT_COLUMNS = { time: 12, pid: 8, tid: 8, uid: 6, comm: 16 } as const;

/** Live lines; TIME is seconds since the first event seen, on the kernel's clock. */
export class LiveEventFormatter {
  private firstTsNs: number | undefined;

  constructor(private readonly probes: ReadonlyMap<number, ProbeDescription>) {}

  header(): string {
    return [
      'TIME(s)'.padEnd(EVENT_COLUMNS.time),
      'PID'.padEnd(EVENT_COLUMNS.pid),
      'TID'.padEnd(EVENT_COLUMNS.tid),
      'UID'.padEnd(EVENT_COLUMNS.uid),
      'COMM'.padEnd(EVENT_COLUMNS.comm),
      'TARGET  EVENT',
    ].join(' ');
  }

  line(event: ProbeEvent): string {
    this.firstTsNs ??= event.tsNs;
    const description = this.probes.get(event.probe) ?? {
      probe: event.probe,
      target: `probe ${event.probe}`,
      functionName: `probe${event.probe}`,
      capture: { args: [] },
    };
    const text = event.type === 'call' ? formatCallText(description, event) : formatReturnText(description, event);
    return [
      ((event.tsNs - this.firstTsNs) / 1e9).toFixed(6).padEnd(EVENT_COLUMNS.time),
      String(event.pid).padEnd(EVENT_COLUMNS.pid),
      String(event.tid).padEnd(EVENT_COLUMNS.tid),
      String(event.uid).padEnd(EVENT_COLUMNS.uid),
      event.comm.padEnd(EVENT_COLUMNS.comm),
      `${description.target}  ${text}`,
    ].join(' ');
  }
}

export const LATENCY_NOTE =
  'Latencies are upper bounds of the log2 histogram bucket holding each quantile: the true value is below it and at least half of it.';

/** The end-of-run table; counts are exact, latencies are bucket bounds (see LATENCY_NOTE). */
export function formatSummaryTable(summaries: readonly ProbeSummary[], command?: CommandOutcome): string {
  // A probe with a condition counts every call, and the calls that met it.
  const conditional = summaries.some((summary) => summary.stats.matched !== undefined);
  const header = ['PROBE', 'TARGET', 'CALLS', ...(conditional ? ['MATCHED'] : []), 'RETURNS', 'DROPPED', 'P50 ≤', 'P99 ≤', 'MAX ≤'];
  const { shown, notCalled } = summaryRows(summaries);
  const rows = shown.map((summary) => {
    const latency = percentilesFromLog2Histogram(summary.stats.latencyHistogram);
    const bound = (ns: number | undefined): string => (ns === undefined ? '-' : formatDuration(ns));
    return [
      String(summary.probe),
      summary.target,
      String(summary.stats.calls),
      ...(conditional ? [summary.stats.matched === undefined ? '-' : String(summary.stats.matched)] : []),
      String(summary.stats.returns),
      String(summary.stats.dropped),
      bound(latency?.p50),
      bound(latency?.p99),
      bound(latency?.max),
    ];
  });
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)));
  const render = (cells: string[]): string => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd();
  const lines = [render(header), ...rows.map(render), ...notCalled, ...shown.flatMap(argValuesLine), ...shown.flatMap((summary) => (summary.stacks === undefined ? [] : stackLines(summary.target, summary.stacks))), LATENCY_NOTE];
  if (summaries.some((summary) => summary.stats.dropped > 0)) {
    lines.push('DROPPED counts call/return records not shown (event rate too high); CALLS and RETURNS stay exact.');
  }
  const sampled = summaries.filter((summary) => summary.stats.sampledOut > 0 && summary.stats.maxRecordsPerSecond !== 0);
  if (sampled.length > 0) lines.push(`Call lines are a sample (--sample-rate): ${sampled.map((summary) => `probe ${summary.probe}: ${summary.stats.sampledOut} records left out`).join(', ')}.`);
  if (command !== undefined) lines.push(describeCommandOutcome(command));
  return `${lines.join('\n')}\n`;
}

export function describeCommandOutcome(command: CommandOutcome): string {
  const name = command.argv.join(' ');
  if (command.signal !== null) return `command '${name}' was killed by ${command.signal}`;
  return `command '${name}' exited with status ${command.exitCode ?? '?'}`;
}

// --json line shapes (DESIGN.md §5).

export interface AttachedLine {
  type: 'attached';
  probe: number;
  target: string;
  kind: AttachResult['kind'];
  attach_ms: number;
  /** User functions and lines: the file probed and the file offset the probe sits at. */
  binary?: string;
  offset?: number;
  notes?: string[];
}

export interface CallLine {
  type: 'call';
  probe: number;
  pid: number;
  tid: number;
  uid: number;
  comm: string;
  ts_ns: number;
  /** Values as captured; what a pointer argument points to decoded (pointeeJson). */
  args: Record<string, Exclude<CapturedValue, PointeeValue> | Record<string, unknown>>;
  /** With --stacks: the call's user stack as the helper placed it (files and offsets). */
  stack?: StackFrame[];
}

export interface ReturnLine {
  type: 'return';
  probe: number;
  pid: number;
  tid: number;
  uid: number;
  ts_ns: number;
  /** As captured; a struct returned by value decoded by field (pointeeJson). */
  ret: Exclude<CapturedValue, PointeeValue> | Record<string, unknown>;
  latency_ns: number | null;
}

export interface SummaryProbeLine {
  probe: number;
  target: string;
  calls: number;
  /** With --if: the calls that met the condition. */
  matched?: number;
  /** With --values: the argument's most frequent values, exact. */
  arg_values?: NonNullable<ProbeStats['argValues']>;
  /** With --stacks: the callers and most frequent stacks, exact, each frame named. */
  stacks?: NamedStacks;
  returns: number;
  dropped: number;
  /** Call/return records left out on purpose (--sample-rate, --no-events). */
  sampled_out: number;
  /** The most frequent return values, counted exactly in the kernel. */
  top_returns: { value: CapturedValue; count: number }[];
  /** Bucket upper bounds, as in the table; null when nothing returned. */
  latency_ns: { p50: number | null; p99: number | null; max: number | null };
}

export interface SummaryLine {
  type: 'summary';
  probes: SummaryProbeLine[];
  /** Present when probe-lens ran a command after `--`. */
  command?: { argv: string[]; exit_code: number | null; signal: string | null };
}

export interface ErrorLine {
  type: 'error';
  code: ErrorCode;
  message: string;
}

/** `notes`: what is not read and why, and the like; the line has them only when there are some. */
export function attachedLine(target: string, result: AttachResult, notes: readonly string[] = []): AttachedLine {
  return {
    type: 'attached', probe: result.probe, target, kind: result.kind, attach_ms: Math.round(result.attachMs * 1000) / 1000,
    ...(result.binary === undefined || result.offset === undefined ? {} : { binary: result.binary, offset: result.offset }),
    ...(notes.length === 0 ? {} : { notes: [...notes] }),
  };
}

/** Arguments as JSON: numbers as numbers (64-bit beyond 2^53 as decimal strings), what pointers point to by field. */
export function structuredArgs(args: Readonly<Record<string, CapturedValue>>, capture?: CapturedShape): CallLine['args'] {
  const layouts = capture?.layouts ?? {};
  return Object.fromEntries(Object.entries(args).map(([name, value]) => [name, isPointeeValue(value) ? pointeeJson(value, layouts[name]) : value]));
}

/** A return value as JSON: a struct returned by value by field (pointeeJson). */
export function structuredReturn(value: CapturedValue, capture?: CapturedShape): ReturnLine['ret'] {
  return isPointeeValue(value) ? pointeeJson(value, capture?.returnLayout) : value;
}

/** A call or return as a JSON line; what pointer arguments point to decoded by `capture`'s layouts. */
export function eventLine(event: ProbeEvent, capture?: CapturedShape): CallLine | ReturnLine {
  if (event.type === 'call') {
    return {
      type: 'call', probe: event.probe, pid: event.pid, tid: event.tid, uid: event.uid, comm: event.comm, ts_ns: event.tsNs, args: structuredArgs(event.args, capture),
      ...(event.stack === undefined ? {} : { stack: event.stack }),
    };
  }
  return {
    type: 'return',
    probe: event.probe,
    pid: event.pid,
    tid: event.tid,
    uid: event.uid,
    ts_ns: event.tsNs,
    ret: structuredReturn(event.ret, capture),
    latency_ns: event.latencyNs,
  };
}

export function summaryLine(summaries: readonly ProbeSummary[], command?: CommandOutcome): SummaryLine {
  const probes = summaries.map((summary): SummaryProbeLine => {
    const latency = percentilesFromLog2Histogram(summary.stats.latencyHistogram);
    return {
      probe: summary.probe,
      target: summary.target,
      calls: summary.stats.calls,
      ...(summary.stats.matched === undefined ? {} : { matched: summary.stats.matched }),
      ...(summary.stats.argValues === undefined ? {} : { arg_values: summary.stats.argValues }),
      ...(summary.stacks === undefined ? {} : { stacks: summary.stacks }),
      returns: summary.stats.returns,
      dropped: summary.stats.dropped,
      sampled_out: summary.stats.sampledOut,
      top_returns: summary.stats.topReturns ?? [],
      latency_ns: { p50: latency?.p50 ?? null, p99: latency?.p99 ?? null, max: latency?.max ?? null },
    };
  });
  if (command === undefined) return { type: 'summary', probes };
  return { type: 'summary', probes, command: { argv: command.argv, exit_code: command.exitCode, signal: command.signal } };
}

export function errorLine(code: ErrorCode, message: string): ErrorLine {
  return { type: 'error', code, message };
}

export function jsonLine(line: AttachedLine | CallLine | ReturnLine | SummaryLine | ErrorLine): string {
  return `${JSON.stringify(line)}\n`;
}
