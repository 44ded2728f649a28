// Runs the program given after `--`: unprivileged (back to the sudo user when we are root via
// sudo), held in a tiny shell before its first instruction until the probes are attached, so
// that nothing it does is missed. The shell waits for a line on fd 3, closes it, then execs.
// The CLI lets it share its terminal; the extension pipes its output into a VS Code terminal.

import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { Writable } from 'node:stream';
import type { Readable } from 'node:stream';
import { ProbeLensError } from './errors';
import type { CommandOutcome } from './format';
import { findProgramInPath, isExecutableFile } from './target-resolution';

/**
 * `$0` is the program, `$@` its arguments; `read` is a shell builtin, so no other exec happens.
 * The gate closing without a line means we died before the probes were attached: the program
 * must then not run at all (exit status HOLD_ABANDONED), rather than run unprobed.
 */
export const HOLD_ABANDONED = 125;
const HOLD_SCRIPT = `read -r _ <&3 || exit ${HOLD_ABANDONED}; exec 3<&-; exec "$0" "$@"`;
const TERMINATE_GRACE_MS = 2_000;

export interface HeldCommand {
  /** The shell's pid, which becomes the program's pid at exec. */
  pid: number;
  /** Let the program start. */
  release(): void;
  /** Resolves when the program (or the shell, if it never got to exec) ends. */
  exited: Promise<CommandOutcome>;
  /** SIGTERM, then SIGKILL after a grace period; resolves when it is gone. */
  terminate(): Promise<CommandOutcome>;
  /** With `output: 'pipe'`: the program's stdout and stderr, and its stdin. */
  stdout: Readable | null;
  stderr: Readable | null;
  stdin: Writable | null;
}

export interface HeldCommandOptions {
  /**
   * `inherit`: our stdio; `stdout-to-stderr`: also ours, but its stdout to our stderr (for
   * `--json`, so our stdout stays JSON lines); `pipe`: streams for the caller.
   */
  output: 'inherit' | 'stdout-to-stderr' | 'pipe';
  cwd?: string;
}

/** The uid/gid to run the command as: the invoking user when root came from sudo. */
function unprivilegedIdentity(env: NodeJS.ProcessEnv): { uid: number; gid: number } | undefined {
  if (process.geteuid?.() !== 0) return undefined;
  const uid = Number(env['SUDO_UID']);
  const gid = Number(env['SUDO_GID']);
  if (!Number.isInteger(uid) || !Number.isInteger(gid) || uid <= 0) return undefined;
  return { uid, gid };
}

function checkProgramExists(program: string): void {
  const found = program.includes('/') ? isExecutableFile(path.resolve(program)) : findProgramInPath(program) !== undefined;
  if (!found) {
    throw new ProbeLensError('command-not-found', `cannot run '${program}': no such executable${program.includes('/') ? '' : ' in $PATH'}`);
  }
}

export async function spawnHeldCommand(argv: readonly string[], options: HeldCommandOptions): Promise<HeldCommand> {
  const [program, ...args] = argv;
  if (program === undefined) throw new ProbeLensError('usage', 'nothing to run after "--"');
  checkProgramExists(options.cwd === undefined || path.isAbsolute(program) ? program : path.resolve(options.cwd, program));

  const identity = unprivilegedIdentity(process.env);
  const child: ChildProcess = spawn('/bin/sh', ['-c', HOLD_SCRIPT, program, ...args], {
    stdio: options.output === 'pipe' ? ['pipe', 'pipe', 'pipe', 'pipe'] : ['inherit', options.output === 'stdout-to-stderr' ? 2 : 'inherit', 'inherit', 'pipe'],
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    ...identity,
  });
  const gate = child.stdio[3] as Writable | null | undefined;

  return new Promise((resolve, reject) => {
    child.once('error', (error) => reject(new ProbeLensError('command-not-found', `cannot run '${program}': ${error.message}`)));
    child.once('spawn', () => {
      const pid = child.pid;
      if (pid === undefined || gate === null || gate === undefined) {
        reject(new Error('spawned command has no pid or no fd 3'));
        return;
      }
      // The program may exit without reading the gate line; that is its business, not an error.
      gate.on('error', () => undefined);
      const exited = new Promise<CommandOutcome>((resolveExit) => {
        child.once('exit', (exitCode, signal) => resolveExit({ argv: [...argv], exitCode, signal }));
      });
      resolve({
        pid,
        exited,
        stdout: child.stdout,
        stderr: child.stderr,
        stdin: child.stdin,
        release: () => gate.end('\n'),
        async terminate() {
          if (child.exitCode === null && child.signalCode === null) {
            child.kill('SIGTERM');
            const killLater = setTimeout(() => child.kill('SIGKILL'), TERMINATE_GRACE_MS);
            const outcome = await exited;
            clearTimeout(killLater);
            return outcome;
          }
          return exited;
        },
      });
    });
  });
}
