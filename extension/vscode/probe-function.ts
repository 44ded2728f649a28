// "Probe This Function" (editor context menu and palette) and "Probe Function in Binary…":
// from the cursor (or a quick pick over a binary's demangled functions) to live probes, entry
// and return, with progress while attaching. Which binary a source file means is asked once
// when several match and remembered per file.

import * as path from 'node:path';
import * as vscode from 'vscode';
import { findElfFiles, launchJsonPrograms } from '../core/binaries-for-source';
import { Cancelled, resolveEditorProbe, resolveFileProbes, resolveLineProbes, type EditorProbe } from '../core/editor-target';
import { ProbeLensError } from '../core/errors';
import { functionsToPick, type FunctionGroup } from '../core/function-pick';
import { readableName } from '../core/names';
import { conditionArgument, describeCondition, parseCondition } from '../core/targets';
import type { ProbeEntry, ProbeSpec, SourceAnchor } from '../core/probe-manager';
import { processesOf } from '../core/processes';
import { loadSymbolsAddon, type FunctionInfo } from '../core/symbols-addon';
import { planUserFunction, type UserProbePlan } from '../core/user-targets';
import { chooseBinary, workspaceRoots } from './choose-binary';
import { Commands } from './command-ids';
import type { Ctx } from './ctx';
import { guarded } from './notify';

/** Several functions share the name under the cursor: the user picks by qualified name, never a guess. */
async function chooseFunction(candidates: readonly FunctionInfo[]): Promise<FunctionInfo | undefined> {
  const picked = await vscode.window.showQuickPick(
    candidates.map((fn) => ({
      label: readableName(fn.demangled),
      ...(fn.file === null ? {} : { description: `${vscode.workspace.asRelativePath(fn.file)}:${String(fn.line ?? '?')}` }),
      ...(fn.name === fn.demangled ? {} : { detail: fn.name }),
      fn,
    })),
    { title: `${candidates[0]?.sourceName ?? 'This name'} names ${candidates.length} functions: which one to probe?`, matchOnDescription: true },
  );
  return picked?.fn;
}

function specsFrom(probe: Pick<EditorProbe, 'plans' | 'program'> & { anchor: SourceAnchor | undefined }, replan: () => Promise<UserProbePlan[]>): ProbeSpec[] {
  return probe.plans.map((plan, index) => ({
    target: plan.text,
    functionName: plan.functionName,
    attach: plan.attach,
    capture: plan.shape,
    ...(probe.anchor === undefined ? {} : { source: probe.anchor }),
    notes: plan.notes,
    ...(plan.entryCost === undefined ? {} : { entryCost: plan.entryCost }),
    ...(probe.program === undefined ? {} : { program: probe.program }),
    replan: async () => {
      const fresh = (await replan())[index];
      if (fresh === undefined) throw new ProbeLensError('symbol-not-found', `${plan.functionName} is no longer in the rebuilt binary`);
      return fresh.attach;
    },
  }));
}

/** Attaches each spec (an existing probe of the same target is kept), with progress. */
export async function attachSpecs(ctx: Ctx, specs: readonly ProbeSpec[]): Promise<ProbeEntry[]> {
  const title = specs.length === 1 ? `Probe Lens: attaching to ${specs[0]?.functionName ?? ''}…` : `Probe Lens: attaching ${specs.length} probes…`;
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title }, async () => {
    const entries: ProbeEntry[] = [];
    for (const spec of specs) {
      const existing = ctx.probes.find(spec);
      if (existing !== undefined && existing.state !== 'error') {
        entries.push(existing);
        continue;
      }
      if (existing !== undefined) await ctx.probes.detach(existing.id);
      const entry = await ctx.probes.add(spec);
      ctx.log.info(`Probe ${entry.id}: ${spec.target} ${entry.result === undefined ? '' : `(${entry.result.kind}, ${entry.result.attachMs.toFixed(1)} ms)`}`);
      for (const note of spec.notes) ctx.log.info(`  ${note}`);
      entries.push(entry);
    }
    return entries;
  });
}

/** The probes Probe This Function would attach for the function at `position` (several for inline sites). */
export async function functionSpecsAt(ctx: Ctx, document: vscode.TextDocument, position: vscode.Position): Promise<ProbeSpec[]> {
  const probe = await editorProbeAt(ctx, document, position);
  return specsFrom(probe, probe.replan);
}

export async function probeAtPosition(ctx: Ctx, document: vscode.TextDocument, position: vscode.Position): Promise<ProbeEntry[]> {
  const entries = await attachSpecs(ctx, await functionSpecsAt(ctx, document, position));
  await ctx.extension.workspaceState.update('probeLens.probedOnce', true);
  return entries;
}

