// Turns a target's BINARY into the absolute path the helper needs: paths are made absolute;
// short names are looked up like bpftrace does — the ld.so cache, then the standard library
// directories, then $PATH for programs (`bash:readline`). The helper still validates the file.

import { execFile } from 'node:child_process';
import { accessSync, constants, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { ProbeLensError } from './errors';
import {
  isLibraryFileFor,
  ldconfigArchFlag,
  libraryFileStem,
  parseLdconfigOutput,
  pickLibraryFromLdconfig,
  type BinarySpec,
  type LdconfigEntry,
} from './targets';

const LDCONFIG_CANDIDATES = ['/sbin/ldconfig', '/usr/sbin/ldconfig', 'ldconfig'];
const LIBRARY_DIRECTORIES = [
  '/lib/x86_64-linux-gnu',
  '/usr/lib/x86_64-linux-gnu',
  '/lib64',
  '/usr/lib64',
  '/lib',
  '/usr/lib',
  '/usr/local/lib',
];

export class BinaryResolver {
  private ldconfigEntries: Promise<LdconfigEntry[]> | undefined;

  constructor(private readonly cwd: string) {}

  async resolve(spec: BinarySpec): Promise<string> {
    if (spec.kind === 'path') return path.resolve(this.cwd, spec.path);

    const fromCache = pickLibraryFromLdconfig(await this.readLdconfig(), spec.name, ldconfigArchFlag(process.arch));
    const found = fromCache ?? findInLibraryDirectories(spec.name) ?? findProgramInPath(spec.name);
    if (found !== undefined) return found;

    const inCwd = path.join(this.cwd, spec.name);
    const hint = isFile(inCwd)
      ? ` For the file in the current directory, write ./${spec.name}.`
      : ' Give a path (with a "/") for a program or library file.';
    throw new ProbeLensError(
      'binary-not-found',
      `no library ${libraryFileStem(spec.name)}.so* in the ld.so cache or the standard library directories, and no program '${spec.name}' in $PATH.${hint}`,
    );
  }

  private readLdconfig(): Promise<LdconfigEntry[]> {
    this.ldconfigEntries ??= runLdconfig();
    return this.ldconfigEntries;
  }
}

/** An empty list when ldconfig is missing: the directory search still applies. */
async function runLdconfig(): Promise<LdconfigEntry[]> {
  for (const ldconfig of LDCONFIG_CANDIDATES) {
    try {
      const { stdout } = await promisify(execFile)(ldconfig, ['-p'], { maxBuffer: 64 * 1024 * 1024 });
      return parseLdconfigOutput(stdout);
    } catch {
      continue;
    }
  }
  return [];
}

/** Versioned names first: a bare `libc.so` is often a linker script, not the library. */
function findInLibraryDirectories(shortName: string): string | undefined {
  const stem = libraryFileStem(shortName);
  for (const directory of LIBRARY_DIRECTORIES) {
    let names: string[];
    try {
      names = readdirSync(directory);
    } catch {
      continue;
    }
    const candidates = names.filter((name) => isLibraryFileFor(name, stem)).sort((a, b) => b.length - a.length);
    const file = candidates.map((name) => path.join(directory, name)).find(isFile);
    if (file !== undefined) return file;
  }
  return undefined;
}

/** Resolves a program name through $PATH, as a shell would. */
export function findProgramInPath(name: string, searchPath = process.env['PATH'] ?? ''): string | undefined {
  for (const directory of searchPath.split(':')) {
    if (directory === '') continue;
    const candidate = path.join(directory, name);
    if (isExecutableFile(candidate)) return path.resolve(candidate);
  }
  return undefined;
}

export function isExecutableFile(file: string): boolean {
  if (!isFile(file)) return false;
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
