// Who called it: "Show Callers" (palette, the editor's context menu as "Show Callers of This
// Function", a probe in the Probes view) makes a probe count each call's user stack in the kernel
// (attaching it first if needed) and reveals the Callers view: per probe, each immediate caller
// with its exact count and share, function and file:line, expanding into the most frequent whole
// stacks through it, frame by frame; clicking a caller or a frame opens the source at that line.
// What is missing is said first: stacks that stop at the caller, calls not counted by stack.

import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { callersModel, type CallerRow, type CallersModel, type FrameRow, type SourceLocation, type StackRow } from '../core/callers';
import { ProbeLensError } from '../core/errors';
import type { ProbeEntry } from '../core/probe-manager';
import { Throttle } from '../core/throttle';
import { Commands } from './command-ids';
import type { Ctx } from './ctx';
import { guarded } from './notify';
import { attachSpecs, functionSpecsAt } from './probe-function';
import { entryFrom } from './probes-view';

export const CALLERS_VIEW_ID = 'probeLens.callers';

type Node =
  | { kind: 'probe'; probeId: number }
  | { kind: 'note'; id: string; text: string; warning: boolean }
  | { kind: 'caller'; id: string; row: CallerRow }
  | { kind: 'stack'; id: string; row: StackRow }
  | { kind: 'frame'; id: string; row: FrameRow };

/** The probes that count their callers, in the order they were added. */
function probesWithCallers(ctx: Ctx): ProbeEntry[] {
  return ctx.probes.list().filter((entry) => entry.spec.stacks === true);
}

/** What the view shows for a probe (the test API reports the same). */
export function modelOf(ctx: Ctx, entry: ProbeEntry): CallersModel {
  const snapshot = entry.aggregate.snapshot(0);
  return callersModel({
    functionName: entry.spec.functionName,
    state: entry.state,
    calls: snapshot.matched ?? snapshot.calls,
    named: ctx.stackNames.get(entry.id),
    depth: entry.result?.stacks,
    binary: entry.result?.binary ?? entry.spec.attach.binary,
  });
}

