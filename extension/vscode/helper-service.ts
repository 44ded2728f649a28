// The privileged helper as a vscode-languageclient `LanguageClient` with an empty document
// selector (it is a JSON-RPC server, not a language server): started on first use through the
// privilege launcher (direct, pkexec or `sudo -n`, see core/privilege.ts), its stderr and the
// message trace (probeLens.trace.server) in the Probe Lens log, restarted after a crash with
// every probe re-attached, stopped — probes detached first — on deactivate.

import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import { promisify } from 'node:util';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  RevealOutputChannelOn,
  State,
  type CloseHandlerResult,
  type ErrorHandlerResult,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import { ProbeLensError } from '../core/errors';
import { HelperClient, HelperError } from '../core/helper-connection';
import { locateHelper } from '../core/helper-process';
import { getcapShowsBpf, planHelperLaunch, privilegeFixes, type LaunchPlan, type PrivilegeFacts } from '../core/privilege';
import { PROTOCOL_VERSION, type InitializeResult } from '../core/protocol';
import { findProgramInPath } from '../core/target-resolution';
import type { HelperAccess } from '../core/probe-manager';
import type { Ctx } from './ctx';

export type HelperState = 'stopped' | 'starting' | 'running' | 'restarting' | 'failed';

const CLIENT_ID = 'probeLens';
const MAX_RESTARTS = 4;
const RESTART_WINDOW_MS = 3 * 60_000;
const STDERR_TAIL = 4_096;

export interface HelperSessionInfo {
  client: HelperClient;
  initializeResult: InitializeResult;
  launch: LaunchPlan;
  helperPath: string;
}

export class HelperService implements HelperAccess, vscode.Disposable {
  private languageClient: LanguageClient | undefined;
  private session: HelperSessionInfo | undefined;
  private starting: Promise<HelperSessionInfo> | undefined;
  private restarts: number[] = [];
  private everRunning = false;
  private stderrTail = '';
  state: HelperState = 'stopped';
  /** The last reason the helper could not start or stopped, for the status bar and Check System. */
  lastProblem: string | undefined;
  readonly onDidChangeState = new vscode.EventEmitter<HelperState>();

  constructor(private readonly ctx: Ctx) {}

  private setState(state: HelperState): void {
    if (this.state === state) return;
    this.state = state;
    this.onDidChangeState.fire(state);
  }

  /** The helper's path: the probeLens.helperPath setting, $PROBE_LENS_HELPER, or the one shipped. */
  helperPath(): string {
    const fromSetting = this.ctx.config.helperPath;
    const env = fromSetting === undefined ? process.env : { ...process.env, PROBE_LENS_HELPER: fromSetting };
    return locateHelper(env, this.ctx.extension.extensionPath);
  }

  policyPath(): string {
    return path.join(this.ctx.extension.extensionPath, 'media', 'polkit', 'io.github.probe-lens.helper.policy');
  }

  /** For probing: the helper, running and privileged, else a ProbeLensError with the fixes. */
  async client(): Promise<HelperClient> {
    const session = await this.start();
    if (!session.initializeResult.privileged) {
      throw new ProbeLensError(
        'no-privilege',
        `The Probe Lens helper is not permitted to load eBPF programs (started ${session.launch.via}: ${session.launch.why}). ` +
          privilegeFixes(session.helperPath, this.policyPath()).join(' '),
      );
    }
    return session.client;
  }

  async requestingUid(): Promise<number | null> {
    return (await this.start()).initializeResult.requestingUser.uid;
  }

