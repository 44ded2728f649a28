// The Probes view (its own activity-bar container): each probe with its state (attaching, live,
// paused, ended, error with the reason), exact counts and drops; inline detach, pause/resume,
// reveal in the editor, open in the panel and (a function's) Show Callers and Show Value
// Distribution; Detach All in the title bar. A source file with several probes is a node of its
// own, its functions most called first (the file's hot functions), detached in one click.
// Refreshed at most twice a second for counts, at once when probes come, go or change state.

import * as path from 'node:path';
import * as vscode from 'vscode';
import { entryCostText } from '../core/annotation-text';
import type { ProbeEntry } from '../core/probe-manager';
import { Throttle } from '../core/throttle';
import { Commands, type CommandId } from './command-ids';
import type { Ctx } from './ctx';
import { guarded } from './notify';

const STATE_ICONS: Record<ProbeEntry['state'], vscode.ThemeIcon> = {
  attaching: new vscode.ThemeIcon('loading~spin'),
  live: new vscode.ThemeIcon('pulse', new vscode.ThemeColor('charts.green')),
  paused: new vscode.ThemeIcon('debug-pause'),
  ended: new vscode.ThemeIcon('circle-slash'),
  error: new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground')),
};

/** The tree item's fields, as the test API and the UI tests see them. */
export function describeEntry(entry: ProbeEntry): { label: string; description: string; tooltip: string } {
  const snapshot = entry.aggregate.snapshot();
  const counts = `${snapshot.calls} calls · ${snapshot.returns} returns${snapshot.dropped > 0 ? ` · ${snapshot.dropped} dropped` : ''}`;
  const description = entry.state === 'live' ? counts : `${entry.state} · ${counts}`;
  const tooltip = [
    entry.spec.target,
    `state: ${entry.state}${entry.reason === undefined ? '' : ` — ${entry.reason}`}`,
    counts,
    entry.result === undefined ? '' : `${entry.result.kind}${entry.result.retprobe ? ' + return' : ''}, attached in ${entry.result.attachMs.toFixed(1)} ms`,
    entry.filter === undefined ? 'all processes' : `process ${entry.filter.pid}${entry.filter.descendants === true ? ' and its children' : ''}`,
    entry.spec.entryCost === undefined ? '' : entryCostText(entry.spec.entryCost),
    entry.spec.stacks !== true ? '' : stacksText(entry),
    entry.spec.valuesOf === undefined ? '' : `Counts the values of ${entry.spec.valuesOf} (Show Value Distribution: the Calls panel draws them)${entry.result === undefined ? ' from its next attach' : ''}.`,
    ...entry.spec.notes,
  ]
    .filter((line) => line !== '')
    .join('\n');
  return { label: entry.spec.functionName, description, tooltip };
}

/** What Show Callers counts for this probe, and how deep its stacks go. */
function stacksText(entry: ProbeEntry): string {
  const depth = entry.result?.stacks;
  if (depth === undefined) return 'Counts its callers (Show Callers) from its next attach.';
  return `Counts its callers: each call's user stack, ${depth.framePointers ? `up to ${depth.depth} frames` : 'to the caller only (no frame pointers: build with -fno-omit-frame-pointer for whole stacks)'}.`;
}

/** A source file's probes, when it has several. */
export interface FileNode {
  kind: 'file';
  file: string;
  entries: ProbeEntry[];
}

type Node = ProbeEntry | FileNode;

/** The view's top level: files with several probes grouped (hottest first inside), the rest as they came. */
export function probeTree(entries: readonly ProbeEntry[]): Node[] {
  const byFile = new Map<string, ProbeEntry[]>();
  for (const entry of entries) {
    const file = entry.spec.source?.file;
    if (file !== undefined) byFile.set(file, [...(byFile.get(file) ?? []), entry]);
  }
  const nodes: Node[] = [];
  const placed = new Set<string>();
  for (const entry of entries) {
    const file = entry.spec.source?.file;
    const siblings = file === undefined ? [] : (byFile.get(file) ?? []);
    if (file === undefined || siblings.length < 2) nodes.push(entry);
    else if (!placed.has(file)) {
      placed.add(file);
      nodes.push({ kind: 'file', file, entries: hottestFirst(siblings) });
    }
  }
  return nodes;
}

function hottestFirst(entries: readonly ProbeEntry[]): ProbeEntry[] {
  const calls = new Map(entries.map((entry) => [entry.id, entry.aggregate.snapshot().calls]));
  return [...entries].sort((a, b) => (calls.get(b.id) ?? 0) - (calls.get(a.id) ?? 0) || (a.spec.source?.line ?? 0) - (b.spec.source?.line ?? 0));
}

export function describeFile(node: FileNode): { label: string; description: string } {
  const calls = node.entries.reduce((sum, entry) => sum + entry.aggregate.snapshot().calls, 0);
  const called = node.entries.filter((entry) => entry.aggregate.snapshot().calls > 0).length;
  return { label: path.basename(node.file), description: `${node.entries.length} probes · ${called} called · ${calls} calls` };
}

