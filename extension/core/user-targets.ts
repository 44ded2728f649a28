// Turns a user-space target — `BINARY:FUNCTION` or `FILE.c:LINE` — into attach requests with a
// capture spec from DWARF: arguments by name and type where the binary has DWARF, raw registers
// (and the reason) where it has not, one entry-only probe per inline site for a function that
// exists only inlined, and a plain error for a name that means several functions.

import * as path from 'node:path';
import { findBinariesForSource, pickBinaryForSource } from './binaries-for-source';
import { captureFromSignature, captureVariables, describeCaptureGaps, RAW_REGISTER_CAPTURE } from './capture-spec';
import { ProbeLensError } from './errors';
import { readableName } from './names';
import type { AttachParams, CapturedShape, CaptureSpec } from './protocol';
import { findProgramInPath } from './target-resolution';
import { nameMatches } from './targets';
import { loadSymbolsAddon, type EntryCost, type FunctionInfo, type SymbolsAddon } from './symbols-addon';

/** One attach request for a user-space target, and what to tell the user about it. */
export interface UserProbePlan {
  /** The target as shown: as typed, or with `@site` for an inline site. */
  text: string;
  functionName: string;
  attach: AttachParams & { binary: string; capture: CaptureSpec };
  /** What the probe shows (the capture, with how pointer arguments' structs are laid out). */
  shape: CapturedShape;
  /** Notes for the user: arguments not captured and why, raw registers, inline sites. */
  notes: string[];
  /** What each hit costs, by the instruction the probe replaces; absent when not known. */
  entryCost?: EntryCost;
  /** Where the function is defined, or the line probed. */
  source?: { file: string; line: number };
}

function hex(value: number): string {
  return `0x${value.toString(16)}`;
}

function where(fn: FunctionInfo): string {
  const source = fn.file === null ? '' : ` (${path.basename(fn.file)}:${fn.line ?? '?'})`;
  return `${fn.demangled}${source}${fn.address === null ? '' : ` at ${hex(fn.address)}`}`;
}

/** The addon, or undefined (with the reason) when it is not built: probes then read raw registers. */
function symbolsOrReason(): { symbols?: SymbolsAddon; reason?: string } {
  try {
    return { symbols: loadSymbolsAddon() };
  } catch (error) {
    return { reason: error instanceof Error ? error.message : String(error) };
  }
}

function rawPlan(text: string, binary: string, functionName: string, reason: string): UserProbePlan {
  return {
    text,
    functionName,
    attach: { binary, symbol: functionName, capture: RAW_REGISTER_CAPTURE },
    shape: RAW_REGISTER_CAPTURE,
    notes: [`${functionName}: arguments are shown raw as arg0..arg5 (64-bit registers): ${reason}`],
  };
}

/** Entry-only probes at each place the compiler copied an inlined-only function into. */
function inlineSitePlans(text: string, binary: string, fn: FunctionInfo): UserProbePlan[] {
  const sites = fn.inlineSites.filter((site) => site.fileOffset !== null);
  if (sites.length === 0) {
    throw new ProbeLensError(
      'symbol-not-found',
      `${fn.demangled} exists only inlined in ${binary}, and no inlined copy of it is left there to probe (the compiler removed them)`,
    );
  }
  const note =
    `${fn.demangled} exists only inlined (no function of its own): probing its ${sites.length} inline site(s), entry only — ` +
    'calls are counted there; arguments and return values of inlined copies are not read. Build with -fno-inline (or mark it noinline) to probe it as a function';
  return sites.map((site, index) => {
    const caller = site.caller ?? '?';
    const siteText = `${text}@${caller}${site.line === null ? '' : `:${site.line}`}`;
    return {
      text: siteText,
      functionName: `${readableName(fn.demangled)} in ${caller}`,
      attach: { binary, offset: site.fileOffset as number, retprobe: false, capture: { args: [] } },
      shape: { args: [] },
      notes: index === 0 ? [note] : [],
    };
  });
}

