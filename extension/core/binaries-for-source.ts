// Which binaries were built from a source file: those the user named (the probeLens.binaries
// setting, --binary), launch.json `program`s, and ELF executables and shared libraries found in
// the workspace and in the build directories compile_commands.json names — each kept only if its
// DWARF names the file. When several match, all are returned, with why, for the caller to choose.

import { open, readdir, readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
// The ESM build: the UMD one (package.json "main") loads its parts with a require() esbuild cannot follow.
import { parse as parseJsonc } from 'jsonc-parser/lib/esm/main.js';
import { ProbeLensError } from './errors';
import type { SymbolsAddon } from './symbols-addon';

export type BinarySource = 'setting' | 'launch.json' | 'compile_commands.json' | 'workspace';

export interface BinaryCandidate {
  path: string;
  /** Where it was found, in order of trust. */
  foundBy: BinarySource[];
  /** The binary's own path for the source file (its DWARF name). */
  sourceInBinary: string;
  mtimeMs: number;
}

export interface DiscoveryOptions {
  workspaceRoots: readonly string[];
  /** Binaries the user listed (setting or --binary); relative paths are against the first root. */
  explicit?: readonly string[];
  /** Stop walking after this many directory entries (a huge tree should not stall the caller). */
  maxEntries?: number;
}

/** Directories never walked: dependencies, VCS data, editor state. */
const SKIPPED_DIRECTORIES = new Set(['node_modules', '.git', '.hg', '.svn', '.vscode-test', '.cache', '__pycache__']);
const DEFAULT_MAX_ENTRIES = 50_000;
const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);
const ET_EXEC = 2;
const ET_DYN = 3;

/** Whether a file is an ELF executable or shared object (not an object file or core dump). */
export async function isProbeableElf(file: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(file, 'r');
    const header = Buffer.alloc(18);
    const { bytesRead } = await handle.read(header, 0, 18, 0);
    if (bytesRead < 18 || !header.subarray(0, 4).equals(ELF_MAGIC)) return false;
    const littleEndian = header[5] === 1;
    const type = littleEndian ? header.readUInt16LE(16) : header.readUInt16BE(16);
    return type === ET_EXEC || type === ET_DYN;
  } catch {
    return false;
  } finally {
    await handle?.close();
  }
}

/** ELF executables and shared libraries under `root`, breadth first, skipping dependency trees. */
export async function findElfFiles(root: string, maxEntries = DEFAULT_MAX_ENTRIES): Promise<string[]> {
  const found: string[] = [];
  const queue = [root];
  let entries = 0;
  while (queue.length > 0 && entries < maxEntries) {
    const directory = queue.shift() as string;
    let names;
    try {
      names = await readdir(directory, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of names) {
      if (++entries > maxEntries) break;
      const full = path.join(directory, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRECTORIES.has(entry.name)) queue.push(full);
      } else if (entry.isFile() && !/\.(o|a|c|h|cc|cpp|hpp|txt|md|json|d)$/.test(entry.name)) {
        if (await isProbeableElf(full)) found.push(full);
      }
    }
  }
  return found;
}

export interface LaunchConfiguration {
  name: string;
  /** Absolute, with ${workspaceFolder} filled in. */
  program: string;
  args: string[];
  cwd: string;
}

function expandVariables(text: string, root: string): string {
  return text
    .replaceAll('${workspaceFolder}', root)
    .replaceAll('${workspaceRoot}', root)
    .replaceAll('${workspaceFolderBasename}', path.basename(root));
}

