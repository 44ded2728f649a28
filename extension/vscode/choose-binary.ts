// Which binary a C/C++ source file's probes go to: asked when several were built from it,
// changed at any time with "Choose Binary…", remembered for the file and for the workspace
// (a choice made once serves every file it was built from), and shown in the status bar for
// the file in the editor.

import * as path from 'node:path';
import * as vscode from 'vscode';
import { findBinariesForSource, type BinaryCandidate } from '../core/binaries-for-source';
import { Cancelled } from '../core/editor-target';
import { ProbeLensError } from '../core/errors';
import { loadSymbolsAddon } from '../core/symbols-addon';
import { Commands } from './command-ids';
import type { Ctx } from './ctx';
import { guarded } from './notify';

const FOR_SOURCE = 'probeLens.binaryForSource:';
const FOR_WORKSPACE = 'probeLens.binaryForWorkspace';

const changed = new vscode.EventEmitter<void>();

export function workspaceRoots(): string[] {
  return (vscode.workspace.workspaceFolders ?? []).filter((folder) => folder.uri.scheme === 'file').map((folder) => folder.uri.fsPath);
}

/** The choice made for this file, else for the workspace, when it is among the candidates. */
export function rememberedBinary(ctx: Ctx, file: string, candidates?: readonly BinaryCandidate[]): string | undefined {
  for (const key of [FOR_SOURCE + file, FOR_WORKSPACE]) {
    const remembered = ctx.extension.workspaceState.get<string>(key);
    if (remembered !== undefined && (candidates === undefined || candidates.some((candidate) => candidate.path === remembered))) return remembered;
  }
  return undefined;
}

/** Asks which of the candidates to probe, and remembers the answer. */
export async function pickBinary(ctx: Ctx, file: string, candidates: readonly BinaryCandidate[], title: string): Promise<string | undefined> {
  const current = rememberedBinary(ctx, file, candidates);
  const picked = await vscode.window.showQuickPick(
    candidates.map((candidate) => ({
      label: path.basename(candidate.path),
      description: `${vscode.workspace.asRelativePath(candidate.path)}${candidate.path === current ? ' (current)' : ''}`,
      detail: `found by ${candidate.foundBy.join(', ')} · built ${new Date(candidate.mtimeMs).toLocaleString()}`,
      path: candidate.path,
    })),
    { title, placeHolder: 'Remembered for this file and the workspace; change it with "Probe Lens: Choose Binary…"' },
  );
  if (picked === undefined) return undefined;
  await ctx.extension.workspaceState.update(FOR_SOURCE + file, picked.path);
  await ctx.extension.workspaceState.update(FOR_WORKSPACE, picked.path);
  changed.fire();
  return picked.path;
}

/** For the resolver: the remembered choice, else the user's. */
export async function chooseBinary(ctx: Ctx, file: string, candidates: readonly BinaryCandidate[]): Promise<string | undefined> {
  return rememberedBinary(ctx, file, candidates) ?? pickBinary(ctx, file, candidates, `Several binaries were built from ${path.basename(file)}: which one to probe?`);
}

async function chooseForEditor(ctx: Ctx): Promise<void> {
  const document = vscode.window.activeTextEditor?.document;
  if (document === undefined || document.uri.scheme !== 'file') throw new ProbeLensError('usage', 'Choose Binary works on a C or C++ file open in the editor.');
  const file = document.uri.fsPath;
  const candidates = await findBinariesForSource(file, loadSymbolsAddon(), { workspaceRoots: workspaceRoots(), explicit: ctx.config.binaries });
  if (candidates.length === 0) throw new ProbeLensError('no-binary-for-source', `No binary built from ${path.basename(file)} was found: build it with -g first.`);
  if ((await pickBinary(ctx, file, candidates, `Probe ${path.basename(file)} in which binary?`)) === undefined) throw new Cancelled();
}

export function activate(ctx: Ctx): void {
  const item = vscode.window.createStatusBarItem('probeLens.binary', vscode.StatusBarAlignment.Left, 9);
  item.name = 'Probe Lens: binary';
  item.command = Commands.chooseBinary;
  const update = (): void => {
    const document = vscode.window.activeTextEditor?.document;
    const binary = document !== undefined && ['c', 'cpp'].includes(document.languageId) ? rememberedBinary(ctx, document.uri.fsPath) : undefined;
    if (binary === undefined) {
      item.hide();
      return;
    }
    item.text = `$(file-binary) ${path.basename(binary)}`;
    item.tooltip = `Probes in ${path.basename(document?.uri.fsPath ?? '')} go to ${binary}. Click to choose another binary.`;
    item.accessibilityInformation = { label: `Probe Lens binary: ${path.basename(binary)}` };
    item.show();
  };
  ctx.pushExtension(
    item,
    changed,
    changed.event(update),
    vscode.window.onDidChangeActiveTextEditor(update),
    vscode.commands.registerCommand(Commands.chooseBinary, guarded(ctx, 'Choose Binary', () => chooseForEditor(ctx))),
  );
  update();
}
