// The one place that finds and loads the symbol addon (native/addon: libelf/libdw behind N-API)
// and gives its answers TypeScript types. Every function returns a promise (the reading happens
// off the main thread); a failure becomes a ProbeLensError with the addon's stable code.

import { ProbeLensError, type ErrorCode } from './errors';
import type { ArgLocation, PointeeLayout, ValueType } from './protocol';
import type { SymbolizedFrame } from './stacks';

/** Where the built addon is looked for, relative to the bundle that loads it (out/*.js, out/test-core/*.mjs). */
const ADDON_FILE = 'probe-lens-symbols.node';
const ADDON_CANDIDATES = [`./${ADDON_FILE}`, `../${ADDON_FILE}`];
/** Overrides the search, e.g. for an addon built elsewhere. */
export const ADDON_ENV = 'PROBE_LENS_SYMBOLS_ADDON';

export type ElfKind = 'executable' | 'pie-executable' | 'shared-library' | 'object' | 'core' | 'other';

export interface BinaryInfo {
  /** Canonical path. */
  path: string;
  kind: ElfKind;
  machine: string;
  buildId: string | null;
  debugLink: string | null;
  /** The separate debug file the DWARF came from (build-id or .gnu_debuglink), if not the binary. */
  debugFile: string | null;
  hasSymtab: boolean;
  hasDynsym: boolean;
  hasDwarf: boolean;
  /** No symbol table and no DWARF: only exported symbols, if any. */
  stripped: boolean;
  /** Why there are no parameter names and types, and how to get them; null with DWARF. */
  noDwarfReason: string | null;
  functionCount: number;
  sourceFileCount: number;
  warnings: string[];
}

export interface InlineSite {
  address: number;
  fileOffset: number | null;
  /** Where the call was written. */
  file: string | null;
  line: number | null;
  /** The out-of-line function the copy sits in (demangled). */
  caller: string | null;
}

export interface FunctionInfo {
  /** The symbol (mangled for C++), or the DWARF name when there is no symbol. */
  name: string;
  demangled: string;
  /** Virtual address in the ELF file; null for a function that exists only inlined. */
  address: number | null;
  /** Where a uprobe goes: the file offset of the address. */
  fileOffset: number | null;
  size: number;
  binding: 'global' | 'local' | 'weak' | 'unknown';
  inlinedOnly: boolean;
  /** A split-off part (foo.cold), not an entry point. */
  fragment: boolean;
  fromSymbolTable: boolean;
  /** CET's endbr64 first: a probe lands 4 bytes in, on the next instruction (arguments unchanged). */
  startsWithEndbr64: boolean;
  /**
   * What the kernel does with the instruction a probe replaces: rewrites a 5-byte nop into a call
   * (Linux 6.18+), emulates a nop or push, or single-steps anything else; null without code.
   */
  entryCost: EntryCost | null;
  hasDwarf: boolean;
  /** DWARF's DW_AT_name (without namespace or parameters). */
  sourceName: string | null;
  file: string | null;
  line: number | null;
  /** The last line with code in the function's body. */
  endLine: number | null;
  inlineSites: InlineSite[];
}

export interface FunctionList {
  binary: BinaryInfo;
  functions: FunctionInfo[];
}

export type EntryCost = 'optimized' | 'emulated' | 'single-stepped';

export interface TypeInfo {
  name: string;
  kind: 'void' | 'integer' | 'bool' | 'char' | 'enum' | 'pointer' | 'float' | 'struct' | 'union' | 'class' | 'array' | 'function' | 'unknown';
  size: number;
  signed: boolean;
  /** Enumerator names by value (decimal string keys). */
  enumerators?: Record<string, string>;
}

export interface ParamInfo {
  /** null for an unnamed parameter. */
  name: string | null;
  type: TypeInfo;
  /** `this` and other compiler-added parameters. */
  artificial: boolean;
  /** What DWARF says, in words: "DW_OP_reg5 (rdi)", "location list, at entry: …", "optimized out …". */
  dwarfLocation: string | null;
  /** Where it is at entry: "rdi", "xmm0", "stack sp+8", "rdi:rsi", "nowhere". */
  passedIn: string | null;
  /** A pointer to a struct: what to read where it points and how to show it; null otherwise. */
  pointee: (PointeeLayout & { size: number }) | null;
  /** How the helper reads it; null when it cannot (see note). */
  capture: { location: ArgLocation; type: ValueType } | null;
  note: string | null;
}

