// What the Callers view and the hover say about a probe's counted stacks (Show Callers): each
// immediate caller with its exact count, share, function and file:line, the most frequent whole
// stacks through it, frame by frame (inlined frames expanded, innermost first), and plainly what
// is missing: stacks that stop at the caller (no frame pointers), calls not counted by stack,
// calls counted before stacks were on. Pure, so the exact text is unit-tested.

import * as path from 'node:path';
import type { AttachResult } from './protocol';
import { frameKey, stackKey } from './stack-totals';
import { describeFrame, type NamedFrame, type NamedStacks } from './stacks';

export interface SourceLocation {
  file: string;
  /** 1-based. */
  line: number;
}

/** One line of a stack or a caller, as a tree row shows it; clicking it opens `location`. */
export interface FrameRow {
  label: string;
  description: string;
  tooltip: string;
  location?: SourceLocation;
}

export interface StackRow {
  /** The same stack keeps its key as its count grows. */
  key: string;
  count: number;
  label: string;
  /** Its callers, innermost first: `via_b ← main`. */
  description: string;
  frames: FrameRow[];
}

export interface CallerRow extends FrameRow {
  /** The same caller keeps its key as its count grows. */
  key: string;
  count: number;
  /** count / the calls counted by stack. */
  share: number;
  /** The most frequent stacks through this caller. */
  stacks: StackRow[];
  /** Its calls by stacks not among the most frequent (not listed). */
  unlisted: number;
}

export interface CallersModel {
  /** The probe's row: its function, and how many calls were counted by stack. */
  label: string;
  description: string;
  /** What is missing or partial, in plain words (shown first); `warning` when calls go uncounted or stacks stop short. */
  notes: CallersNote[];
  callers: CallerRow[];
}

export interface CallersNote {
  text: string;
  warning: boolean;
}

export interface CallersInput {
  functionName: string;
  state: string;
  /** The calls the probe counted (with a condition: those that met it) since its counts were reset. */
  calls: number;
  named: NamedStacks | undefined;
  /** How deep the current attachment's stacks go (its attach answer). */
  depth?: AttachResult['stacks'] | undefined;
  binary?: string | undefined;
}

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

function place(file: string | undefined, line: number | undefined): string {
  if (file === undefined) return '';
  return `${path.basename(file)}${line === undefined ? '' : `:${line}`}`;
}

/** A frame as rows: one per source frame there (inlined ones first), else its file offset or address. */
export function frameRows(frame: NamedFrame): FrameRow[] {
  if (frame.source.length === 0) {
    const [text = '?'] = describeFrame(frame);
    return [{ label: text, description: '', tooltip: 'object' in frame ? `${frame.object} at file offset 0x${frame.offset.toString(16)}: no symbol names it` : text }];
  }
  return frame.source.map((source) => ({
    label: source.function,
    description: `${place(source.file, source.line)}${source.inlined ? ' (inlined)' : ''}`,
    tooltip: `${source.function}${source.file === undefined ? '' : ` — ${source.file}${source.line === undefined ? '' : `:${source.line}`}`}${source.inlined ? '\nInlined: its code is part of the function below it.' : ''}`,
    ...(source.file === undefined || source.line === undefined ? {} : { location: { file: source.file, line: source.line } }),
  }));
}

/** A caller as one row: where the call is (the innermost source frame), and what it was inlined in. */
function callerRow(frame: NamedFrame): FrameRow {
  const rows = frameRows(frame);
  const [innermost = { label: '?', description: '', tooltip: '' }] = rows;
  const outer = frame.source.slice(1).map((source) => source.function);
  return { ...innermost, tooltip: `${innermost.tooltip}${outer.length === 0 ? '' : `\nInlined in ${outer.join(' ← ')}.`}` };
}

/** `via_b ×5 (stack-callers.c:33)`. */
export function describeCaller(count: number, frame: NamedFrame): string {
  const [source] = frame.source;
  if (source === undefined) return `${describeFrame(frame)[0] ?? '?'} ×${count}`;
  const where = place(source.file, source.line);
  return `${source.function} ×${count}${where === '' ? '' : ` (${where})`}`;
}