/** Launch configurations in ROOT/.vscode/launch.json that name a `program` we can run. */
export async function launchConfigurations(root: string): Promise<LaunchConfiguration[]> {
  let text;
  try {
    text = await readFile(path.join(root, '.vscode', 'launch.json'), 'utf8');
  } catch {
    return [];
  }
  const parsed: unknown = parseJsonc(text, [], { allowTrailingComma: true });
  if (typeof parsed !== 'object' || parsed === null || !('configurations' in parsed) || !Array.isArray(parsed.configurations)) return [];
  const found: LaunchConfiguration[] = [];
  for (const configuration of parsed.configurations as unknown[]) {
    if (typeof configuration !== 'object' || configuration === null || !('program' in configuration)) continue;
    const program = configuration.program;
    if (typeof program !== 'string') continue;
    const expanded = expandVariables(program, root);
    if (expanded.includes('${')) continue; // a variable only the debugger knows (${command:…})
    const rawArgs = 'args' in configuration && Array.isArray(configuration.args) ? (configuration.args as unknown[]) : [];
    const cwd = 'cwd' in configuration && typeof configuration.cwd === 'string' ? path.resolve(root, expandVariables(configuration.cwd, root)) : root;
    const name = 'name' in configuration && typeof configuration.name === 'string' ? configuration.name : path.basename(expanded);
    found.push({ name, program: path.resolve(root, expanded), args: rawArgs.map((arg) => expandVariables(String(arg), root)), cwd });
  }
  return found;
}

/** `program` of each launch configuration in ROOT/.vscode/launch.json, with ${workspaceFolder} filled in. */
export async function launchJsonPrograms(root: string): Promise<string[]> {
  return (await launchConfigurations(root)).map((configuration) => configuration.program);
}

/**
 * Build directories of the source according to compile_commands.json (in ROOT or ROOT/build*):
 * the `directory` of entries that compile the file. The linked binaries are somewhere below.
 */
export async function compileCommandsDirectories(root: string, sourceFile: string): Promise<string[]> {
  const candidates = [path.join(root, 'compile_commands.json')];
  try {
    for (const entry of await readdir(root, { withFileTypes: true })) {
      if (entry.isDirectory() && /^(build|out|cmake-build)/.test(entry.name)) candidates.push(path.join(root, entry.name, 'compile_commands.json'));
    }
  } catch {
    return [];
  }
  const directories = new Set<string>();
  for (const file of candidates) {
    let entries: unknown;
    try {
      entries = JSON.parse(await readFile(file, 'utf8'));
    } catch {
      continue;
    }
    if (!Array.isArray(entries)) continue;
    for (const entry of entries as unknown[]) {
      if (typeof entry !== 'object' || entry === null || !('directory' in entry) || !('file' in entry)) continue;
      const { directory, file: compiled } = entry;
      if (typeof directory !== 'string' || typeof compiled !== 'string') continue;
      if (path.resolve(directory, compiled) === sourceFile) directories.add(path.resolve(directory));
    }
  }
  return [...directories];
}

/** Every binary built from `sourceFile`, most trusted first, then newest first. */
export async function findBinariesForSource(sourceFile: string, symbols: SymbolsAddon, options: DiscoveryOptions): Promise<BinaryCandidate[]> {
  const source = path.resolve(options.workspaceRoots[0] ?? process.cwd(), sourceFile);
  const found = new Map<string, BinaryCandidate>();
  const consider = async (binary: string, by: BinarySource): Promise<void> => {
    const known = found.get(binary);
    if (known !== undefined) {
      if (!known.foundBy.includes(by)) known.foundBy.push(by);
      return;
    }
    let match;
    let mtimeMs: number;
    try {
      mtimeMs = (await stat(binary)).mtimeMs;
      match = await symbols.matchSourceFile(binary, source);
    } catch {
      return; // not readable, not ELF, corrupt: not a candidate
    }
    // What the user named may have been built elsewhere (a container): a matching file name
    // will do. Found by searching, it must be the same file, or at least its directory too.
    if (match === null || (by !== 'setting' && !match.exact && match.matchingComponents < 2)) return;
    found.set(binary, { path: binary, foundBy: [by], sourceInBinary: match.file, mtimeMs });
  };

  await discoverBinaries(source, options, consider);
  return byTrust([...found.values()]);
}

