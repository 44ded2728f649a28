// Starts the privileged helper for the CLI and speaks JSON-RPC to it over its stdio: finds the
// executable, chooses how to get privilege (already root, file capabilities, or `sudo -n`), and
// turns "the helper is gone" into an error that says why, with the last lines it printed.
// The extension starts the helper through LanguageClient instead; this file is node-only.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import { ProbeLensError } from './errors';
import {
  HelperClient,
  HelperError,
  type ClientNotifications,
  type Disposable,
  type HelperConnection,
  type HelperNotifications,
  type HelperRequestsWithoutParams,
  type HelperRequestsWithParams,
} from './helper-connection';
import type { InitializeResult } from './protocol';

export type PrivilegeMode = 'direct' | 'sudo' | 'auto';

/** Reads PROBE_LENS_PRIVILEGE: `direct` runs the helper as we are, `sudo` through `sudo -n`. */
export function privilegeModeFrom(value: string | undefined): PrivilegeMode {
  if (value === undefined || value === '' || value === 'auto') return 'auto';
  if (value === 'direct' || value === 'sudo') return value;
  throw new ProbeLensError('usage', `PROBE_LENS_PRIVILEGE must be direct, sudo or auto, not '${value}'`);
}

/** PROBE_LENS_HELPER, else native/build/probe-lens-helper in the package the bundle sits in. */
export function locateHelper(env: NodeJS.ProcessEnv, packageRoot: string): string {
  const fromEnv = env['PROBE_LENS_HELPER'];
  const helper = fromEnv !== undefined && fromEnv !== '' ? path.resolve(fromEnv) : path.join(packageRoot, 'native', 'build', 'probe-lens-helper');
  if (!existsSync(helper)) {
    const how = fromEnv !== undefined && fromEnv !== '' ? 'PROBE_LENS_HELPER points to' : 'it is built by `make -C native` (or `npm run build`) to';
    throw new ProbeLensError('helper-not-found', `the probe-lens helper is missing: ${how} ${helper}`);
  }
  return helper;
}

export function noPrivilegeMessage(helperPath: string, detail: string): string {
  return [
    `loading eBPF programs needs privilege, and the helper has none (${detail}). Either:`,
    '  - run probe-lens as root (sudo probe-lens …),',
    `  - allow \`sudo -n ${helperPath}\` for your user without a password, or`,
    `  - give the helper file capabilities once: sudo setcap cap_bpf,cap_perfmon+ep ${helperPath}`,
  ].join('\n');
}

const STDERR_TAIL_BYTES = 8 * 1024;
const EXIT_WAIT_MS = 3_000;

/** A running helper process and the JSON-RPC connection on its stdio. */
class HelperProcess implements HelperConnection {
  private stderrTail = '';
  private exitError: HelperError | undefined;
  readonly exited: Promise<HelperError>;
  private readonly connection: MessageConnection;

  constructor(
    private readonly child: ChildProcess,
    private readonly description: string,
    forwardStderr: boolean,
  ) {
    const { stdin, stdout, stderr } = child;
    if (stdin === null || stdout === null || stderr === null) throw new Error('helper spawned without piped stdio');
    stderr.setEncoding('utf8');
    stderr.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-STDERR_TAIL_BYTES);
      if (forwardStderr) process.stderr.write(chunk);
    });
    // A write to a helper that just died must surface as the exit error, not as EPIPE.
    stdin.on('error', () => undefined);
    this.exited = new Promise((resolve) => {
      child.once('error', (error) => resolve(this.recordExit(`could not be started: ${error.message}`)));
      child.once('close', (code, signal) =>
        resolve(this.recordExit(signal !== null ? `was killed by ${signal}` : `exited with status ${code ?? '?'}`)),
      );
    });
    this.connection = createMessageConnection(new StreamMessageReader(stdout), new StreamMessageWriter(stdin));
    this.connection.listen();
  }

  /** The last lines the helper wrote to stderr, for error messages. */
  lastWords(): string {
    return this.stderrTail.trim().split('\n').slice(-10).join('\n');
  }

  private recordExit(how: string): HelperError {
    // 'close' comes after stderr was read to its end, so the last words are complete here.
    const words = this.lastWords();
    this.exitError ??= new HelperError('helper-failed', `the helper (${this.description}) ${how}${words === '' ? '' : `:\n${words}`}`);
    this.connection.dispose();
    return this.exitError;
  }

  sendRequest<M extends keyof HelperRequestsWithParams>(method: M, params: HelperRequestsWithParams[M]['params']): Promise<HelperRequestsWithParams[M]['result']>;
  sendRequest<M extends keyof HelperRequestsWithoutParams>(method: M): Promise<HelperRequestsWithoutParams[M]['result']>;
  sendRequest(method: string, ...params: unknown[]): Promise<unknown> {
    if (this.exitError !== undefined) return Promise.reject(this.exitError);
    // Once the helper is gone, its exit (with its last words) is the error, not the
    // "pending response rejected" that disposing the connection produces, nor the failed write
    // to its closed stdin that can come first (a helper its loader refused: an old glibc).
    const answer = this.connection.sendRequest(method, ...params).catch(async (error: unknown) => {
      throw this.exitError ?? ((await this.exitsWithin(EXIT_WAIT_MS)) ? this.exitError : undefined) ?? error;
    });
    return Promise.race([answer, this.exited.then((error) => Promise.reject(error))]);
  }

  sendNotification<M extends keyof ClientNotifications>(method: M, params?: ClientNotifications[M]): Promise<void> {
    if (this.exitError !== undefined) return Promise.reject(this.exitError);
    return params === undefined ? this.connection.sendNotification(method) : this.connection.sendNotification(method, params);
  }

  onNotification<M extends keyof HelperNotifications>(method: M, handler: (params: HelperNotifications[M]) => void): Disposable {
    return this.connection.onNotification(method, handler);
  }

  /**
   * Closing stdin is the helper's cue to detach everything and exit; SIGTERM is the fallback.
   * A helper run through sudo may not take our signal: then we stop waiting and leave it to
   * notice our exit (it watches for its parent's death).
   */
  async stop(): Promise<void> {
    this.child.stdin?.end();
    if (await this.exitsWithin(EXIT_WAIT_MS)) return;
    this.child.kill('SIGTERM');
    await this.exitsWithin(EXIT_WAIT_MS);
  }

  private async exitsWithin(ms: number): Promise<boolean> {
    const timeout = new Promise<false>((resolve) => setTimeout(() => resolve(false), ms).unref());
    return Promise.race([this.exited.then(() => true), timeout]);
  }
}