export interface Signature {
  function: FunctionInfo;
  hasDwarf: boolean;
  noDwarfReason: string | null;
  params: ParamInfo[];
  returnType: TypeInfo | null;
  returnCapture: ValueType | null;
  /** A struct returned by value: how to show it, and whether it is in 1 or 2 registers (null: where rax points). */
  returnPointee?: (PointeeLayout & { size: number }) | null;
  returnRegisters?: 1 | 2 | null;
  returnNote: string | null;
  variadic: boolean;
  notes: string[];
}

export interface FunctionAtResult {
  /** The binary's own name for the source file. */
  file: string;
  line: number;
  /** The innermost function whose body holds the line (the entry to probe first). */
  function: FunctionInfo;
  /** Every entry for it: the function itself, compiler clones, template instances. */
  functions: FunctionInfo[];
}

export interface LineAddresses {
  file: string;
  line: number;
  addresses: { address: number; fileOffset: number | null; function: string | null }[];
  /** The nearest lines that have code, when this one has none. */
  previousLine: number | null;
  nextLine: number | null;
}

/** Where a variable is at a line's site. */
export interface VariableLocation {
  kind: 'register' | 'memory' | 'optimized-out' | 'constant' | 'unsupported';
  /** DWARF's expression in words: "DW_OP_fbreg -40", "DW_OP_reg3 (rbx)", "optimized out here". */
  text: string;
  /** register: the register; memory: the base register (rax .. r15). */
  register?: string;
  /** memory: from the base register's value. */
  offset?: number;
  /** constant: its value. */
  value?: number;
}

/** A variable in scope at a line's site, and how the helper reads it there (null: it cannot). */
export interface LineVariable {
  name: string;
  parameter: boolean;
  type: TypeInfo;
  location: VariableLocation;
  capture: { location: ArgLocation; type: ValueType } | null;
  pointee: (PointeeLayout & { size: number }) | null;
}

/** Where one line's code starts in one function, or in one inlined copy of one. */
export interface LineSite {
  address: number;
  fileOffset: number | null;
  /** The source function whose code this is. */
  function: string;
  inlined: boolean;
  /** Innermost scope first. */
  variables: LineVariable[];
}

export interface LineSites {
  file: string;
  line: number;
  /** Empty when the line has no code (then the nearest lines with code, when known). */
  sites: LineSite[];
  previousLine: number | null;
  nextLine: number | null;
}

export type { SymbolizedFrame } from './stacks';

export interface SourceFileMatch {
  /** The binary's own path for the file. */
  file: string;
  /** The same path (or the same file through symlinks). */
  exact: boolean;
  /** Without an exact match: how many trailing path components agree (1: the file name only). */
  matchingComponents: number;
}

export interface CacheStats {
  hits: number;
  builds: number;
  entries: number;
}

/** The addon's functions, as it exports them. */
export interface SymbolsAddon {
  binaryInfo(binary: string): Promise<BinaryInfo>;
  functions(binary: string): Promise<FunctionList>;
  /** Every function a name means: symbol, demangled name, or name without parameters. */
  lookup(binary: string, name: string): Promise<FunctionInfo[]>;
  functionAt(sourceFile: string, line: number, binary: string): Promise<FunctionAtResult>;
  /** `address` picks one of several functions of that name (static functions in two files). */
  signature(binary: string, name: string, address?: number): Promise<Signature>;
  lineAddresses(sourceFile: string, line: number, binary: string): Promise<LineAddresses>;
  /** Where a line's code starts (per function and inlined copy), with the variables in scope there. */
  lineSites(sourceFile: string, line: number, binary: string): Promise<LineSites>;
  /** The functions called directly on a line (DWARF call sites, -O1 and up): symbols, else DWARF names. */
  calleesAt(sourceFile: string, line: number, binary: string): Promise<string[]>;
  /**
   * The source frames at each file offset (an address in /proc/PID/maps terms: address − start +
   * offset), innermost first, as addr2line -i: inlined copies, then the function that holds them.
   * The offset is used as given, so for a caller's frame pass its return address − 1 (inside the
   * call instruction, on the call's line). Without DWARF for it, the symbol holding it (no file or
   * line); an empty list where no symbol does, or outside the file's loaded parts.
   */
  symbolize(binary: string, fileOffsets: number[]): Promise<SymbolizedFrame[][]>;
  /** The source files the binary's DWARF names (absolute paths). */
  sourceFiles(binary: string): Promise<string[]>;
  /** The binary's name for a source file, or null when its DWARF does not name it (or it has none). */
  matchSourceFile(binary: string, sourceFile: string): Promise<SourceFileMatch | null>;
  cacheStats(): CacheStats;
  clearCache(): void;
}

