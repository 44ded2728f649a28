// What Run with Probes may run when the workspace names no program: the programs the probes
// are in (not shared libraries, which a program loads), then the workspace's other executables;
// and whether the program chosen holds any of the probes at all.

import * as path from 'node:path';

const SHARED_LIBRARY = /\.so(\.\d+)*$/;

export interface ProbedBinary {
  /** The file probed. */
  binary: string | undefined;
  /** A library function counted in this program only. */
  program?: string | undefined;
}

/** What the probes probe, from the probe list's entries. */
export function probedBinaries(entries: readonly { spec: { attach: { binary?: string | undefined }; program?: string | undefined } }[]): ProbedBinary[] {
  return entries.map((entry) => ({ binary: entry.spec.attach.binary, program: entry.spec.program }));
}

/** Programs to offer, those with probes first, each once. */
export function programsToOffer(probes: readonly ProbedBinary[], executables: readonly string[]): string[] {
  const probed = probes.flatMap((probe) => [probe.program, probe.binary]).filter((file): file is string => file !== undefined && !SHARED_LIBRARY.test(file));
  return [...new Set([...probed, ...executables.filter((file) => !SHARED_LIBRARY.test(file))])];
}

/** The probes that can count anything in `program`: in it, in a library (it may load), or for it. */
export function probesIn(program: string, probes: readonly ProbedBinary[]): ProbedBinary[] {
  const resolved = path.resolve(program);
  return probes.filter((probe) =>
    probe.program !== undefined
      ? probe.program === resolved
      : probe.binary !== undefined && (path.resolve(probe.binary) === resolved || SHARED_LIBRARY.test(probe.binary)),
  );
}
