// The words beside a probed function: the after-line text (`  12 calls · 4.0/s · → 750 ×3, -1 ×2
// · p50 ≤33 µs · p99 ≤131 µs`, shaped by the probeLens.decoration.format template) and the
// hover's markdown listing the last calls as `name(arg=value, …) → ret` (and, with Show Callers,
// who called it most; with Show Value Distribution, an argument's top values and log2 buckets).
// Pure, so the exact
// text is unit-tested and the extension's test API reports what the editor draws.

import type { AggregateSnapshot, CallRow } from './probe-aggregate';
import type { EntryCost } from './symbols-addon';
import type { EntryCostsResult } from './protocol';
import { formatDuration } from './format';
import { calledFromText } from './callers';
import type { NamedStacks } from './stacks';
import { log2BucketLabel } from './histogram';
import { formatValueCount, valuesCalls, type ValueCounts } from './value-totals';

export const DEFAULT_DECORATION_FORMAT = '{calls} · {rate} · {returns} · {p50} · {p99}';
export const DECORATION_PLACEHOLDERS = ['calls', 'rate', 'returns', 'p50', 'p99', 'dropped', 'state'] as const;

/** Latency bucket bounds, short: `≤33 µs`, `≤1.0 ms`, `≤512 ns`. */
export function formatLatencyBound(ns: number): string {
  const [value, unit] = ns < 1_000 ? [ns, 'ns'] : ns < 1e6 ? [ns / 1e3, 'µs'] : ns < 1e9 ? [ns / 1e6, 'ms'] : [ns / 1e9, 's'];
  return `≤${value < 10 ? value.toFixed(1) : Math.round(value).toString()} ${unit}`;
}