/** Codes the addon rejects with; each is also an ErrorCode. */
const ADDON_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'binary-not-found',
  'not-a-file',
  'not-elf',
  'permission-denied',
  'symbol-not-found',
  'corrupt',
  'no-dwarf',
  'file-not-in-binary',
  'no-function-at-line',
  'ambiguous',
]);

function toProbeLensError(error: unknown): unknown {
  if (!(error instanceof Error) || !('code' in error) || typeof error.code !== 'string') return error;
  const code = ADDON_CODES.has(error.code as ErrorCode) ? (error.code as ErrorCode) : 'symbols-failed';
  return new ProbeLensError(code, error.message);
}

/** Wraps each promise-returning function so that its failures are ProbeLensErrors. */
function wrap(raw: SymbolsAddon): SymbolsAddon {
  const rethrow = (error: unknown): never => {
    throw toProbeLensError(error);
  };
  return {
    binaryInfo: (binary) => raw.binaryInfo(binary).catch(rethrow),
    functions: (binary) => raw.functions(binary).catch(rethrow),
    lookup: (binary, name) => raw.lookup(binary, name).catch(rethrow),
    functionAt: (sourceFile, line, binary) => raw.functionAt(sourceFile, line, binary).catch(rethrow),
    signature: (binary, name, address) => raw.signature(binary, name, address).catch(rethrow),
    lineAddresses: (sourceFile, line, binary) => raw.lineAddresses(sourceFile, line, binary).catch(rethrow),
    lineSites: (sourceFile, line, binary) => raw.lineSites(sourceFile, line, binary).catch(rethrow),
    calleesAt: (sourceFile, line, binary) => raw.calleesAt(sourceFile, line, binary).catch(rethrow),
    symbolize: (binary, fileOffsets) => raw.symbolize(binary, fileOffsets).catch(rethrow),
    sourceFiles: (binary) => raw.sourceFiles(binary).catch(rethrow),
    matchSourceFile: (binary, sourceFile) => raw.matchSourceFile(binary, sourceFile).catch(rethrow),
    cacheStats: () => raw.cacheStats(),
    clearCache: () => raw.clearCache(),
  };
}

let loaded: SymbolsAddon | undefined;

/**
 * The addon, loaded once. Looks next to the bundle (out/), one directory up (out/test-core/), or
 * at $PROBE_LENS_SYMBOLS_ADDON.
 */
export function loadSymbolsAddon(): SymbolsAddon {
  if (loaded !== undefined) return loaded;
  const override = process.env[ADDON_ENV];
  const candidates = override !== undefined && override !== '' ? [override] : ADDON_CANDIDATES;
  const failures: string[] = [];
  for (const candidate of candidates) {
    try {
      // A computed path: the bundler leaves it to node, which resolves it next to this bundle.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      loaded = wrap(require(candidate) as SymbolsAddon);
      return loaded;
    } catch (error) {
      const code = error instanceof Error && 'code' in error ? error.code : undefined;
      if (code !== 'MODULE_NOT_FOUND') failures.push(`${candidate}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const why = failures.length > 0 ? failures.join('; ') : `no ${ADDON_FILE} next to the program (out/)`;
  throw new ProbeLensError('symbols-unavailable', `the symbol reader (native addon) cannot be loaded: ${why}. Build it with npm run build.`);
}
