// The errors Probe Lens reports on purpose, each with a stable code, and what each code means for
// a process exit status. The helper's codes come over the wire (protocol.ts); the client adds its
// own for what goes wrong before or around the helper. Anything else is a bug and keeps its stack.

import type { HelperErrorCode } from './protocol';

/** Codes for failures found on the client side, never sent by the helper. */
export type ClientErrorCode =
  /** The command line itself is wrong (unknown option, missing target, …). */
  | 'usage'
  /** A well-formed request for something this version does not do yet. */
  | 'not-supported'
  /** The helper executable is missing (not built, or PROBE_LENS_HELPER points nowhere). */
  | 'helper-not-found'
  /** The helper stopped or broke the protocol while we still needed it. */
  | 'helper-failed'
  /** The program after `--` cannot be found or started. */
  | 'command-not-found'
  /** A probe for a user who is not root needs a process of theirs, and none runs the binary. */
  | 'not-running'
  /** Symbols (native addon): the file is ELF but broken (truncated, corrupt sections or DWARF). */
  | 'corrupt'
  /** Symbols: a source position was asked of a binary without DWARF. */
  | 'no-dwarf'
  /** Symbols: the binary's DWARF names no such source file. */
  | 'file-not-in-binary'
  /** Symbols: the source line is in no function of the binary. */
  | 'no-function-at-line'
  /** Symbols: a name or path means several things; the message lists them. */
  | 'ambiguous'
  /** Symbols: no binary was built from the source file (workspace scan, settings, launch.json). */
  | 'no-binary-for-source'
  /** The symbol addon is not built or does not load. */
  | 'symbols-unavailable'
  /** The symbol addon failed unexpectedly (a bug, or out of memory). */
  | 'symbols-failed';

export type ErrorCode = HelperErrorCode | ClientErrorCode;

/** An expected failure: printed as its message (and code), never as a stack trace. */
export class ProbeLensError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ProbeLensError';
  }
}

const BAD_USAGE_OR_TARGET: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'usage',
  'not-supported',
  'command-not-found',
  'bad-params',
  'binary-not-found',
  'not-a-file',
  'not-elf',
  'stripped',
  'symbol-not-found',
  'no-such-process',
  'corrupt',
  'no-dwarf',
  'file-not-in-binary',
  'no-function-at-line',
  'ambiguous',
  'no-binary-for-source',
]);

const MISSING_PRIVILEGE_OR_FEATURE: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'no-privilege',
  'feature-unavailable',
  'permission-denied',
]);

/** Exit status for an error, as DESIGN.md §5 fixes it: 2 usage/target, 3 privilege/kernel, else 1. */
export function exitCodeForError(code: ErrorCode): 1 | 2 | 3 {
  if (BAD_USAGE_OR_TARGET.has(code)) return 2;
  if (MISSING_PRIVILEGE_OR_FEATURE.has(code)) return 3;
  return 1;
}
