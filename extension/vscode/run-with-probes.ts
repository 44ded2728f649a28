// "Run with Probes": starts the workspace program (launch.json's first `program`, or the
// probeLens.run.* settings) held before its first instruction, re-aims every user-space probe
// at it (that process and its children, counted from its exec), lets it go, and shows its
// output in a terminal; closing the terminal ends the program. Same hold as the CLI's
// `-- COMMAND` (core/held-command.ts).

import * as path from 'node:path';
import * as vscode from 'vscode';
import { findElfFiles, launchConfigurations } from '../core/binaries-for-source';
import { Cancelled } from '../core/editor-target';
import { ProbeLensError } from '../core/errors';
import { describeCommandOutcome } from '../core/format';
import { spawnHeldCommand, type HeldCommand } from '../core/held-command';
import { probedBinaries, probesIn, programsToOffer } from '../core/run-target';
import { Commands } from './command-ids';
import type { Ctx } from './ctx';
import { guarded } from './notify';

export interface RunRequest {
  program: string;
  args: string[];
  cwd: string;
  name: string;
}

async function programToRun(ctx: Ctx): Promise<RunRequest> {
  const roots = (vscode.workspace.workspaceFolders ?? []).filter((folder) => folder.uri.scheme === 'file').map((folder) => folder.uri.fsPath);
  const configurations = (await Promise.all(roots.map((root) => launchConfigurations(root)))).flat();
  if (configurations.length > 1) {
    const picked = await vscode.window.showQuickPick(
      configurations.map((configuration) => ({ label: configuration.name, description: [configuration.program, ...configuration.args].join(' '), configuration })),
      { title: 'Run with Probes: which program?' },
    );
    if (picked === undefined) throw new Cancelled();
    return picked.configuration;
  }
  const [only] = configurations;
  if (only !== undefined) return only;
  const fromSetting = ctx.config.runProgram;
  const root = roots[0] ?? process.cwd();
  if (fromSetting !== undefined) return { ...fromSetting, program: path.resolve(root, fromSetting.program), cwd: root, name: path.basename(fromSetting.program) };
  return offerProgram(ctx, root);
}

/** Nothing names a program: offer the probed ones and the workspace's, and remember the choice in launch.json. */
async function offerProgram(ctx: Ctx, root: string): Promise<RunRequest> {
  const offered = programsToOffer(probedBinaries(ctx.probes.list()), await findElfFiles(root, 20_000));
  const noProgram = 'No program to run: add a configuration with "program" to .vscode/launch.json, or set probeLens.run.program.';
  if (offered.length === 0) throw new ProbeLensError('usage', noProgram);
  const picked = await vscode.window.showQuickPick(
    offered.map((program) => ({ label: path.basename(program), description: vscode.workspace.asRelativePath(program), program })),
    { title: 'Run with Probes: which program? (saved to .vscode/launch.json)' },
  );
  if (picked === undefined) throw new Cancelled();
  const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(picked.program));
  if (folder !== undefined) {
    const launch = vscode.workspace.getConfiguration('launch', folder.uri);
    const relative = path.relative(folder.uri.fsPath, picked.program);
    const configuration = { name: picked.label, type: 'cppdbg', request: 'launch', program: `\${workspaceFolder}/${relative}`, args: [], cwd: '${workspaceFolder}' };
    await launch.update('configurations', [...(launch.get<unknown[]>('configurations') ?? []), configuration], vscode.ConfigurationTarget.WorkspaceFolder);
  }
  return { program: picked.program, args: [], cwd: folder?.uri.fsPath ?? root, name: picked.label };
}

function parseRequest(argument: unknown): RunRequest | undefined {
  if (typeof argument !== 'object' || argument === null || !('program' in argument) || typeof argument.program !== 'string') return undefined;
  const args = 'args' in argument && Array.isArray(argument.args) ? argument.args.map(String) : [];
  const cwd = 'cwd' in argument && typeof argument.cwd === 'string' ? argument.cwd : path.dirname(argument.program);
  return { program: argument.program, args, cwd, name: path.basename(argument.program) };
}

/**
 * The one terminal Run with Probes shows its program in: each run continues below the last, and
 * a run still going when the next starts is ended first. Typing goes to the program's stdin;
 * closing the terminal ends the program.
 */
export class RunTerminal implements vscode.Disposable {
  private terminal: vscode.Terminal | undefined;
  private readonly write = new vscode.EventEmitter<string>();
  private readonly rename = new vscode.EventEmitter<string>();
  /** A terminal drops what is written before it opens: the output kept until then. */
  private pending: string[] | undefined;
  private command: HeldCommand | undefined;
  private readonly running = new Set<HeldCommand>();
  private runs = 0;

