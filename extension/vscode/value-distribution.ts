// How an argument's values spread (argdist, bpftrace's count() by value and hist()): "Show Value
// Distribution…" (the palette, the editor's context menu, a probe in the Probes view) asks which
// captured number argument of the function (no question when it has one), makes its probe count
// that argument's values in the kernel (attaching it first when needed; counts carried; kept on
// through Run with Probes, Resume and helper restarts) and opens the Calls panel on that probe,
// where its most frequent values and log2 histogram show beside its latencies. The hover adds a
// line with the top values and buckets.

import * as vscode from 'vscode';
import { Cancelled } from '../core/editor-target';
import { ProbeLensError } from '../core/errors';
import { numberArguments, type ProbeEntry, type ProbeSpec } from '../core/probe-manager';
import type { CallsPanels } from './calls-panel';
import { Commands } from './command-ids';
import type { Ctx } from './ctx';
import { guarded } from './notify';
import { attachSpecs, functionSpecsAt } from './probe-function';
import { entryFrom } from './probes-view';

/** The argument to count: the only number argument, else the user's pick (the one counted now first). */
async function chooseArgument(spec: ProbeSpec): Promise<string> {
  const args = numberArguments(spec);
  if (spec.attach.binary === undefined) throw new ProbeLensError('usage', `${spec.target} is a kernel probe: values are counted for functions of a program or library`);
  if (spec.line === true) throw new ProbeLensError('usage', `${spec.target} probes a line: values are counted for a function's arguments (Show Value Distribution on the function)`);
  const [only] = args;
  if (only === undefined) {
    throw new ProbeLensError('usage', `${spec.functionName} has no number argument whose values could be counted (strings and what pointers point to are not counted; Probe This Function If… filters on them)`);
  }
  if (args.length === 1) return only.name;
  const current = spec.valuesOf;
  const items = [...args]
    .sort((a, b) => Number(b.name === current) - Number(a.name === current))
    .map((arg) => ({ label: arg.name, description: `${arg.type}${arg.name === current ? ' · counted now' : ''}` }));
  const picked = await vscode.window.showQuickPick(items, { title: `Count the values of which argument of ${spec.functionName}?` });
  if (picked === undefined) throw new Cancelled();
  return picked.label;
}

/** The probes of the function at the cursor, counting the chosen argument (attached first when needed). */
async function atCursor(ctx: Ctx, editor: vscode.TextEditor): Promise<ProbeEntry[]> {
  const specs = await functionSpecsAt(ctx, editor.document, editor.selection.active);
  const [first] = specs;
  if (first === undefined) return [];
  const arg = await chooseArgument(ctx.probes.find(first)?.spec ?? first);
  const entries = await attachSpecs(ctx, specs.map((spec) => ({ ...spec, valuesOf: arg })));
  for (const entry of entries) await ctx.probes.countValues(entry.id, arg);
  return entries;
}

function isSourceEditor(editor: vscode.TextEditor | undefined): editor is vscode.TextEditor {
  return editor !== undefined && (editor.document.languageId === 'c' || editor.document.languageId === 'cpp');
}

/** A probe from the Probes view (its entry) or the palette (a quick pick), else none. */
function isProbeArgument(argument: unknown): boolean {
  return typeof argument === 'number' || (typeof argument === 'object' && argument !== null && 'id' in argument && 'spec' in argument);
}

export function activate(ctx: Ctx, panels: CallsPanels): void {
  const reveal = (entries: readonly ProbeEntry[]): void => {
    for (const entry of entries) if (entry.state === 'error') throw new ProbeLensError('attach-failed', `${entry.spec.target}: ${entry.reason ?? ''}`);
    const [first] = entries;
    if (first !== undefined) panels.show({ probeId: first.id });
  };

  ctx.pushExtension(
    vscode.commands.registerCommand(
      Commands.showValueDistribution,
      guarded(ctx, 'Show Value Distribution', async (argument?: unknown) => {
        const editor = vscode.window.activeTextEditor;
        // From the editor's context menu the argument is the document's URI; from the palette, none.
        if (!isProbeArgument(argument) && isSourceEditor(editor) && (argument === undefined || argument instanceof vscode.Uri)) return reveal(await atCursor(ctx, editor));
        const entry = await entryFrom(ctx, argument, 'Show the value distribution of');
        if (entry === undefined) return;
        await ctx.probes.countValues(entry.id, await chooseArgument(entry.spec));
        reveal([entry]);
      }),
    ),
  );
}
