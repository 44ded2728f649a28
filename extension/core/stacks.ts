// Stacks the helper counted, named: each frame's file offset turned into the source frames there
// (inlined ones first) by the symbol addon, one call per file. A caller's frame is its return
// address; the call before it is at the address one byte earlier, and that is what is named.

import type { StackCounts, StackFrame } from './protocol';

/** One source frame at a code address; an address's frames run innermost first. */
export interface SymbolizedFrame {
  /** The source function: DWARF's name (C++: demangled, with parameters); without DWARF, the symbol's. */
  function: string;
  /** Absolute, normalized like the index's source files; absent without DWARF for the address. */
  file?: string;
  /** The address's own line in the innermost frame; in each outer one, the line of the call inlined into it. */
  line?: number;
  /** An inlined copy: the next frame is the function it was inlined into. */
  inlined: boolean;
}

/** The symbol addon's `symbolize`: for each file offset, the source frames there, innermost first. */
export type Symbolize = (binary: string, fileOffsets: number[]) => Promise<SymbolizedFrame[][]>;

/** One frame of a stack, named: where it is, and its source frames there (several where code was inlined; none when unknown). */
export type NamedFrame = StackFrame & { source: SymbolizedFrame[] };

export interface NamedStacks {
  counted: number;
  /** Calls whose stack was not counted (no room, or not readable). */
  uncounted: number;
  top: { count: number; frames: NamedFrame[] }[];
  callers: { count: number; frame: NamedFrame }[];
}

/** The offset that names a frame: a return address names the call just before it. */
function lookupOffset(frame: { offset: number }, isCaller: boolean): number {
  return isCaller && frame.offset > 0 ? frame.offset - 1 : frame.offset;
}

/** Names frames given with whether each is a caller's (a return address); a file that cannot be read leaves its frames unnamed. */
export async function nameFrames(frames: readonly { frame: StackFrame; isCaller: boolean }[], symbolize: Symbolize): Promise<NamedFrame[]> {
  const byObject = new Map<string, Set<number>>();
  for (const { frame, isCaller } of frames) {
    if (!('object' in frame)) continue;
    const offsets = byObject.get(frame.object) ?? new Set<number>();
    offsets.add(lookupOffset(frame, isCaller));
    byObject.set(frame.object, offsets);
  }
  const named = new Map<string, SymbolizedFrame[]>();
  await Promise.all(
    [...byObject].map(async ([object, offsets]) => {
      const list = [...offsets];
      const sources = await symbolize(object, list).catch(() => list.map(() => []));
      list.forEach((offset, i) => named.set(`${object}\0${offset}`, sources[i] ?? []));
    }),
  );
  return frames.map(({ frame, isCaller }) => ({
    ...frame,
    source: 'object' in frame ? (named.get(`${frame.object}\0${lookupOffset(frame, isCaller)}`) ?? []) : [],
  }));
}

/** A probe's counted stacks and callers, every frame named. */
export async function nameStacks(stacks: StackCounts, symbolize: Symbolize): Promise<NamedStacks> {
  const frames = [
    ...stacks.top.flatMap((stack) => stack.frames.map((frame, index) => ({ frame, isCaller: index > 0 }))),
    ...stacks.callers.map(({ frame }) => ({ frame, isCaller: true })),
  ];
  const named = await nameFrames(frames, symbolize);
  let at = 0;
  const top = stacks.top.map((stack) => ({ count: stack.count, frames: stack.frames.map(() => named[at++] as NamedFrame) }));
  const callers = stacks.callers.map(({ count }) => ({ count, frame: named[at++] as NamedFrame }));
  return { counted: stacks.counted, uncounted: stacks.uncounted + stacks.untallied, top, callers };
}

function baseName(file: string): string {
  return file.slice(file.lastIndexOf('/') + 1);
}

/** `function (file.c:12)`, inlined frames first and marked; else `lib.so+0x1234`, or the bare address. */
export function describeFrame(frame: NamedFrame): string[] {
  const { source } = frame;
  if (source.length > 0) {
    return source.map((s) => `${s.function}${s.file === undefined ? '' : ` (${baseName(s.file)}${s.line === undefined ? '' : `:${s.line}`})`}${s.inlined ? ' [inlined]' : ''}`);
  }
  if ('object' in frame) return [`${baseName(frame.object)}+0x${frame.offset.toString(16)}`];
  if (frame.address === null) return ['(in a file not known: the process ended before the helper read its mappings)'];
  return [`${frame.address} (in no file)`];
}

/** The summary's lines for a probe's stacks: its callers, then its most frequent stacks. */
export function stackLines(target: string, stacks: NamedStacks, topStacks = 5): string[] {
  const lines = [`${target}: callers (exact, ${stacks.counted} calls by stack${stacks.uncounted > 0 ? `, ${stacks.uncounted} not` : ''}):`];
  for (const { count, frame } of stacks.callers) lines.push(`  ${String(count).padStart(8)}  ${describeFrame(frame).join(' ← ')}`);
  if (stacks.callers.length === 0) lines.push('  (no caller seen)');
  stacks.top.slice(0, topStacks).forEach(({ count, frames }, index) => {
    lines.push(`${target}: stack ${index + 1} of ${stacks.top.length}, ${count} calls:`);
    for (const frame of frames) for (const text of describeFrame(frame)) lines.push(`    ${text}`);
  });
  return lines;
}