/** A plan for one function the addon found in `binary`. */
async function planForFunction(symbols: SymbolsAddon, text: string, binary: string, fn: FunctionInfo, asTyped: string): Promise<UserProbePlan[]> {
  if (fn.inlinedOnly) return inlineSitePlans(text, binary, fn);
  if (fn.fileOffset === null || fn.address === null) {
    throw new ProbeLensError('symbol-not-found', `${fn.demangled} in ${binary} has no code in the file (offset unknown)`);
  }
  const signature = await symbols.signature(binary, fn.name, fn.address);
  const capture = captureFromSignature(signature);
  // By symbol when the user typed the symbol (the helper then checks it); else by file offset.
  const byName = fn.fromSymbolTable && fn.name === asTyped;
  const gaps = describeCaptureGaps(fn.demangled, capture);
  const notes = gaps === undefined ? [] : [gaps];
  // Copies the compiler inlined into callers never reach the function's entry.
  if (fn.inlineSites.length > 0) {
    const sites = fn.inlineSites.map((site) => `${site.caller ?? '?'}${site.line === null ? '' : `:${site.line}`}`);
    notes.push(
      `${readableName(fn.demangled)} is also inlined at ${fn.inlineSites.length} site(s) (${sites.slice(0, 5).join(', ')}${sites.length > 5 ? ', …' : ''}): ` +
        'calls there are not counted by this probe; build with -fno-inline (or mark it noinline) to count every call',
    );
  }
  return [
    {
      text,
      functionName: readableName(fn.demangled),
      attach: { binary, ...(byName ? { symbol: fn.name } : { offset: fn.fileOffset }), capture: capture.capture },
      shape: capture.shape,
      notes,
      ...(fn.entryCost === null ? {} : { entryCost: fn.entryCost }),
      ...(fn.file === null || fn.line === null ? {} : { source: { file: fn.file, line: fn.line } }),
    },
  ];
}

/** `BINARY:FUNCTION` with BINARY already resolved to a path. */
export async function planUserFunction(text: string, binary: string, functionName: string): Promise<UserProbePlan[]> {
  const { symbols, reason } = symbolsOrReason();
  if (symbols === undefined) return [rawPlan(text, binary, functionName, reason ?? 'the symbol reader is not available')];
  let found: FunctionInfo[];
  try {
    found = await symbols.lookup(binary, functionName);
  } catch (error) {
    // Not ELF, missing, corrupt: the helper gives the same answer for the attach, in its words.
    if (error instanceof ProbeLensError) return [rawPlan(text, binary, functionName, error.message)];
    throw error;
  }
  // Aliases (two symbols, one address) are one function; fragments (foo.cold) are not entries.
  const entries = found.filter((fn, index) => !fn.fragment && (fn.address === null || found.findIndex((other) => other.address === fn.address) === index));
  const [first, ...others] = entries;
  if (first === undefined) {
    const info = await symbols.binaryInfo(binary);
    // Leave "no such function" to the helper, which says whether the binary is stripped.
    return [rawPlan(text, binary, functionName, info.noDwarfReason ?? `no function ${functionName} in its symbol table or DWARF`)];
  }
  if (others.length > 0) {
    throw new ProbeLensError(
      'ambiguous',
      `${functionName} means ${entries.length} functions in ${binary}: ${entries.map(where).join('; ')}. Probe one by FILE:LINE` +
        (entries.some((fn) => fn.name !== fn.demangled) ? ', or by its symbol name' : '') +
        ` (${entries.map((fn) => (fn.file !== null && fn.line !== null ? `${path.basename(fn.file)}:${fn.line}` : fn.name)).join(', ')})`,
    );
  }
  return planForFunction(symbols, text, binary, first, functionName);
}

export interface SourceLineContext {
  /** --binary, when given (a path). */
  binary?: string;
  /** The command after `--`: its program is the binary when there is no --binary. */
  command: readonly string[];
  cwd: string;
}