  /** Starts the helper if it is not running (privileged or not: Check System reports either way). */
  async start(): Promise<HelperSessionInfo> {
    if (this.session !== undefined && this.languageClient?.state === State.Running) return this.session;
    if (this.state === 'restarting') return this.waitForRunning();
    this.starting ??= this.startNew().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private waitForRunning(): Promise<HelperSessionInfo> {
    return new Promise((resolve, reject) => {
      const subscription = this.onDidChangeState.event((state) => {
        if (state === 'running' && this.session !== undefined) {
          subscription.dispose();
          resolve(this.session);
        } else if (state === 'failed' || state === 'stopped') {
          subscription.dispose();
          reject(new HelperError('helper-failed', this.lastProblem ?? 'the helper stopped'));
        }
      });
    });
  }

  private async startNew(): Promise<HelperSessionInfo> {
    const helperPath = this.helperPath();
    const { log } = this.ctx;
    let plan: LaunchPlan | undefined;
    const serverOptions: ServerOptions = async () => {
      plan = planHelperLaunch(this.ctx.config.privilege, helperPath, await gatherFacts(this.ctx.config.privilege, helperPath));
      log.info(`Starting the helper: ${[plan.command, ...plan.args].join(' ')} (${plan.why})`);
      this.stderrTail = '';
      const child = spawn(plan.command, plan.args, { stdio: ['pipe', 'pipe', 'pipe'] });
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => (this.stderrTail = (this.stderrTail + chunk).slice(-STDERR_TAIL)));
      child.on('exit', (code, signal) => log.info(`The helper exited (${signal ?? `status ${code ?? '?'}`})`));
      return child;
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [],
      // Records beyond this rate are counted as dropped by the helper instead of being parsed
      // here: a flood costs the extension host a fixed amount, and counts stay exact.
      initializationOptions: { maxEventsPerSecond: this.ctx.config.maxEventsPerSecond },
      outputChannel: log,
      traceOutputChannel: log,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      initializationFailedHandler: () => false,
      errorHandler: {
        error: (): ErrorHandlerResult => ({ action: ErrorAction.Continue, handled: true }),
        closed: (): CloseHandlerResult => this.onClosed(),
      },
    };
    const client = new LanguageClient(CLIENT_ID, 'Probe Lens helper', serverOptions, clientOptions);
    this.languageClient = client;
    const helper = new HelperClient(client);
    const { probes } = this.ctx;
    this.ctx.pushSession(
      helper.onEvents((n) => probes.handleEvents(n)),
      helper.onStats((n) => probes.handleStats(n)),
      helper.onEnded((n) => probes.handleEnded(n)),
      client.onDidChangeState(({ newState }) => this.onClientState(newState, helper, helperPath, () => plan)),
      { dispose: () => void client.dispose(2_000).catch(() => undefined) },
    );
    this.setState('starting');
    try {
      await client.start();
    } catch (error) {
      const words = this.stderrTail.trim();
      const how = plan === undefined ? '' : ` (${[plan.command, ...plan.args].join(' ')})`;
      this.lastProblem = `the helper could not be started${how}: ${error instanceof Error ? error.message : String(error)}${words === '' ? '' : `: ${words}`}`;
      log.error(this.lastProblem);
      this.languageClient = undefined;
      this.ctx.endSession();
      this.setState('failed');
      const privilege = plan !== undefined && plan.via !== 'direct';
      throw new ProbeLensError(privilege ? 'no-privilege' : 'helper-failed', privilege ? `${this.lastProblem}. ${privilegeFixes(helperPath, this.policyPath()).join(' ')}` : this.lastProblem);
    }
    if (this.session === undefined) throw new HelperError('helper-failed', this.lastProblem ?? 'the helper stopped while starting');
    return this.session;
  }

  private onClientState(state: State, helper: HelperClient, helperPath: string, plan: () => LaunchPlan | undefined): void {
    const client = this.languageClient;
    if (client === undefined) return;
    if (state === State.Running) {
      const result = client.initializeResult as unknown as InitializeResult | undefined;
      const launch = plan();
      if (result === undefined || launch === undefined) return;
      if (result.protocolVersion !== PROTOCOL_VERSION) {
        this.lastProblem = `the helper at ${helperPath} speaks protocol ${result.protocolVersion}, the extension ${PROTOCOL_VERSION}: rebuild both (npm run build)`;
        this.ctx.log.error(this.lastProblem);
      }
      this.session = { client: helper, initializeResult: result, launch, helperPath };
      const restarted = this.everRunning;
      this.everRunning = true;
      this.ctx.log.info(`Helper ${result.serverInfo.version} running (${launch.via}); privileged: ${result.privileged}`);
      this.setState('running');
      if (restarted) void this.ctx.probes.sessionStarted();
    } else if (state === State.Stopped) {
      this.session = undefined;
      this.ctx.probes.sessionLost(this.lastProblem ?? 'the helper stopped');
      if (this.state !== 'restarting' && this.state !== 'starting') this.setState(this.state === 'failed' ? 'failed' : 'stopped');
    } else if (state === State.Starting && this.everRunning) {
      this.setState('restarting');
    }
  }