/** Opens `location` where the user reads code: the editor group already showing the file, else the active one. */
export async function openSource(location: SourceLocation): Promise<void> {
  if (!existsSync(location.file)) throw new ProbeLensError('usage', `${path.basename(location.file)} is not at ${location.file} on this machine (the binary was built elsewhere?)`);
  const uri = vscode.Uri.file(location.file);
  const document = await vscode.workspace.openTextDocument(uri);
  const line = Math.max(0, Math.min(location.line - 1, document.lineCount - 1));
  const shown = vscode.window.visibleTextEditors.find((editor) => editor.document.uri.toString() === uri.toString());
  const viewColumn = shown?.viewColumn ?? vscode.window.activeTextEditor?.viewColumn ?? vscode.ViewColumn.One;
  const editor = await vscode.window.showTextDocument(document, { viewColumn, selection: new vscode.Range(line, 0, line, 0), preview: true });
  editor.revealRange(new vscode.Range(line, 0, line, 0), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}

class CallersTree implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  /** One node object per probe, so reveal() finds it again. */
  private readonly probeNodes = new Map<number, Node & { kind: 'probe' }>();

  constructor(private readonly ctx: Ctx) {}

  refresh(): void {
    this.changed.fire(undefined);
  }

  probeNode(probeId: number): Node & { kind: 'probe' } {
    let node = this.probeNodes.get(probeId);
    if (node === undefined) this.probeNodes.set(probeId, (node = { kind: 'probe', probeId }));
    return node;
  }

  /** Only probes are revealed, and they are the roots. */
  getParent(): undefined {
    return undefined;
  }

  getChildren(node?: Node): Node[] {
    if (node === undefined) {
      const entries = probesWithCallers(this.ctx);
      for (const id of this.probeNodes.keys()) if (!entries.some((entry) => entry.id === id)) this.probeNodes.delete(id);
      return entries.map((entry) => this.probeNode(entry.id));
    }
    switch (node.kind) {
      case 'probe': {
        const entry = this.ctx.probes.get(node.probeId);
        if (entry === undefined) return [];
        const model = modelOf(this.ctx, entry);
        const prefix = `${node.probeId}`;
        return [
          ...model.notes.map(({ text, warning }, index): Node => ({ kind: 'note', id: `${prefix}/note/${index}/${text}`, text, warning })),
          ...model.callers.map((row): Node => ({ kind: 'caller', id: `${prefix}/caller/${row.key}`, row })),
        ];
      }
      case 'caller':
        return [
          ...node.row.stacks.map((row): Node => ({ kind: 'stack', id: `${node.id}/stack/${row.key}`, row })),
          ...(node.row.unlisted > 0 ? [{ kind: 'note' as const, id: `${node.id}/unlisted`, text: `${node.row.unlisted} more calls by stacks not among the most frequent`, warning: false }] : []),
        ];
      case 'stack':
        return node.row.frames.map((row, index): Node => ({ kind: 'frame', id: `${node.id}/${index}`, row }));
      case 'note':
      case 'frame':
        return [];
    }
  }

  getTreeItem(node: Node): vscode.TreeItem {
    switch (node.kind) {
      case 'probe': {
        const entry = this.ctx.probes.get(node.probeId);
        const model = entry === undefined ? undefined : modelOf(this.ctx, entry);
        const item = new vscode.TreeItem(model?.label ?? `probe ${node.probeId}`, vscode.TreeItemCollapsibleState.Expanded);
        item.id = `callers-${node.probeId}`;
        item.description = model?.description ?? '';
        item.tooltip = `${entry?.spec.target ?? ''}\nCallers counted in the kernel, exactly: each call's user stack.`;
        item.iconPath = new vscode.ThemeIcon('call-incoming');
        item.contextValue = 'callersProbe';
        return item;
      }
      case 'note': {
        const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
        item.id = node.id;
        item.tooltip = node.text;
        item.iconPath = new vscode.ThemeIcon(node.warning ? 'warning' : 'info');
        return item;
      }
      case 'caller':
        return this.frameItem(node.id, node.row, node.row.stacks.length > 0 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None, 'call-incoming');
      case 'stack': {
        const item = new vscode.TreeItem(node.row.label, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = node.id;
        item.description = node.row.description;
        item.tooltip = `${node.row.count} calls with this stack:\n${node.row.frames.map((frame) => `${frame.label}${frame.description === '' ? '' : ` (${frame.description})`}`).join('\n')}`;
        item.iconPath = new vscode.ThemeIcon('layers');
        return item;
      }
      case 'frame':
        return this.frameItem(node.id, node.row, vscode.TreeItemCollapsibleState.None, 'symbol-function');
    }
  }

  private frameItem(id: string, row: FrameRow, state: vscode.TreeItemCollapsibleState, icon: string): vscode.TreeItem {
    const item = new vscode.TreeItem(row.label, state);
    item.id = id;
    item.description = row.description;
    item.tooltip = row.tooltip;
    item.iconPath = new vscode.ThemeIcon(icon);
    if (row.location !== undefined) item.command = { command: Commands.openFrame, title: 'Open Source', arguments: [row.location] };
    return item;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/** Show Callers: the probes of the function at the cursor count their callers (attached first when needed). */
async function callersAtCursor(ctx: Ctx, editor: vscode.TextEditor): Promise<ProbeEntry[]> {
  const specs = (await functionSpecsAt(ctx, editor.document, editor.selection.active)).map((spec) => ({ ...spec, stacks: true }));
  const entries = await attachSpecs(ctx, specs);
  for (const entry of entries) await ctx.probes.countCallers(entry.id);
  return entries;
}

function isSourceEditor(editor: vscode.TextEditor | undefined): editor is vscode.TextEditor {
  return editor !== undefined && (editor.document.languageId === 'c' || editor.document.languageId === 'cpp');
}

export interface CallersView {
  /** Each probe that counts its callers, as the view shows it. */
  models(): ({ probeId: number } & CallersModel)[];
}

export function activate(ctx: Ctx): CallersView {
  const tree = new CallersTree(ctx);
  const view = vscode.window.createTreeView(CALLERS_VIEW_ID, { treeDataProvider: tree, showCollapseAll: true });
  const countsThrottle = new Throttle(() => tree.refresh(), 500);

  const reveal = async (entries: readonly ProbeEntry[]): Promise<void> => {
    for (const entry of entries) {
      const shallow = entry.result?.stacks;
      if (shallow !== undefined && !shallow.framePointers) ctx.log.info(`${entry.spec.target}: stacks ${shallow.depth} deep: ${entry.result?.binary ?? 'the binary'} keeps no frame pointers (build with -fno-omit-frame-pointer for whole stacks)`);
      if (entry.state === 'error') throw new ProbeLensError('attach-failed', `${entry.spec.target}: ${entry.reason ?? ''}`);
    }
    tree.refresh();
    await vscode.commands.executeCommand(`${CALLERS_VIEW_ID}.focus`);
    const [first] = entries;
    if (first !== undefined) await view.reveal(tree.probeNode(first.id), { select: true, focus: false, expand: true });
  };

  ctx.pushExtension(
    tree,
    view,
    { dispose: () => countsThrottle.dispose() },
    ctx.stackNames.onDidChange.event(() => countsThrottle.request()),
    ctx.probes.onDidChangeProbes.event(() => countsThrottle.request()),
    ctx.probes.onDidChangeData.event(() => countsThrottle.request()),
    vscode.commands.registerCommand(
      Commands.showCallers,
      guarded(ctx, 'Show Callers', async (argument?: unknown) => {
        const editor = vscode.window.activeTextEditor;
        if (argument === undefined && isSourceEditor(editor)) return reveal(await callersAtCursor(ctx, editor));
        const entry = await entryFrom(ctx, argument, 'Show the callers of');
        if (entry === undefined) return;
        await ctx.probes.countCallers(entry.id);
        await reveal([entry]);
      }),
    ),
    vscode.commands.registerCommand(
      Commands.showCallersOfFunction,
      guarded(ctx, 'Show Callers of This Function', async () => {
        const editor = vscode.window.activeTextEditor;
        if (!isSourceEditor(editor)) throw new ProbeLensError('usage', 'Open a C or C++ file and put the cursor on a function first.');
        await reveal(await callersAtCursor(ctx, editor));
      }),
    ),
    vscode.commands.registerCommand(
      Commands.openFrame,
      guarded(ctx, 'Open Source', async (location?: unknown) => {
        if (typeof location !== 'object' || location === null || !('file' in location) || !('line' in location) || typeof location.file !== 'string' || typeof location.line !== 'number') return;
        await openSource({ file: location.file, line: location.line });
      }),
    ),
  );
  return {
    models: () => probesWithCallers(ctx).map((entry) => ({ probeId: entry.id, ...modelOf(ctx, entry) })),
  };
}