/** The binary a FILE:LINE target means: --binary, the command's program, or a workspace search. */
export async function binaryForSource(file: string, context: SourceLineContext, symbols: SymbolsAddon): Promise<string> {
  if (context.binary !== undefined) return path.resolve(context.cwd, context.binary);
  const program = context.command[0];
  if (program !== undefined) {
    const resolved = program.includes('/') ? path.resolve(context.cwd, program) : findProgramInPath(program);
    if (resolved !== undefined) {
      const match = await symbols.matchSourceFile(resolved, file).catch(() => null);
      if (match !== null) return resolved;
    }
  }
  const candidates = await findBinariesForSource(file, symbols, { workspaceRoots: [context.cwd] });
  return pickBinaryForSource(file, candidates, [context.cwd]).path;
}

/** `FILE.c:LINE`: the innermost function whose body holds the line. */
export async function planSourceLine(text: string, file: string, line: number, context: SourceLineContext): Promise<UserProbePlan[]> {
  const { symbols, reason } = symbolsOrReason();
  if (symbols === undefined) throw new ProbeLensError('symbols-unavailable', `${text}: FILE:LINE targets need the symbol reader: ${reason}`);
  const source = path.resolve(context.cwd, file);
  const binary = await binaryForSource(source, context, symbols);
  const at = await symbols.functionAt(source, line, binary);
  // Template instances share the line: probe each. Clones (foo.constprop.0) and split-off parts
  // are the compiler's, not the source's; the primary entry stands for them.
  const instances = at.functions.filter((fn) => fn.address !== null && !fn.fragment && !fn.name.includes('.'));
  // By file offset: the symbol may be one of several of that name (static functions).
  if (instances.length <= 1) return planForFunction(symbols, text, binary, at.function, '');
  const plans: UserProbePlan[] = [];
  for (const fn of instances) plans.push(...(await planForFunction(symbols, `${text} (${readableName(fn.demangled)})`, binary, fn, '')));
  return plans;
}

/** What a many-function target (`BINARY:GLOB`, `FILE.c:*`) probes, and what it left out. */
export interface ManyFunctionsPlan {
  plans: UserProbePlan[];
  /** For the user: functions that exist only inlined, or were left out, and why. */
  notes: string[];
}

/**
 * One probe per out-of-line function: aliases (one address) once, split-off parts (foo.cold)
 * never; each named by `nameOf`, and by symbol where the name is unique in the binary, else by
 * file offset (static functions of one name in several files).
 */
async function planEachFunction(symbols: SymbolsAddon, nameOf: (fn: FunctionInfo) => string, binary: string, chosen: FunctionInfo[], all: FunctionInfo[]): Promise<ManyFunctionsPlan> {
  const seen = new Set<number>();
  const entries = chosen.filter((fn) => {
    if (fn.fragment || fn.inlinedOnly || fn.address === null || seen.has(fn.address)) return false;
    seen.add(fn.address);
    return true;
  });
  const inlinedOnly = chosen.filter((fn) => fn.inlinedOnly);
  const plans: UserProbePlan[] = [];
  for (const fn of entries) {
    const unique = all.filter((other) => other.name === fn.name).length === 1;
    const [plan] = await planForFunction(symbols, nameOf(fn), binary, fn, unique ? fn.name : '');
    if (plan !== undefined) plans.push(plan);
  }
  const notes = inlinedOnly.length === 0 ? [] : [
    `${inlinedOnly.length} function(s) exist only inlined and are not probed here: ${inlinedOnly.slice(0, 5).map((fn) => readableName(fn.demangled)).join(', ')}${inlinedOnly.length > 5 ? ', …' : ''} (probe one by name for its inline sites)`,
  ];
  return { plans, notes };
}

