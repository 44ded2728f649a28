// What the user asked to probe, parsed from the CLI's TARGET syntax (DESIGN.md §5), plus the
// pure half of finding a library by short name (reading `ldconfig -p` output). Looking at the
// filesystem is left to target-resolution.ts so that everything here is unit-testable.

import { minimatch } from 'minimatch';
import { ProbeLensError } from './errors';
import type { Condition, ConditionOp } from './protocol';

export type Target =
  /** `BINARY:FUNCTION`: BINARY has a `/` (a path) or is a short name (`libc`, `bash`). */
  | { kind: 'user-function'; text: string; binary: BinarySpec; function: string }
  /** `BINARY:GLOB` (`*`, `?`, `[…]`): every function whose name matches. */
  | { kind: 'user-functions'; text: string; binary: BinarySpec; pattern: string }
  | { kind: 'source-line'; text: string; file: string; line: number }
  /** `FILE.c:*`: every function defined in that source file. */
  | { kind: 'source-file'; text: string; file: string }
  | { kind: 'kernel-function'; text: string; function: string }
  | { kind: 'syscall'; text: string; name: string }
  | { kind: 'tracepoint'; text: string; category: string; name: string };

export type BinarySpec = { kind: 'path'; path: string } | { kind: 'short-name'; name: string };

/** Source files a `FILE:LINE` target may name; anything else before `:<digits>` is a binary. */
const SOURCE_FILE = /\.(c|h|cc|cp|cpp|cxx|c\+\+|hh|hpp|hxx|h\+\+)$/i;
const DECIMAL_LINE = /^[1-9][0-9]*$/;
/** C identifiers; kernel functions may carry a `.isra.0`-style suffix. */
const KERNEL_NAME = /^[A-Za-z_][A-Za-z0-9_.]*$/;

function badTarget(text: string, why: string): ProbeLensError {
  return new ProbeLensError('bad-params', `bad target '${text}': ${why}`);
}

/**
 * Parses one TARGET. Splits at the first `:`, so C++ symbols keep their `::`; the words
 * `kernel`, `syscall` and `tracepoint` are prefixes, so a binary of that name is `./kernel:fn`.
 */
export function parseTarget(text: string): Target {
  const colon = text.indexOf(':');
  if (colon < 0) {
    throw badTarget(text, 'expected BINARY:FUNCTION, FILE.c:LINE, kernel:FUNCTION, syscall:NAME or tracepoint:CATEGORY:NAME');
  }
  const head = text.slice(0, colon);
  const rest = text.slice(colon + 1);

  switch (head) {
    case 'kernel':
      if (!KERNEL_NAME.test(rest)) throw badTarget(text, 'expected kernel:FUNCTION with a kernel function name');
      return { kind: 'kernel-function', text, function: rest };
    case 'syscall':
      if (!KERNEL_NAME.test(rest)) throw badTarget(text, 'expected syscall:NAME, for example syscall:openat');
      return { kind: 'syscall', text, name: rest };
    case 'tracepoint': {
      const [category, name, ...extra] = rest.split(':');
      if (category === undefined || name === undefined || extra.length > 0 || !KERNEL_NAME.test(category) || !KERNEL_NAME.test(name)) {
        throw badTarget(text, 'expected tracepoint:CATEGORY:NAME, for example tracepoint:sched:sched_process_exec');
      }
      return { kind: 'tracepoint', text, category, name };
    }
  }

  if (head === '') throw badTarget(text, 'the binary before the ":" is empty');
  if (rest === '') throw badTarget(text, 'the function after the ":" is empty');
  if (/\s/.test(rest) || rest.includes('\0')) throw badTarget(text, 'a symbol name has no spaces; give the mangled name for C++');

  if (SOURCE_FILE.test(head)) {
    if (rest === '*') return { kind: 'source-file', text, file: head };
    if (!DECIMAL_LINE.test(rest)) throw badTarget(text, 'expected FILE:LINE with a line number from 1, or FILE:* for every function in the file');
    return { kind: 'source-line', text, file: head, line: Number(rest) };
  }
  const binary: BinarySpec = head.includes('/') ? { kind: 'path', path: head } : { kind: 'short-name', name: head };
  if (GLOB_CHARACTERS.test(rest)) return { kind: 'user-functions', text, binary, pattern: rest };
  return { kind: 'user-function', text, binary, function: rest };
}

const GLOB_CHARACTERS = /[*?[]/;

/** Whether a function name matches a `BINARY:GLOB` pattern (shell globs: `*`, `?`, `[…]`). */
export function nameMatches(name: string, pattern: string): boolean {
  return minimatch(name, pattern, { nocomment: true, nonegate: true, noext: true, nobrace: true });
}

export interface LdconfigEntry {
  /** The soname as listed, e.g. `libc.so.6`. */
  name: string;
  /** The flags in parentheses, e.g. `libc6,x86-64`. */
  flags: string;
  path: string;
}

/** Reads `ldconfig -p` output: a header line, then `\tNAME (FLAGS) => PATH` per library. */
export function parseLdconfigOutput(output: string): LdconfigEntry[] {
  const entries: LdconfigEntry[] = [];
  for (const line of output.split('\n')) {
    const match = /^\s+(\S+)\s+\(([^)]*)\)\s+=>\s+(.+)$/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined && match[3] !== undefined) {
      entries.push({ name: match[1], flags: match[2], path: match[3].trim() });
    }
  }
  return entries;
}

