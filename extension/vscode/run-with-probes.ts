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

/** A terminal showing the program's output; typing goes to its stdin; closing it ends the program. */
function terminalFor(request: RunRequest, command: HeldCommand): vscode.Terminal {
  const write = new vscode.EventEmitter<string>();
  const close = new vscode.EventEmitter<number | void>();
  // A terminal drops what is written before it opens: keep the program's first output until then.
  let pending: string[] | undefined = [];
  const show = (text: string): void => (pending === undefined ? write.fire(text) : void pending.push(text));
  const toTerminal = (chunk: Buffer | string): void => show(chunk.toString().replace(/\r?\n/g, '\r\n'));
  command.stdout?.on('data', toTerminal);
  command.stderr?.on('data', toTerminal);
  void command.exited.then((outcome) => {
    show(`\r\n[Probe Lens] ${describeCommandOutcome(outcome)}\r\n`);
  });
  const pty: vscode.Pseudoterminal = {
    onDidWrite: write.event,
    onDidClose: close.event,
    open: () => {
      write.fire(`[Probe Lens] ${[request.program, ...request.args].join(' ')} (pid ${command.pid}), probes attached from its first instruction\r\n`);
      for (const text of pending ?? []) write.fire(text);
      pending = undefined;
    },
    close: () => void command.terminate(),
    handleInput: (data) => {
      command.stdin?.write(data.replace(/\r/g, '\n'));
      write.fire(data.replace(/\r/g, '\r\n'));
    },
  };
  return vscode.window.createTerminal({ name: `Probe Lens: ${request.name}`, pty, iconPath: new vscode.ThemeIcon('pulse') });
}

export async function runWithProbes(ctx: Ctx, request: RunRequest): Promise<{ pid: number }> {
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
      for (const entry of userProbes) await ctx.probes.retarget(entry.id, filter).catch((error: unknown) => ctx.log.warn(`${entry.spec.target}: ${String(error)}`));
    });
  } catch (error) {
    await command.terminate();
    throw error;
  }
  const terminal = terminalFor(request, command);
  terminal.show(true);
  command.release();
  ctx.log.info(`Running ${[request.program, ...request.args].join(' ')} (pid ${command.pid}) with ${userProbes.length} probe(s)`);
  void command.exited.then((outcome) => ctx.log.info(describeCommandOutcome(outcome)));
  ctx.pushExtension({ dispose: () => void command.terminate() });
  return { pid: command.pid };
}

export function activate(ctx: Ctx): void {
  ctx.pushExtension(
    vscode.commands.registerCommand(
      Commands.runWithProbes,
      guarded(ctx, 'Run with Probes', async (argument?: unknown) => runWithProbes(ctx, parseRequest(argument) ?? (await programToRun(ctx)))),
    ),
  );
}
