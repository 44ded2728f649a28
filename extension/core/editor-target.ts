// From a cursor in a C/C++ file to probe plans: which binary was built from the file (asking
// the caller to choose when several were), then the function the cursor names — a function of
// the program, a library function called there (`printf` → `libc:printf`, counted only in that
// program), or else the function whose body holds the line. Failures are ProbeLensErrors whose
// message says what to do next. No `vscode` import: the editor glue supplies the choices.

import * as path from 'node:path';
import { binaryLabel, findBinariesDefining, findBinariesForSource, launchJsonPrograms, type BinaryCandidate } from './binaries-for-source';
import { ProbeLensError } from './errors';
import { readableName } from './names';
import { loadSymbolsAddon, type FunctionInfo, type SymbolsAddon } from './symbols-addon';
import { BinaryResolver } from './target-resolution';
import { planFunctionsOfFile, planLineIn, planSourceLine, planUserFunction, type ManyFunctionsPlan, type UserProbePlan } from './user-targets';

/** The identifier under (or just before) the cursor, with where it ends. */
export function identifierAt(lineText: string, character: number): { word: string; start: number; end: number } | undefined {
  const isIdent = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_]/.test(c);
  let start = Math.min(character, lineText.length);
  if (!isIdent(lineText[start]) && isIdent(lineText[start - 1])) start--;
  if (!isIdent(lineText[start])) return undefined;
  let end = start;
  while (start > 0 && isIdent(lineText[start - 1])) start--;
  while (isIdent(lineText[end])) end++;
  const word = lineText.slice(start, end);
  return /^[A-Za-z_]/.test(word) ? { word, start, end } : undefined;
}