/** `libc` and `c` both mean `libc.so*`, as in bpftrace and BCC. */
export function libraryFileStem(shortName: string): string {
  return shortName.startsWith('lib') ? shortName : `lib${shortName}`;
}

/** Whether `fileName` is `STEM.so` or `STEM.so.<version>` (so `libc` matches not `libcap.so`). */
export function isLibraryFileFor(fileName: string, stem: string): boolean {
  if (!fileName.startsWith(`${stem}.so`)) return false;
  const after = fileName.slice(stem.length + 3);
  return after === '' || /^(\.[0-9]+)+$/.test(after);
}

/** ldconfig's word for the machine `process.arch` names; undefined when we do not know it. */
export function ldconfigArchFlag(arch: string): string | undefined {
  const flags: Record<string, string> = { x64: 'x86-64', arm64: 'AArch64', riscv64: 'RISC-V' };
  return flags[arch];
}

/**
 * The library a short name means, from the ld.so cache: the first entry of the machine's
 * architecture whose file is STEM.so[.N…] — the cache lists the newest first, as the dynamic
 * linker would pick it.
 */
export function pickLibraryFromLdconfig(entries: LdconfigEntry[], shortName: string, archFlag: string | undefined): string | undefined {
  const stem = libraryFileStem(shortName);
  const matching = entries.filter((entry) => isLibraryFileFor(entry.name, stem));
  const sameArch = archFlag === undefined ? matching : matching.filter((entry) => entry.flags.split(',').some((flag) => flag.trim() === archFlag));
  return sameArch[0]?.path;
}

const CONDITION_OPS: Record<string, ConditionOp> = { '==': 'eq', '!=': 'ne', '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge' };
const OP_SIGNS = Object.fromEntries(Object.entries(CONDITION_OPS).map(([sign, op]) => [op, sign])) as Record<ConditionOp, string>;

const LATENCY_UNITS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, ms: 1e6, s: 1e9 };

/** A whole number in 64 bits, as the protocol carries it (beyond 2^53 as a decimal string). */
function conditionNumber(text: string, number: string): number | string {
  const negative = number.startsWith('-');
  const magnitude = BigInt(negative ? number.slice(1) : number);
  const value = negative ? -magnitude : magnitude;
  if (value < -(2n ** 63n) || value >= 2n ** 64n) throw new ProbeLensError('usage', `bad condition '${text}': ${number} does not fit in 64 bits`);
  return value >= -(2n ** 53n) && value <= 2n ** 53n ? Number(value) : value.toString();
}

/**
 * `--if`: `quantity > 3` (an argument and a whole number, decimal or 0x hex), `name == "widget"`
 * (a string argument's text, == or !=), `retval < 0` (the return value; `return` too) or
 * `latency > 1ms` (ns, us, ms or s) — the last two decided at the return.
 */
export function parseCondition(text: string): Condition {
  const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(==|!=|<=|>=|<|>)\s*(-?(?:0x[0-9a-fA-F]+|\d+)|"(?:[^"\\]|\\.)*"|\d+(?:\.\d+)?\s*(?:ns|us|µs|ms|s))\s*$/.exec(text);
  if (match === null) {
    throw new ProbeLensError('usage', `bad condition '${text}': expected ARGUMENT OP NUMBER ('quantity > 3'), ARGUMENT == "TEXT", retval OP NUMBER or latency OP DURATION ('latency > 1ms'); OP: == != < <= > >=`);
  }
  const [, subject, sign, operand] = match as unknown as [string, string, string, string];
  const op = CONDITION_OPS[sign] as ConditionOp;
  if (operand.startsWith('"')) {
    if (op !== 'eq' && op !== 'ne') throw new ProbeLensError('usage', `bad condition '${text}': a text is compared with == or !=`);
    return { arg: subject, op, text: JSON.parse(operand) as string };
  }
  const duration = /^(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s)$/.exec(operand);
  if (duration !== null) {
    if (subject !== 'latency') throw new ProbeLensError('usage', `bad condition '${text}': only latency is compared with a duration`);
    return { on: 'latency', op, value: Math.round(Number(duration[1]) * (LATENCY_UNITS[duration[2] as string] ?? 1)) };
  }
  const value = conditionNumber(text, operand);
  return subject === 'retval' || subject === 'return' ? { on: 'return', op, value } : { arg: subject, op, value };
}

/** The argument a condition names, if it names one. */
export function conditionArgument(condition: Condition): string | undefined {
  return 'arg' in condition ? condition.arg : undefined;
}

function formatLatencyNs(ns: number): string {
  const [unit, scale] = Object.entries(LATENCY_UNITS).filter(([name]) => name !== 'µs').reverse().find(([, size]) => ns >= size && ns % size === 0) ?? ['ns', 1];
  return `${ns / scale}${unit}`;
}

/** A condition as the user writes it: `quantity > 3`, `name == "widget"`, `retval < 0`, `latency > 1ms`. */
export function describeCondition(condition: Condition): string {
  const sign = OP_SIGNS[condition.op];
  if ('text' in condition) return `${condition.arg} ${sign} ${JSON.stringify(condition.text)}`;
  if ('arg' in condition) return `${condition.arg} ${sign} ${condition.value}`;
  if (condition.on === 'return') return `retval ${sign} ${condition.value}`;
  return `latency ${sign} ${typeof condition.value === 'number' ? formatLatencyNs(condition.value) : `${condition.value}ns`}`;
}