/** The hover's line: `Called from via_b ×5 (stack-callers.c:33), via_a ×3 (stack-callers.c:24)`, the first `max` callers. */
export function calledFromText(named: NamedStacks, max = 3): string | undefined {
  if (named.callers.length === 0) return undefined;
  const shown = named.callers.slice(0, max).map(({ count, frame }) => describeCaller(count, frame));
  const more = named.callers.length - shown.length;
  const rest = more > 0 ? `, and ${plural(more, 'other caller', 'other callers')}` : '';
  const uncounted = named.uncounted > 0 ? ` (${plural(named.uncounted, 'call', 'calls')} not counted by stack)` : '';
  return `Called from ${shown.join(', ')}${rest}${uncounted}`;
}

/** Why stacks stop short, from the attach answer; undefined when they go as deep as the helper walks. */
export function shallowStacksNote(depth: AttachResult['stacks'] | undefined, binary: string | undefined): string | undefined {
  if (depth === undefined || depth.framePointers) return undefined;
  const what = depth.depth > 1 ? 'Stacks stop at the caller' : 'Stacks hold the probed address only';
  return `${what}: ${binary === undefined ? 'the binary' : path.basename(binary)} keeps no frame pointers to walk further (build with -fno-omit-frame-pointer for whole stacks).`;
}

export function callersModel(input: CallersInput): CallersModel {
  const { named } = input;
  const notes: CallersNote[] = [];
  const shallow = shallowStacksNote(input.depth, input.binary);
  if (shallow !== undefined) notes.push({ text: shallow, warning: true });
  const state = input.state === 'live' ? '' : ` · ${input.state}`;
  if (named === undefined || named.counted + named.uncounted === 0) {
    notes.push({
      text:
        input.state === 'live' || input.state === 'attaching'
          ? 'No call counted by stack yet: run the program (Run with Probes).'
          : 'Callers are counted from the probe\'s next attach: Run with Probes, or Resume it.',
      warning: false,
    });
  }
  if (named === undefined) return { label: input.functionName, description: `callers${state}`, notes, callers: [] };
  if (named.uncounted > 0) notes.push({ text: `${plural(named.uncounted, 'call was', 'calls were')} not counted by stack (no room in the kernel's map, or no stack could be read).`, warning: true });
  const before = input.calls - named.counted - named.uncounted;
  if (before > 0) notes.push({ text: `${plural(before, 'call was', 'calls were')} counted before callers were asked for: not by stack.`, warning: false });
  const withoutCaller = named.top.filter((stack) => stack.frames.length < 2).reduce((sum, stack) => sum + stack.count, 0);
  if (withoutCaller > 0) notes.push({ text: `${plural(withoutCaller, 'call has', 'calls have')} no caller read (the stack ended at the probed function).`, warning: true });
  const callers = named.callers.map(({ count, frame }): CallerRow => {
    const key = frameKey(frame);
    const through = named.top.filter((stack) => stack.frames[1] !== undefined && frameKey(stack.frames[1]) === key);
    const stacks = through.map((stack): StackRow => {
      const callerNames = stack.frames.slice(1).map((caller) => caller.source[0]?.function ?? describeFrame(caller)[0] ?? '?');
      return { key: stackKey(stack.frames), count: stack.count, label: `×${stack.count}`, description: callerNames.join(' ← '), frames: stack.frames.flatMap(frameRows) };
    });
    const listed = stacks.reduce((sum, stack) => sum + stack.count, 0);
    const row = callerRow(frame);
    const share = named.counted === 0 ? 0 : count / named.counted;
    return {
      ...row,
      description: `×${count} · ${Math.round(share * 100)}%${row.description === '' ? '' : ` · ${row.description}`}`,
      key,
      count,
      share,
      stacks,
      unlisted: Math.max(0, count - listed),
    };
  });
  return { label: input.functionName, description: `${plural(named.counted, 'call', 'calls')} by stack · exact${state}`, notes, callers };
}