/** `word(` — the identifier is called (or declared) here, not just named. */
export function isFollowedByParen(lineText: string, end: number): boolean {
  return /^\s*\(/.test(lineText.slice(end));
}

/** C keywords and common macros that look like calls but are not functions to probe. */
const NOT_FUNCTIONS = new Set(['if', 'for', 'while', 'switch', 'return', 'sizeof', 'alignof', '_Alignof', 'typeof', '__attribute__', 'defined']);

/** Libraries tried, in order, for a function the program calls but does not define. */
export const CALLED_LIBRARIES = ['libc', 'libm', 'libpthread', 'libstdc++'];

export interface EditorPosition {
  /** Absolute path of the source file. */
  file: string;
  /** 1-based. */
  line: number;
  lineText: string;
  /** 0-based column of the cursor. */
  character: number;
}

export interface EditorProbe {
  plans: UserProbePlan[];
  binary: string;
  /** The function's own declaration line (1-based) in `file`, or the call's line for a library function. */
  anchor: { file: string; line: number };
  /** Set for a library function: only this program's processes are counted. */
  program?: string;
  /** Re-plan after a rebuild. */
  replan: () => Promise<UserProbePlan[]>;
}

export interface EditorTargetOptions {
  workspaceRoots: readonly string[];
  /** The probeLens.binaries setting. */
  explicit: readonly string[];
  /** Called when several binaries were built from the file; undefined means the user cancelled. */
  chooseBinary: (file: string, candidates: readonly BinaryCandidate[]) => Promise<string | undefined>;
  /** Called when the word under the cursor names several functions (overloads, methods of other classes, virtual calls). */
  chooseFunction: (candidates: readonly FunctionInfo[]) => Promise<FunctionInfo | undefined>;
  symbols?: SymbolsAddon;
}

export class Cancelled extends Error {
  constructor() {
    super('cancelled');
  }
}

/** Why no binary was found for the file, in words with the next step (stripped builds named). */
async function noBinaryError(file: string, options: EditorTargetOptions, symbols: SymbolsAddon): Promise<ProbeLensError> {
  const named: string[] = [];
  const base = options.workspaceRoots[0] ?? path.dirname(file);
  for (const binary of options.explicit) named.push(path.resolve(base, binary));
  for (const root of options.workspaceRoots) named.push(...(await launchJsonPrograms(root)));
  for (const binary of named) {
    const info = await symbols.binaryInfo(binary).catch(() => undefined);
    if (info !== undefined && !info.hasDwarf) {
      return new ProbeLensError(
        'no-dwarf',
        `${binary} has no debug information (${info.stripped ? 'it is stripped' : 'built without -g'}), so Probe Lens cannot tell which of its functions ${path.basename(file)} defines. ` +
          'Rebuild it with -g (and without -s / strip), or probe a function by name with "Probe Lens: Probe Function in Binary…".',
      );
    }
  }
  return new ProbeLensError(
    'no-binary-for-source',
    `No binary built from ${path.basename(file)} was found: build it with -g first (the workspace's build task, make, …), ` +
      'or name it in the probeLens.binaries setting or as "program" in .vscode/launch.json.',
  );
}

const HEADER = /\.(h|hh|hpp|hxx|inl)$/i;

/** The binary to probe, and its name in labels (told apart from the others built from the file). */
async function binaryFor(file: string, options: EditorTargetOptions, symbols: SymbolsAddon, word: string | undefined): Promise<{ binary: string; label: string }> {
  const discovery = { workspaceRoots: options.workspaceRoots, explicit: options.explicit };
  let candidates = await findBinariesForSource(file, symbols, discovery);
  // A prototype in a header: the binaries that define the function it declares.
  if (candidates.length === 0 && word !== undefined && HEADER.test(file)) candidates = await findBinariesDefining(word, file, symbols, discovery);
  const [first, ...rest] = candidates;
  if (first === undefined) throw await noBinaryError(file, options, symbols);
  const labelled = (binary: string): { binary: string; label: string } => ({ binary, label: binaryLabel(binary, candidates.map((candidate) => candidate.path)) });
  if (rest.length === 0 || first.foundBy.includes('setting')) return labelled(first.path);
  const chosen = await options.chooseBinary(file, candidates);
  if (chosen === undefined) throw new Cancelled();
  return labelled(chosen);
}

/** The functions the program itself defines under that name (with DWARF, so they have a line). */
async function programFunctions(symbols: SymbolsAddon, binary: string, name: string): Promise<FunctionInfo[]> {
  const found = await symbols.lookup(binary, name).catch(() => []);
  return found.filter((fn) => !fn.fragment && fn.file !== null && fn.line !== null && (fn.address !== null || fn.inlinedOnly));
}

/** Whether DWARF's name for a source file (absolute, or relative to the build) is this file. */
export function sameSourceFile(dwarfFile: string, file: string): boolean {
  if (path.isAbsolute(dwarfFile)) return path.resolve(dwarfFile) === path.resolve(file);
  const relative = path.normalize(dwarfFile);
  return file === relative || file.endsWith(`${path.sep}${relative}`);
}

/**
 * Which of the functions named like the word under the cursor it means — never another one
 * that merely shares the short name (kv::Store::Put is not leveldb::DB::Put): the one defined
 * on this very line, else the one called on this line (DWARF call sites), else the only one,
 * else the user's choice among their qualified names.
 */
async function functionMeant(candidates: readonly FunctionInfo[], position: EditorPosition, options: EditorTargetOptions, calledHere: () => Promise<string[]>): Promise<FunctionInfo | undefined> {
  const definedHere = candidates.filter((fn) => fn.file !== null && fn.line === position.line && sameSourceFile(fn.file, position.file));
  let narrowed = definedHere;
  if (narrowed.length === 0 && candidates.length > 1) {
    const callees = new Set(await calledHere());
    narrowed = candidates.filter((fn) => callees.has(fn.name));
  }
  const meant = [...new Map((narrowed.length > 0 ? narrowed : candidates).map((fn) => [fn.name, fn])).values()];
  if (meant.length <= 1) return meant[0];
  const chosen = await options.chooseFunction(meant);
  if (chosen === undefined) throw new Cancelled();
  return chosen;
}

async function libraryFor(symbols: SymbolsAddon, name: string, cwd: string): Promise<{ library: string; shortName: string } | undefined> {
  const resolver = new BinaryResolver(cwd);
  for (const shortName of CALLED_LIBRARIES) {
    const library = await resolver.resolve({ kind: 'short-name', name: shortName }).catch(() => undefined);
    if (library === undefined) continue;
    const found = await symbols.lookup(library, name).catch(() => []);
    if (found.some((fn) => fn.address !== null && !fn.fragment)) return { library, shortName };
  }
  return undefined;
}

export async function resolveEditorProbe(position: EditorPosition, options: EditorTargetOptions): Promise<EditorProbe> {
  const symbols = options.symbols ?? loadSymbolsAddon();
  const ident = identifierAt(position.lineText, position.character);
  const called = ident !== undefined && !NOT_FUNCTIONS.has(ident.word) ? ident : undefined;
  const { binary, label: binaryName } = await binaryFor(position.file, options, symbols, called?.word);

  if (called !== undefined) {
    const calledHere = (): Promise<string[]> => symbols.calleesAt(position.file, position.line, binary).catch(() => []);
    const own = await functionMeant(await programFunctions(symbols, binary, called.word), position, options, calledHere);
    if (own !== undefined) {
      const text = `${binaryName}:${readableName(own.demangled)}`;
      const plan = (): Promise<UserProbePlan[]> => planUserFunction(text, binary, own.name);
      const anchorFile = own.file !== null && path.basename(own.file) === path.basename(position.file) ? position.file : (own.file ?? position.file);
      return { plans: await plan(), binary, anchor: { file: anchorFile, line: own.line ?? position.line }, replan: plan };
    }
    if (isFollowedByParen(position.lineText, called.end)) {
      const lib = await libraryFor(symbols, called.word, path.dirname(binary));
      if (lib !== undefined) {
        const text = `${lib.shortName}:${called.word}`;
        const plan = (): Promise<UserProbePlan[]> => planUserFunction(text, lib.library, called.word);
        return { plans: await plan(), binary: lib.library, anchor: { file: position.file, line: position.line }, program: binary, replan: plan };
      }
    }
  }

  let at;
  try {
    at = await symbols.functionAt(position.file, position.line, binary);
  } catch (error) {
    if (error instanceof ProbeLensError && (error.code === 'no-function-at-line' || error.code === 'file-not-in-binary')) {
      throw new ProbeLensError(
        'no-function-at-line',
        `The cursor is not on a function: line ${position.line} of ${path.basename(position.file)} is in no function of ${binaryName}` +
          `${error.code === 'file-not-in-binary' ? ' (the binary was not built from this file, or is older than it)' : ''}. ` +
          'Put the cursor on a function name, a call, or inside a function body.',
      );
    }
    throw error;
  }
  const fn = at.function;
  const text = `${binaryName}:${readableName(fn.demangled)}`;
  const context = { binary, command: [], cwd: path.dirname(position.file) };
  const plan = (): Promise<UserProbePlan[]> => planSourceLine(text, position.file, position.line, context);
  return { plans: await plan(), binary, anchor: { file: position.file, line: fn.line ?? position.line }, replan: plan };
}

/** Every function defined in a source file, for Probe All Functions in This File. */
export interface FileProbes {
  binary: string;
  many: ManyFunctionsPlan;
  /** Re-plan after a rebuild: the same functions, at their new addresses. */
  replan: () => Promise<ManyFunctionsPlan>;
}

export async function resolveFileProbes(file: string, options: EditorTargetOptions): Promise<FileProbes> {
  const symbols = options.symbols ?? loadSymbolsAddon();
  const { binary, label } = await binaryFor(file, options, symbols, undefined);
  // Named as Probe This Function names them, so a function probed either way is one probe.
  const plan = (): Promise<ManyFunctionsPlan> => planFunctionsOfFile(symbols, binary, file, (fn) => `${label}:${readableName(fn.demangled)}`);
  return { binary, many: await plan(), replan: plan };
}

/** Probe This Line: where the line's code starts, in the binary built from the file, with its variables. */
export async function resolveLineProbes(file: string, line: number, options: EditorTargetOptions): Promise<{ plans: UserProbePlan[]; replan: () => Promise<UserProbePlan[]> }> {
  const symbols = options.symbols ?? loadSymbolsAddon();
  const { binary, label } = await binaryFor(file, options, symbols, undefined);
  const plan = (): Promise<UserProbePlan[]> => planLineIn(symbols, `${label}:${path.basename(file)}:${line}`, binary, file, line);
  return { plans: await plan(), replan: plan };
}