export function formatRate(perSecond: number): string {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(1)}M/s`;
  if (perSecond >= 10_000) return `${Math.round(perSecond / 1e3)}k/s`;
  if (perSecond >= 100) return `${Math.round(perSecond)}/s`;
  return `${perSecond.toFixed(1)}/s`;
}

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** Fields the template may name; an empty field drops out with its separator. */
export function decorationFields(snapshot: AggregateSnapshot, state: string): Record<(typeof DECORATION_PLACEHOLDERS)[number], string> {
  return {
    calls: snapshot.matched === undefined ? plural(snapshot.calls, 'call', 'calls') : `${snapshot.matched} of ${plural(snapshot.calls, 'call', 'calls')} matched`,
    // A paused or ended probe says so instead of a rate it no longer measures.
    rate: snapshot.ratePerSecond === undefined || state !== 'live' ? '' : formatRate(snapshot.ratePerSecond),
    returns: snapshot.topReturns.length === 0 ? '' : `→ ${snapshot.topReturns.map(({ value, count }) => `${value} ×${count}`).join(', ')}`,
    p50: snapshot.latency === undefined ? '' : `p50 ${formatLatencyBound(snapshot.latency.p50)}`,
    p99: snapshot.latency === undefined ? '' : `p99 ${formatLatencyBound(snapshot.latency.p99)}`,
    dropped: snapshot.dropped === 0 ? '' : `${plural(snapshot.dropped, 'record', 'records')} not shown`,
    state: state === 'live' ? '' : state,
  };
}

/**
 * Fills `{name}` placeholders; separators (` · `) next to an empty field are dropped, and the
 * result starts with two spaces so it stands clear of the code.
 */
export function decorationText(snapshot: AggregateSnapshot, format: string = DEFAULT_DECORATION_FORMAT, state = 'live'): string {
  const fields: Record<string, string> = decorationFields(snapshot, state);
  const pieces = format.split(/\s*·\s*/).map((piece) => piece.replace(/\{(\w+)\}/g, (whole, name: string) => fields[name] ?? whole).trim());
  const text = pieces.filter((piece) => piece !== '').join(' · ');
  // A paused or ended probe says so even when the template does not name {state}.
  const suffix = state !== 'live' && !format.includes('{state}') ? ` (${state})` : '';
  return `  ${text}${suffix}`;
}

/** After a probed line: its hits, their rate, and the variables at the latest one. */
export function lineProbeText(snapshot: AggregateSnapshot, state = 'live'): string {
  const rate = snapshot.ratePerSecond === undefined || state !== 'live' ? '' : formatRate(snapshot.ratePerSecond);
  const last = snapshot.recent.at(-1)?.args;
  const pieces = [plural(snapshot.calls, 'hit', 'hits'), rate, last === undefined || last === '' ? '' : `last: ${last}`].filter((piece) => piece !== '');
  return `  ${pieces.join(' · ')}${state === 'live' ? '' : ` (${state})`}`;
}

/** After-line text this long at most: the rest would run off the editor's edge (the hover has it all). */
export const MAX_ANNOTATION_LENGTH = 120;

/**
 * The text after a line that several probes share (a function's inline sites, two probes on
 * one call) labels each part; one probe's text stands alone. Cut at `maxLength` with "…".
 */
export function lineAnnotation(parts: readonly { label: string; text: string }[], maxLength = MAX_ANNOTATION_LENGTH): string {
  const text = parts.length === 1 ? (parts[0]?.text ?? '') : `  ${parts.map((part) => `${part.label}: ${part.text.trim()}`).join('  |  ')}`;
  return text.length <= maxLength ? text : `${text.slice(0, maxLength - 1).trimEnd()}…`;
}

/** Markdown special characters escaped, for text that comes from the traced program. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
}

export function formatCallLine(functionName: string, row: CallRow): string {
  const ret = row.ret === undefined ? ' …' : row.ret === '' ? '' : ` → ${row.ret}`;
  return `${functionName}(${row.args})${ret}`;
}

export interface HoverInput {
  functionName: string;
  target: string;
  state: string;
  reason?: string | undefined;
  snapshot: AggregateSnapshot;
  notes: readonly string[];
  /** At most this many calls, newest first. */
  maxCalls?: number;
  entryCost?: EntryCost | undefined;
  /** A line probe: hits with the variables at each, no returns. */
  line?: boolean | undefined;
  /** With Show Callers: the probe's counted callers, named. */
  callers?: NamedStacks | undefined;
}

/**
 * The hover's line for a counted argument: its most frequent values and fullest log2 buckets, most
 * first (`quantity: 3 ×4, 7 ×4 … · log2 [2, 4) ×8 …`), and the calls not counted by value.
 */
export function valuesText(values: ValueCounts, maxValues = 3, maxBuckets = 3): string {
  if (valuesCalls(values) === 0) return `${values.arg}: no value counted yet`;
  const more = (shown: number, of: number): string => (of > shown ? ' …' : '');
  const top = values.top.slice(0, maxValues).map(formatValueCount).join(', ');
  const buckets = [...values.log2].sort((a, b) => b.count - a.count || a.bucket - b.bucket);
  const log2 = buckets.slice(0, maxBuckets).map(({ bucket, count }) => `${log2BucketLabel(bucket)} ×${count}`).join(', ');
  // Values not listed may still have been counted: '…' then, even with few listed.
  const topMore = values.top.length > maxValues || !values.complete ? ' …' : '';
  const uncounted = values.uncounted > 0 ? ` (${plural(values.uncounted, 'call', 'calls')} not counted by value)` : '';
  return `${values.arg}: ${top === '' ? '…' : `${top}${topMore}`}${uncounted} · log2 ${log2}${more(maxBuckets, buckets.length)}`;
}

/**
 * What a hit costs, by what the kernel does with the instruction the probe replaces (figures
 * measured on Linux 6.18, ../shared/KERNEL.md), and how to make it cheap when it is not.
 */
export function entryCostText(cost: EntryCost): string {
  switch (cost) {
    case 'optimized':
      return 'Each call costs ~1.5 µs: the function starts with a 5-byte nop, which Linux 6.18+ turns into a call (older kernels emulate it, ~5 µs).';
    case 'emulated':
      return 'Each call costs ~5 µs: the kernel emulates the first instruction (a nop or push). A 5-byte nop at entry costs ~1.5 µs: build with clang -fpatchable-function-entry=5.';
    case 'single-stepped':
      return 'Each call costs ~20–30 µs: the kernel single-steps the first instruction. A 5-byte nop at entry costs ~1.5 µs: build with clang -fpatchable-function-entry=5 (or gcc -pg -mfentry -mnop-mcount, without PIE).';
  }
}

/** A probe that takes at least this share of a core (calls a second × cost a call) is worth a cheaper build. */
export const HOT_PROBE_CORE_SHARE = 0.05;

/**
 * Once a single-stepped probe is hot: what it costs now, at the rate it runs, and what it would
 * with a 5-byte nop first, from the costs measured on this machine; undefined when not worth it.
 */
export function fastBuildHint(functionName: string, cost: EntryCost | undefined, callsPerSecond: number | undefined, measured: EntryCostsResult | undefined): string | undefined {
  if (cost !== 'single-stepped' || callsPerSecond === undefined) return undefined;
  const perCall = measured?.nsPerHit['single-stepped'] ?? 20_000;
  const share = (callsPerSecond * perCall) / 1e9;
  if (share < HOT_PROBE_CORE_SHARE) return undefined;
  const cheap = measured === undefined ? '~1.5 µs' : `~${formatDuration(measured.nsPerHit.optimized)}`;
  return (
    `${functionName} runs ${Math.round(callsPerSecond).toLocaleString('en-US')} times a second, and each probed call costs ~${formatDuration(perCall)} here ` +
    `(its first instruction is single-stepped): about ${Math.round(share * 100)}% of a core. Built with clang -fpatchable-function-entry=5 ` +
    `(or gcc -pg -mfentry -mnop-mcount, without PIE), each would cost ${cheap}${measured === undefined || measured.nop5Optimized ? '' : ' (emulated: this kernel does not turn the nop into a call)'}.`
  );
}

/** The hover: a heading with the exact counts, then the last calls in a code block, newest first. */
export function hoverMarkdown(input: HoverInput): string {
  const { snapshot } = input;
  const lines: string[] = [];
  lines.push(`**Probe Lens** · \`${input.target}\` · ${input.state}${input.reason === undefined ? '' : `: ${escapeMarkdown(input.reason)}`}`);
  lines.push('');
  const callCount = snapshot.matched === undefined ? plural(snapshot.calls, 'call', 'calls') : `${snapshot.matched} of ${plural(snapshot.calls, 'call', 'calls')} matched`;
  const counts = input.line === true ? [plural(snapshot.calls, 'hit', 'hits')] : [callCount, plural(snapshot.returns, 'return', 'returns')];
  if (snapshot.dropped > 0) counts.push(`${plural(snapshot.dropped, 'record', 'records')} not shown (counts stay exact)`);
  if (snapshot.latency !== undefined) counts.push(`p50 ${formatLatencyBound(snapshot.latency.p50)}`, `p99 ${formatLatencyBound(snapshot.latency.p99)}`, `max ${formatLatencyBound(snapshot.latency.max)}`);
  lines.push(counts.join(' · '));
  if (snapshot.topReturns.length > 0) {
    const uncounted = snapshot.returnsUncounted > 0 ? ` (and ${plural(snapshot.returnsUncounted, 'return', 'returns')} of values not counted)` : '';
    lines.push('', `Most returned: ${snapshot.topReturns.map(({ value, count }) => `${value} ×${count}`).join(', ')}${uncounted}`);
  }
  if (snapshot.values !== undefined) lines.push('', escapeMarkdown(valuesText(snapshot.values)));
  const calledFrom = input.callers === undefined ? undefined : calledFromText(input.callers);
  if (calledFrom !== undefined) lines.push('', escapeMarkdown(calledFrom));
  const calls = snapshot.recent.slice(-(input.maxCalls ?? 10)).reverse();
  if (calls.length > 0) {
    // Calls past the probe's record rate are counted, not sent: the list is then a sample.
    const what = input.line === true ? 'Last hits' : 'Last calls';
    lines.push('', snapshot.sampledOut > 0 ? `${what} (a sample, evenly spread):` : `${what}:`, '', '```');
    // A fence inside a value cannot close the block: backticks are replaced.
    for (const row of calls) lines.push((input.line === true ? row.args : formatCallLine(input.functionName, row)).replaceAll('`', 'ʼ'));
    lines.push('```');
  }
  if (input.entryCost !== undefined) lines.push('', `_${escapeMarkdown(entryCostText(input.entryCost))}_`);
  for (const note of input.notes) lines.push('', `_${escapeMarkdown(note)}_`);
  return lines.join('\n');
}