/** `BINARY:GLOB`: every function whose symbol or readable name matches. */
export async function planMatchingFunctions(text: string, binary: string, pattern: string): Promise<ManyFunctionsPlan> {
  const { symbols, reason } = symbolsOrReason();
  if (symbols === undefined) throw new ProbeLensError('symbols-unavailable', `${text}: patterns need the symbol reader: ${reason}`);
  const { functions } = await symbols.functions(binary);
  const chosen = functions.filter((fn) => nameMatches(fn.name, pattern) || nameMatches(readableName(fn.demangled), pattern));
  if (chosen.length === 0) throw new ProbeLensError('symbol-not-found', `no function in ${binary} matches ${pattern}`);
  return planEachFunction(symbols, (fn) => `${path.basename(binary)}:${fn.name}`, binary, chosen, functions);
}

/** Every function whose definition is in `source` (from DWARF), each named by `nameOf`. */
export async function planFunctionsOfFile(symbols: SymbolsAddon, binary: string, source: string, nameOf: (fn: FunctionInfo) => string): Promise<ManyFunctionsPlan> {
  const match = await symbols.matchSourceFile(binary, source);
  if (match === null) throw new ProbeLensError('file-not-in-binary', `${binary} was not built from ${path.basename(source)} (its DWARF does not name it)`);
  const { functions } = await symbols.functions(binary);
  const chosen = functions.filter((fn) => fn.file === match.file);
  if (chosen.length === 0) throw new ProbeLensError('symbol-not-found', `${binary} has no function defined in ${path.basename(source)}`);
  return planEachFunction(symbols, nameOf, binary, chosen, functions);
}

/** `FILE.c:*`: every function whose definition is in the file. */
export async function planFileFunctions(text: string, file: string, context: SourceLineContext): Promise<ManyFunctionsPlan> {
  const { symbols, reason } = symbolsOrReason();
  if (symbols === undefined) throw new ProbeLensError('symbols-unavailable', `${text}: FILE:* targets need the symbol reader: ${reason}`);
  const source = path.resolve(context.cwd, file);
  const binary = await binaryForSource(source, context, symbols);
  return planFunctionsOfFile(symbols, binary, source, (fn) => `${path.basename(file)}:${fn.name}`);
}

/**
 * `FILE.c:LINE` as a line probe: an entry-only probe where the line's code starts in each
 * function (and each inlined copy) it is in, reading the variables in scope there by name.
 */
export async function planLine(text: string, file: string, line: number, context: SourceLineContext): Promise<UserProbePlan[]> {
  const { symbols, reason } = symbolsOrReason();
  if (symbols === undefined) throw new ProbeLensError('symbols-unavailable', `${text}: line probes need the symbol reader: ${reason}`);
  const source = path.resolve(context.cwd, file);
  return planLineIn(symbols, text, await binaryForSource(source, context, symbols), source, line);
}

/** planLine in a binary already chosen (the editor's). */
export async function planLineIn(symbols: SymbolsAddon, text: string, binary: string, source: string, line: number): Promise<UserProbePlan[]> {
  const found = await symbols.lineSites(source, line, binary);
  const sites = found.sites.filter((site) => site.fileOffset !== null);
  if (sites.length === 0) {
    const nearest = [found.previousLine, found.nextLine].filter((other): other is number => other !== null);
    throw new ProbeLensError(
      'no-function-at-line',
      `line ${line} of ${path.basename(source)} has no code in ${path.basename(binary)}` +
        (nearest.length > 0 ? `; the nearest line${nearest.length > 1 ? 's' : ''} with code: ${nearest.join(' and ')}` : ' (is it built from this file, with -g?)'),
    );
  }
  return sites.map((site) => {
    const { capture, shape, notCaptured } = captureVariables(site.variables);
    const where = sites.length > 1 ? ` (${site.inlined ? 'inlined copy of ' : ''}${site.function} at 0x${site.address.toString(16)})` : '';
    return {
      text: `${text}${where}`,
      functionName: `${path.basename(source)}:${line}${where}`,
      attach: { binary, offset: site.fileOffset as number, retprobe: false, capture },
      shape,
      notes: notCaptured.length === 0 ? [] : [`not read at ${path.basename(source)}:${line}: ${notCaptured.map((gap) => `${gap.name} (${gap.reason})`).join(', ')}`],
      source: { file: source, line },
    };
  });
}