class ProbesTree implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly ctx: Ctx) {}

  refresh(): void {
    this.changed.fire(undefined);
  }

  getChildren(element?: Node): Node[] {
    if (element === undefined) return probeTree(this.ctx.probes.list());
    return 'kind' in element ? element.entries : [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if ('kind' in node) {
      const { label, description } = describeFile(node);
      const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `file-${node.file}`;
      item.description = description;
      item.tooltip = `${node.file}\n${description}\nMost called first.`;
      item.resourceUri = vscode.Uri.file(node.file);
      item.iconPath = vscode.ThemeIcon.File;
      item.contextValue = 'probeFile';
      return item;
    }
    return this.entryItem(node);
  }

  private entryItem(entry: ProbeEntry): vscode.TreeItem {
    const { label, description, tooltip } = describeEntry(entry);
    const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
    item.id = `probe-${entry.id}`;
    item.description = description;
    item.tooltip = tooltip;
    item.iconPath = STATE_ICONS[entry.state];
    // `.fn`: a function of a program or library, whose callers and argument values can be counted.
    const userFunction = entry.spec.attach.binary !== undefined && entry.spec.line !== true;
    item.contextValue = `probe.${entry.state}${entry.spec.source === undefined ? '' : '.source'}${userFunction ? '.fn' : ''}`;
    if (entry.spec.source !== undefined) item.command = { command: Commands.revealProbe, title: 'Reveal in Editor', arguments: [entry] };
    if (entry.spec.source !== undefined) item.resourceUri = vscode.Uri.file(entry.spec.source.file);
    return item;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/** Commands get the tree item's entry, or nothing from the palette (then: ask). */
export async function entryFrom(ctx: Ctx, argument: unknown, verb: string): Promise<ProbeEntry | undefined> {
  if (typeof argument === 'object' && argument !== null && 'id' in argument && typeof argument.id === 'number') return ctx.probes.get(argument.id);
  if (typeof argument === 'number') return ctx.probes.get(argument);
  const picked = await vscode.window.showQuickPick(
    ctx.probes.list().map((entry) => ({ label: entry.spec.functionName, description: `${entry.spec.target} · ${entry.state}`, entry })),
    { title: `${verb} which probe?` },
  );
  return picked?.entry;
}

export async function revealProbe(entry: ProbeEntry): Promise<void> {
  const source = entry.spec.source;
  if (source === undefined) return;
  const document = await vscode.workspace.openTextDocument(vscode.Uri.file(source.file));
  const line = Math.max(0, Math.min(source.line - 1, document.lineCount - 1));
  await vscode.window.showTextDocument(document, { selection: new vscode.Range(line, 0, line, 0), preview: false });
}

export function activate(ctx: Ctx): void {
  const tree = new ProbesTree(ctx);
  const view = vscode.window.createTreeView('probeLens.probes', { treeDataProvider: tree, showCollapseAll: false });
  const countsThrottle = new Throttle(() => tree.refresh(), 500);
  const updateBadge = (): void => {
    const live = ctx.probes.liveCount();
    view.badge = live === 0 ? undefined : { value: live, tooltip: `${live} live probe${live === 1 ? '' : 's'}` };
  };
  ctx.pushExtension(
    tree,
    view,
    { dispose: () => countsThrottle.dispose() },
    ctx.probes.onDidChangeProbes.event(() => {
      tree.refresh();
      updateBadge();
    }),
    ctx.probes.onDidChangeData.event(() => countsThrottle.request()),
    registerProbeCommand(ctx, Commands.detachProbe, 'Detach', (entry) => ctx.probes.detach(entry.id)),
    vscode.commands.registerCommand(
      Commands.detachAll,
      guarded(ctx, 'Detach All', () => ctx.probes.detachAll()),
    ),
    vscode.commands.registerCommand(Commands.resetCounts, () => ctx.probes.resetCounts()),
    vscode.commands.registerCommand(
      Commands.detachFile,
      guarded(ctx, 'Detach All in This File', async (node?: unknown) => {
        const file = typeof node === 'object' && node !== null && 'file' in node && typeof node.file === 'string' ? node.file : vscode.window.activeTextEditor?.document.uri.fsPath;
        if (file !== undefined) await ctx.probes.detachAll(ctx.probes.list().filter((entry) => entry.spec.source?.file === file).map((entry) => entry.id));
      }),
    ),
    registerProbeCommand(ctx, Commands.pauseProbe, 'Pause', (entry) => ctx.probes.pause(entry.id)),
    registerProbeCommand(ctx, Commands.resumeProbe, 'Resume', (entry) => ctx.probes.resume(entry.id)),
    registerProbeCommand(ctx, Commands.revealProbe, 'Reveal', revealProbe),
  );
}

/** A command on one probe: the tree item it was run on, or a quick pick when run from the palette. */
function registerProbeCommand(ctx: Ctx, command: CommandId, what: string, action: (entry: ProbeEntry) => Promise<unknown>): vscode.Disposable {
  return vscode.commands.registerCommand(
    command,
    guarded(ctx, what, async (argument?: unknown) => {
      const entry = await entryFrom(ctx, argument, what);
      if (entry !== undefined) await action(entry);
    }),
  );
}