/** Every binary the workspace names or holds, in order of trust, each handed to `consider`. */
async function discoverBinaries(source: string, options: DiscoveryOptions, consider: (binary: string, by: BinarySource) => Promise<void>): Promise<void> {
  const base = options.workspaceRoots[0] ?? process.cwd();
  for (const binary of options.explicit ?? []) await consider(path.resolve(base, binary), 'setting');
  for (const root of options.workspaceRoots) {
    for (const program of await launchJsonPrograms(root)) await consider(program, 'launch.json');
  }
  for (const root of options.workspaceRoots) {
    for (const directory of await compileCommandsDirectories(root, source)) {
      for (const binary of await findElfFiles(directory, options.maxEntries)) await consider(binary, 'compile_commands.json');
    }
  }
  for (const root of options.workspaceRoots) {
    for (const binary of await findElfFiles(root, options.maxEntries)) await consider(binary, 'workspace');
  }
}

function byTrust(candidates: BinaryCandidate[]): BinaryCandidate[] {
  const trust: BinarySource[] = ['setting', 'launch.json', 'compile_commands.json', 'workspace'];
  const rank = (candidate: BinaryCandidate): number => Math.min(...candidate.foundBy.map((by) => trust.indexOf(by)));
  return candidates.sort((a, b) => rank(a) - rank(b) || b.mtimeMs - a.mtimeMs);
}

/**
 * The binaries that define a function of this name, for a prototype in a header: a header's
 * declarations rarely reach a binary's file table, but the function's definition does.
 */
export async function findBinariesDefining(functionName: string, header: string, symbols: SymbolsAddon, options: DiscoveryOptions): Promise<BinaryCandidate[]> {
  const found = new Map<string, BinaryCandidate>();
  await discoverBinaries(path.resolve(options.workspaceRoots[0] ?? process.cwd(), header), options, async (binary, by) => {
    const known = found.get(binary);
    if (known !== undefined) {
      if (!known.foundBy.includes(by)) known.foundBy.push(by);
      return;
    }
    try {
      const defined = (await symbols.lookup(binary, functionName)).find((fn) => fn.address !== null && !fn.fragment && fn.file !== null);
      if (defined?.file) found.set(binary, { path: binary, foundBy: [by], sourceInBinary: defined.file, mtimeMs: (await stat(binary)).mtimeMs });
    } catch {
      // not readable, not ELF, corrupt: not a candidate
    }
  });
  return byTrust([...found.values()]);
}

/** Exactly one binary for the source, or an error that lists the choices (or says none was found). */
export function pickBinaryForSource(sourceFile: string, candidates: readonly BinaryCandidate[], roots: readonly string[]): BinaryCandidate {
  const [first, ...rest] = candidates;
  if (first === undefined) {
    throw new ProbeLensError(
      'no-binary-for-source',
      `no binary built from ${sourceFile} was found (searched ${roots.join(', ')} for ELF files whose DWARF names it, .vscode/launch.json and compile_commands.json). Build it with -g, or name the binary with --binary`,
    );
  }
  // The user's own choice (setting, --binary) wins; so does a single launch.json program.
  const decisive = rest.filter((candidate) => candidate.foundBy[0] === first.foundBy[0]);
  if (first.foundBy.includes('setting') || decisive.length === 0) return first;
  throw new ProbeLensError(
    'ambiguous',
    `several binaries were built from ${sourceFile}: ${[first, ...decisive].map((candidate) => candidate.path).join(', ')}; choose one with --binary`,
  );
}

/**
 * How a binary is named in labels: its file name, or as many of its last path components as
 * tell it apart from the others built from the same source (`O0/mdb_stat`, `O2/mdb_stat`).
 */
export function binaryLabel(binary: string, others: readonly string[]): string {
  const parts = binary.split(path.sep).filter(Boolean);
  const rivals = others.filter((other) => other !== binary).map((other) => other.split(path.sep).filter(Boolean));
  for (let count = 1; count <= parts.length; count++) {
    const tail = parts.slice(-count).join('/');
    if (!rivals.some((rival) => rival.slice(-count).join('/') === tail)) return tail;
  }
  return binary;
}