  /** Shows `command`'s output from now on, ending the previous run if it still goes. */
  show(request: RunRequest, command: HeldCommand): void {
    const previous = this.command;
    this.command = command;
    this.runs++;
    this.running.add(command);
    if (previous !== undefined && this.running.has(previous)) {
      this.print(`[Probe Lens] ending the previous run (pid ${previous.pid})\r\n`);
      void previous.terminate();
    }
    if (this.runs > 1) this.print('\r\n');
    this.print(`[Probe Lens] ${[request.program, ...request.args].join(' ')} (pid ${command.pid}), probes attached from its first instruction\r\n`);
    const toTerminal = (chunk: Buffer | string): void => {
      if (this.command === command) this.print(chunk.toString().replace(/\r?\n/g, '\r\n'));
    };
    command.stdout?.on('data', toTerminal);
    command.stderr?.on('data', toTerminal);
    void command.exited.then((outcome) => {
      this.running.delete(command);
      if (this.command === command) this.print(`\r\n[Probe Lens] ${describeCommandOutcome(outcome)}\r\n`);
    });
    if (this.terminal === undefined) this.terminal = this.create(request.name);
    else this.rename.fire(`Probe Lens: ${request.name}`);
    this.terminal.show(true);
  }

  private print(text: string): void {
    if (this.pending === undefined) this.write.fire(text);
    else this.pending.push(text);
  }

  private create(name: string): vscode.Terminal {
    this.pending = [];
    const pty: vscode.Pseudoterminal = {
      onDidWrite: this.write.event,
      onDidChangeName: this.rename.event,
      open: () => {
        for (const text of this.pending ?? []) this.write.fire(text);
        this.pending = undefined;
      },
      close: () => {
        this.terminal = undefined;
        this.pending = undefined;
        void this.command?.terminate();
      },
      handleInput: (data) => {
        this.command?.stdin?.write(data.replace(/\r/g, '\n'));
        this.write.fire(data.replace(/\r/g, '\r\n'));
      },
    };
    return vscode.window.createTerminal({ name: `Probe Lens: ${name}`, pty, iconPath: new vscode.ThemeIcon('pulse') });
  }

  dispose(): void {
    void this.command?.terminate();
    this.terminal?.dispose();
    this.write.dispose();
    this.rename.dispose();
  }
}

export async function runWithProbes(ctx: Ctx, terminal: RunTerminal, request: RunRequest): Promise<{ pid: number }> {
  const userProbes = ctx.probes.list().filter((entry) => entry.spec.attach.binary !== undefined);
  const probed = probedBinaries(userProbes);
  if (userProbes.length > 0 && probesIn(request.program, probed).length === 0) {
    const binaries = [...new Set(probed.map((probe) => path.basename(probe.binary ?? '')))].join(', ');
    void vscode.window.showWarningMessage(`Probe Lens: none of the ${userProbes.length} probes is in ${request.name} (they probe ${binaries}): running it anyway.`);
  }
  const command = await spawnHeldCommand([request.program, ...request.args], { output: 'pipe', cwd: request.cwd });
  try {
    const filter = await ctx.probes.commandFilter(command.pid);
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Probe Lens: attaching to ${request.name}…` }, async () => {
      await ctx.probes.retarget(userProbes.map((entry) => entry.id), filter);
      for (const entry of userProbes) if (entry.state === 'error') ctx.log.warn(`${entry.spec.target}: ${entry.reason ?? ''}`);
    });
    // The program is still held: nothing of this run has been counted yet.
    if (ctx.config.runResetsCounts) ctx.probes.resetCounts(userProbes.map((entry) => entry.id));
  } catch (error) {
    await command.terminate();
    throw error;
  }
  terminal.show(request, command);
  command.release();
  ctx.log.info(`Running ${[request.program, ...request.args].join(' ')} (pid ${command.pid}) with ${userProbes.length} probe(s)`);
  void command.exited.then((outcome) => ctx.log.info(describeCommandOutcome(outcome)));
  return { pid: command.pid };
}

export function activate(ctx: Ctx): void {
  const terminal = new RunTerminal();
  ctx.pushExtension(
    terminal,
    vscode.commands.registerCommand(
      Commands.runWithProbes,
      guarded(ctx, 'Run with Probes', async (argument?: unknown) => runWithProbes(ctx, terminal, parseRequest(argument) ?? (await programToRun(ctx)))),
    ),
  );
}
