// The order of "Probe Function in Binary…": the workspace's own functions first, then the rest
// of the program, then the standard library's and the compiler's (std::, __gnu_cxx::, static
// initializers), each function once however many symbols name it.

import * as path from 'node:path';
import { readableName } from './names';
import type { FunctionInfo } from './symbols-addon';

export type FunctionGroup = 'workspace' | 'program' | 'library';

const LIBRARY_NOISE = /^(std::|__gnu_cxx::|__cxxabiv1::|_GLOBAL__|__static_initialization|__libc_csu|_start$|_init$|_fini$|frame_dummy$|register_tm_clones$|deregister_tm_clones$|__do_global)/;

function isUnder(file: string, roots: readonly string[]): boolean {
  return roots.some((root) => !path.relative(root, file).startsWith('..') && !path.isAbsolute(path.relative(root, file)));
}

export function functionGroup(fn: FunctionInfo, workspaceRoots: readonly string[]): FunctionGroup {
  if (LIBRARY_NOISE.test(readableName(fn.demangled))) return 'library';
  return fn.file !== null && isUnder(fn.file, workspaceRoots) ? 'workspace' : 'program';
}

/** The functions worth offering, grouped and sorted by readable name; aliases and parts left out. */
export function functionsToPick(functions: readonly FunctionInfo[], workspaceRoots: readonly string[]): { fn: FunctionInfo; group: FunctionGroup }[] {
  const seen = new Set<string>();
  const order: FunctionGroup[] = ['workspace', 'program', 'library'];
  return functions
    .filter((fn) => !fn.fragment && (fn.address !== null || fn.inlinedOnly))
    .filter((fn) => {
      const key = fn.address === null ? `inline:${fn.name}` : `at:${fn.address}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .map((fn) => ({ fn, group: functionGroup(fn, workspaceRoots) }))
    .sort((a, b) => order.indexOf(a.group) - order.indexOf(b.group) || readableName(a.fn.demangled).localeCompare(readableName(b.fn.demangled)));
}