/** Probe This Function If…: the same, with a condition on an argument, the return value or the latency, decided in the kernel. */
export async function probeAtPositionIf(ctx: Ctx, document: vscode.TextDocument, position: vscode.Position, conditionText?: string): Promise<ProbeEntry[]> {
  const probe = await editorProbeAt(ctx, document, position);
  const names = [...new Set(probe.plans.flatMap((plan) => plan.shape.args.map((arg) => arg.name)))];
  const check = (text: string): string | undefined => {
    try {
      const arg = conditionArgument(parseCondition(text));
      return arg === undefined || names.includes(arg) ? undefined : `${probe.plans[0]?.functionName ?? 'The function'} has no argument '${arg}' (it has ${names.join(', ') || 'none read'})`;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  };
  const text = conditionText ?? (await vscode.window.showInputBox({
    title: `Probe ${probe.plans[0]?.functionName ?? 'this function'} only when…`,
    prompt: `An argument, a comparison (== != < <= > >=) and a whole number or "text"; or retval, or latency and a duration (latency > 1ms). Arguments: ${names.join(', ')}`,
    placeHolder: names[0] === undefined ? 'quantity > 3' : `${names[0]} > 3`,
    validateInput: check,
  }));
  if (text === undefined) throw new Cancelled();
  const problem = check(text);
  if (problem !== undefined) throw new ProbeLensError('usage', problem);
  const condition = parseCondition(text);
  const suffix = ` if ${describeCondition(condition)}`;
  const specs = specsFrom(probe, probe.replan).map((spec) => ({
    ...spec,
    target: `${spec.target}${suffix}`,
    functionName: `${spec.functionName}${suffix}`,
    attach: { ...spec.attach, condition },
  }));
  return attachSpecs(ctx, specs);
}

async function editorProbeAt(ctx: Ctx, document: vscode.TextDocument, position: vscode.Position): Promise<EditorProbe> {
  if (document.uri.scheme !== 'file') throw new ProbeLensError('usage', 'Probe This Function works on files saved on disk (this one is not).');
  const probe = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: 'Probe Lens: finding the function…' },
    () =>
      resolveEditorProbe(
        { file: document.uri.fsPath, line: position.line + 1, lineText: document.lineAt(position.line).text, character: position.character },
        { workspaceRoots: workspaceRoots(), explicit: ctx.config.binaries, chooseBinary: (file, candidates) => chooseBinary(ctx, file, candidates), chooseFunction },
      ),
  );
  if (probe.program !== undefined && processesOf(probe.program).length === 0) {
    const run = 'Run with Probes';
    void vscode.window
      .showInformationMessage(
        `Probe Lens: ${probe.plans[0]?.text ?? 'the library function'} is counted only in ${path.basename(probe.program)}, which is not running. Start it with Run with Probes.`,
        run,
      )
      .then((chosen) => (chosen === run ? vscode.commands.executeCommand(Commands.runWithProbes) : undefined));
  }
  return probe;
}

/** Probe This Line: a logpoint that never stops, with the variables in scope by name. */
export async function probeLine(ctx: Ctx, document: vscode.TextDocument, line: number): Promise<ProbeEntry[]> {
  if (document.uri.scheme !== 'file') throw new ProbeLensError('usage', 'Probe This Line works on files saved on disk (this one is not).');
  const file = document.uri.fsPath;
  const { plans, replan } = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Probe Lens: finding the line\'s code…' }, () =>
    resolveLineProbes(file, line, { workspaceRoots: workspaceRoots(), explicit: ctx.config.binaries, chooseBinary: (source, candidates) => chooseBinary(ctx, source, candidates), chooseFunction: () => Promise.resolve(undefined) }),
  );
  const specs = plans.map((plan, index): ProbeSpec => ({
    target: plan.text,
    functionName: plan.functionName,
    attach: plan.attach,
    capture: plan.shape,
    source: { file, line },
    notes: plan.notes,
    line: true,
    replan: async () => {
      const fresh = (await replan())[index];
      if (fresh === undefined) throw new ProbeLensError('no-function-at-line', `line ${line} of ${path.basename(file)} has no code in the rebuilt binary`);
      return fresh.attach;
    },
  }));
  const fresh = specs.filter((spec) => ctx.probes.find(spec) === undefined);
  const entries = fresh.length === 0 ? [] : await ctx.probes.addMany(fresh);
  for (const entry of entries) {
    ctx.log.info(`Probe ${entry.id}: ${entry.spec.target}${entry.state === 'error' ? `: ${entry.reason ?? ''}` : ''}`);
    for (const note of entry.spec.notes) ctx.log.info(`  ${note}`);
  }
  const refused = entries.find((entry) => entry.state === 'error');
  if (refused !== undefined) throw new ProbeLensError('attach-failed', `${refused.spec.target}: ${refused.reason ?? ''}`);
  return [...specs.flatMap((spec) => ctx.probes.find(spec) ?? [])];
}