  /** The helper went away without being asked: restart (and re-attach) unless it keeps crashing. */
  private onClosed(): CloseHandlerResult {
    const now = Date.now();
    this.restarts = this.restarts.filter((at) => now - at < RESTART_WINDOW_MS);
    const words = this.stderrTail.trim().split('\n').slice(-3).join(' ');
    this.lastProblem = `the helper stopped unexpectedly${words === '' ? '' : `: ${words}`}`;
    this.ctx.log.warn(this.lastProblem);
    this.session = undefined;
    this.ctx.probes.sessionLost(`${this.lastProblem}; restarting`);
    if (this.restarts.length >= MAX_RESTARTS) {
      this.setState('failed');
      const message = `The Probe Lens helper stopped ${MAX_RESTARTS + 1} times in 3 minutes and is not restarted. See the Probe Lens log.`;
      return { action: CloseAction.DoNotRestart, message, handled: true };
    }
    this.restarts.push(now);
    this.setState('restarting');
    return { action: CloseAction.Restart, handled: true };
  }

  /** Stops the helper (probes detached first); the next use starts a new one. */
  async stop(): Promise<void> {
    const client = this.languageClient;
    this.languageClient = undefined;
    this.session = undefined;
    if (client === undefined) return;
    if (client.isRunning()) await client.stop(2_000).catch(() => undefined);
    this.ctx.endSession();
    this.setState('stopped');
  }

  /** For tests: the helper's process id, to simulate a crash. */
  processId(): number | undefined {
    // LanguageClient keeps its child process private: look for the helper executable instead.
    return this.languageClient?.isRunning() === true ? findHelperPid(this.session?.helperPath) : undefined;
  }

  dispose(): void {
    this.onDidChangeState.dispose();
  }
}

/** The newest process running the helper executable, from /proc (tests kill it to simulate a crash). */
function findHelperPid(helperPath: string | undefined): number | undefined {
  if (helperPath === undefined) return undefined;
  let newest: number | undefined;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readlinkSync(`/proc/${name}/exe`) === helperPath && (newest === undefined || Number(name) > newest)) newest = Number(name);
    } catch {
      continue;
    }
  }
  return newest;
}

async function succeeds(command: string, args: string[]): Promise<{ ok: boolean; stdout: string }> {
  try {
    const { stdout } = await promisify(execFile)(command, args, { timeout: 3_000 });
    return { ok: true, stdout };
  } catch {
    return { ok: false, stdout: '' };
  }
}

/** Only what the chosen setting needs is looked at (`sudo -n true` is not run for `direct`). */
async function gatherFacts(setting: string, helperPath: string): Promise<PrivilegeFacts> {
  const isRoot = process.geteuid?.() === 0;
  const facts: PrivilegeFacts = {
    isRoot,
    helperHasCapabilities: false,
    sudoWithoutPassword: false,
    pkexecPath: findProgramInPath('pkexec'),
    graphicalSession: Boolean(process.env['DISPLAY'] ?? process.env['WAYLAND_DISPLAY']),
  };
  if (setting !== 'auto' || isRoot) return facts;
  const getcap = findProgramInPath('getcap') ?? ['/usr/sbin/getcap', '/sbin/getcap'].find((candidate) => existsSync(candidate));
  if (getcap !== undefined) facts.helperHasCapabilities = getcapShowsBpf((await succeeds(getcap, [helperPath])).stdout);
  if (!facts.helperHasCapabilities) facts.sudoWithoutPassword = (await succeeds('sudo', ['-n', 'true'])).ok;
  return facts;
}