export interface HelperSession {
  client: HelperClient;
  initializeResult: InitializeResult;
  helperPath: string;
  launchedVia: 'direct' | 'sudo';
  /** Why we could not get privilege, when `initializeResult.privileged` is false. */
  privilegeProblem: string | undefined;
  /** Resolves with why the helper process is gone: a crash, or simply `close()`. */
  exited: Promise<HelperError>;
  /**
   * Stop reading the helper's messages, and start again: while we do not read, the helper
   * blocks and stops draining its ring buffer, so records beyond what we can pass on are
   * counted as dropped in the kernel instead of piling up in our memory.
   */
  pauseReading(): void;
  resumeReading(): void;
  /** Shutdown, exit, and wait for the process; safe to call once the helper is already gone. */
  close(): Promise<void>;
}

export interface StartHelperOptions {
  packageRoot: string;
  clientName: string;
  clientVersion: string;
  /** Forward the helper's stderr (its log) to ours as it comes. */
  verbose: boolean;
  env?: NodeJS.ProcessEnv;
}

/**
 * Starts and initializes the helper. In `auto` mode a non-root user first gets the helper
 * as-is (it may carry file capabilities), then `sudo -n`; if neither gives privilege the
 * unprivileged session is returned, so `doctor` can still report, with `privilegeProblem` set.
 */
export async function startHelperSession(options: StartHelperOptions): Promise<HelperSession> {
  const env = options.env ?? process.env;
  const mode = privilegeModeFrom(env['PROBE_LENS_PRIVILEGE']);
  const helperPath = locateHelper(env, options.packageRoot);
  const isRoot = process.geteuid?.() === 0;

  if (mode === 'sudo') {
    try {
      return await launch(helperPath, 'sudo', options);
    } catch (error) {
      if (error instanceof HelperError && error.code === 'no-privilege') throw new HelperError('no-privilege', noPrivilegeMessage(helperPath, error.message));
      throw error;
    }
  }
  if (mode === 'direct' || isRoot) {
    const session = await launch(helperPath, 'direct', options);
    if (!session.initializeResult.privileged) session.privilegeProblem = isRoot ? 'running as root, yet the kernel refused' : 'started directly as a non-root user';
    return session;
  }

  const direct = await launch(helperPath, 'direct', options);
  if (direct.initializeResult.privileged) return direct;
  try {
    const viaSudo = await launch(helperPath, 'sudo', options);
    await direct.close();
    return viaSudo;
  } catch (error) {
    if (!(error instanceof ProbeLensError)) throw error;
    direct.privilegeProblem = `not root, no file capabilities, and ${error.message}`;
    return direct;
  }
}

/** spawn throws at once for some exec failures; EPERM is a file with capabilities we may not gain. */
function spawnFailure(command: string, error: unknown): HelperError {
  const reason = error instanceof Error ? error.message : String(error);
  const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
  const hint =
    code === 'EPERM'
      ? ': the file has capabilities this process may not gain (its capability bounding set, a nosuid mount, or no_new_privs)'
      : '';
  return new HelperError('helper-failed', `could not start ${command}: ${reason}${hint}`);
}

async function launch(helperPath: string, via: 'direct' | 'sudo', options: StartHelperOptions): Promise<HelperSession> {
  const [command, args] = via === 'direct' ? [helperPath, []] : ['sudo', ['-n', '--', helperPath]];
  // Its own session: a Ctrl-C in the terminal is for us; we detach the probes, then stop it.
  let child: ChildProcess;
  try {
    child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true, env: options.env ?? process.env });
  } catch (error) {
    throw spawnFailure(command, error);
  }
  const helper = new HelperProcess(child, via === 'direct' ? helperPath : `sudo -n ${helperPath}`, options.verbose);
  const client = new HelperClient(helper);
  let initializeResult: InitializeResult;
  try {
    initializeResult = await client.initialize({
      processId: process.pid,
      clientInfo: { name: options.clientName, version: options.clientVersion },
    });
  } catch (error) {
    await helper.stop();
    if (via === 'sudo' && error instanceof HelperError && error.code === 'helper-failed') {
      throw new HelperError('no-privilege', `\`sudo -n\` did not start the helper: ${helper.lastWords() || error.message}`);
    }
    throw error;
  }

  let closed = false;
  return {
    client,
    initializeResult,
    helperPath,
    launchedVia: via,
    privilegeProblem: undefined,
    exited: helper.exited,
    pauseReading: () => child.stdout?.pause(),
    resumeReading: () => child.stdout?.resume(),
    async close() {
      if (closed) return;
      closed = true;
      try {
        await client.shutdown();
      } catch {
        // Already gone or broken: stopping the process below is all that is left to do.
      }
      await helper.stop();
    },
  };
}