/** Probe All Functions in This File: every function the file defines, attached in one request. */
export async function probeFile(ctx: Ctx, document: vscode.TextDocument): Promise<ProbeEntry[]> {
  if (document.uri.scheme !== 'file') throw new ProbeLensError('usage', 'Probe All Functions in This File works on files saved on disk (this one is not).');
  const file = document.uri.fsPath;
  const { many, replan } = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Probe Lens: finding the functions…' }, () =>
    resolveFileProbes(file, { workspaceRoots: workspaceRoots(), explicit: ctx.config.binaries, chooseBinary: (source, candidates) => chooseBinary(ctx, source, candidates), chooseFunction: () => Promise.resolve(undefined) }),
  );
  for (const note of many.notes) ctx.log.info(`${path.basename(file)}: ${note}`);
  const specs = many.plans.map((plan): ProbeSpec => ({
    target: plan.text,
    functionName: plan.functionName,
    attach: plan.attach,
    capture: plan.shape,
    // DWARF may name the file by another path (relative, through a link): the annotation goes in this one.
    ...(plan.source === undefined ? {} : { source: { file: path.basename(plan.source.file) === path.basename(file) ? file : plan.source.file, line: plan.source.line } }),
    notes: plan.notes,
    ...(plan.entryCost === undefined ? {} : { entryCost: plan.entryCost }),
    replan: async () => {
      const fresh = (await replan()).plans.find((other) => other.text === plan.text);
      if (fresh === undefined) throw new ProbeLensError('symbol-not-found', `${plan.functionName} is no longer in the rebuilt binary`);
      return fresh.attach;
    },
  }));
  const kept = specs.flatMap((spec) => ctx.probes.find(spec) ?? []).filter((entry) => entry.state !== 'error');
  const fresh = specs.filter((spec) => !kept.some((entry) => entry.spec.target === spec.target));
  const entries = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Probe Lens: attaching ${fresh.length} probes in ${path.basename(file)}…` },
    async () => {
      for (const spec of fresh) {
        const failed = ctx.probes.find(spec);
        if (failed !== undefined) await ctx.probes.detach(failed.id);
      }
      return ctx.probes.addMany(fresh);
    },
  );
  const refused = entries.filter((entry) => entry.state === 'error');
  ctx.log.info(`${path.basename(file)}: ${entries.length - refused.length} functions probed${kept.length > 0 ? `, ${kept.length} already were` : ''}`);
  for (const entry of refused) ctx.log.warn(`  ${entry.spec.target}: ${entry.reason ?? ''}`);
  if (refused.length > 0 && refused.length === entries.length) throw new ProbeLensError('attach-failed', `no function of ${path.basename(file)} could be probed: ${refused[0]?.reason ?? ''}`);
  await ctx.extension.workspaceState.update('probeLens.probedOnce', true);
  return [...kept, ...entries];
}

async function pickBinary(): Promise<string | undefined> {
  const roots = workspaceRoots();
  const found = new Set<string>();
  for (const root of roots) for (const program of await launchJsonPrograms(root)) found.add(program);
  for (const root of roots) for (const file of await findElfFiles(root, 20_000)) found.add(file);
  const browse = { label: '$(folder-opened) Browse…', path: '' };
  const picked = await vscode.window.showQuickPick([...[...found].map((file) => ({ label: path.basename(file), description: vscode.workspace.asRelativePath(file), path: file })), browse], {
    title: 'Probe Function in Binary: which binary?',
    matchOnDescription: true,
  });
  if (picked === undefined) return undefined;
  if (picked.path !== '') return picked.path;
  const uris = await vscode.window.showOpenDialog({ canSelectMany: false, title: 'A program or shared library to probe' });
  return uris?.[0]?.fsPath;
}

export async function probeFunctionInBinary(ctx: Ctx, binaryArg?: string, functionArg?: string): Promise<ProbeEntry[]> {
  const binary = binaryArg ?? (await pickBinary());
  if (binary === undefined) throw new Cancelled();
  const symbols = loadSymbolsAddon();
  let name = functionArg;
  if (name === undefined) {
    const list = await symbols.functions(binary);
    const headings: Record<FunctionGroup, string> = { workspace: 'In this workspace', program: 'Elsewhere in the program', library: 'Standard library and compiler' };
    const items: (vscode.QuickPickItem & { name?: string })[] = [];
    let group: FunctionGroup | undefined;
    for (const { fn, group: itsGroup } of functionsToPick(list.functions, workspaceRoots())) {
      if (itsGroup !== group) items.push({ label: headings[(group = itsGroup)], kind: vscode.QuickPickItemKind.Separator });
      items.push({
        label: readableName(fn.demangled),
        description: fn.file === null ? (fn.fromSymbolTable ? 'symbol table' : '') : `${path.basename(fn.file)}:${fn.line ?? '?'}`,
        ...(fn.inlinedOnly ? { detail: 'inlined only: its inline sites are probed, entry only' } : fn.name !== fn.demangled ? { detail: fn.name } : {}),
        name: fn.name,
      });
    }
    if (items.length === 0) throw new ProbeLensError('stripped', `${binary} has no functions to list (${list.binary.stripped ? 'stripped' : 'no symbols'}).`);
    const picked = await vscode.window.showQuickPick(items, {
      title: `Probe a function of ${path.basename(binary)}${list.binary.hasDwarf ? '' : ' (no DWARF: arguments shown as raw registers)'}`,
      matchOnDescription: true,
    });
    if (picked?.name === undefined) throw new Cancelled();
    name = picked.name;
  }
  const fnName = name;
  const found = (await symbols.lookup(binary, name).catch(() => [])).find((fn) => fn.file !== null && fn.line !== null);
  // Labelled by its readable name, never the mangled symbol it is looked up by.
  const text = `${path.basename(binary)}:${found === undefined ? name : readableName(found.demangled)}`;
  const plan = (): Promise<UserProbePlan[]> => planUserFunction(text, binary, fnName);
  const anchor = found?.file != null && found.line !== null ? { file: found.file, line: found.line } : undefined;
  return attachSpecs(ctx, specsFrom({ plans: await plan(), anchor }, plan));
}

export function activate(ctx: Ctx): void {
  ctx.pushExtension(
    vscode.commands.registerCommand(
      Commands.probeFunction,
      guarded(ctx, 'Probe This Function', async (uri?: unknown) => {
        const editor = vscode.window.activeTextEditor;
        // From an ELF file's context menu (explorer): probe a function of that binary.
        if (uri instanceof vscode.Uri && (editor === undefined || editor.document.uri.toString() !== uri.toString())) return probeFunctionInBinary(ctx, uri.fsPath);
        if (editor === undefined) throw new ProbeLensError('usage', 'Open a C or C++ file and put the cursor on a function first.');
        return probeAtPosition(ctx, editor.document, editor.selection.active);
      }),
    ),
    vscode.commands.registerCommand(
      Commands.probeFunctionIf,
      guarded(ctx, 'Probe This Function If', async (conditionText?: unknown) => {
        const editor = vscode.window.activeTextEditor;
        if (editor === undefined) throw new ProbeLensError('usage', 'Open a C or C++ file and put the cursor on a function first.');
        return probeAtPositionIf(ctx, editor.document, editor.selection.active, typeof conditionText === 'string' ? conditionText : undefined);
      }),
    ),
    vscode.commands.registerCommand(
      Commands.probeLine,
      guarded(ctx, 'Probe This Line', async () => {
        const editor = vscode.window.activeTextEditor;
        if (editor === undefined) throw new ProbeLensError('usage', 'Open a C or C++ file and put the cursor on a line first.');
        return probeLine(ctx, editor.document, editor.selection.active.line + 1);
      }),
    ),
    vscode.commands.registerCommand(
      Commands.probeFile,
      guarded(ctx, 'Probe All Functions in This File', async (uri?: unknown) => {
        const document = uri instanceof vscode.Uri ? await vscode.workspace.openTextDocument(uri) : vscode.window.activeTextEditor?.document;
        if (document === undefined) throw new ProbeLensError('usage', 'Open a C or C++ file first.');
        return probeFile(ctx, document);
      }),
    ),
    vscode.commands.registerCommand(
      Commands.probeFunctionInBinary,
      guarded(ctx, 'Probe Function in Binary', (binary?: unknown, name?: unknown) =>
        probeFunctionInBinary(ctx, typeof binary === 'string' ? binary : binary instanceof vscode.Uri ? binary.fsPath : undefined, typeof name === 'string' ? name : undefined),
      ),
    ),
  );
}
