// "Probe Kernel Function…": a quick pick over the helper's kernel catalog — kernel functions
// with their BTF signatures, syscalls and tracepoints — saying which mechanism a probe gets.
// Where this kernel allows no kernel-function probes, that is said (with the reason) before the
// user picks, and only what can work is offered.

import * as vscode from 'vscode';
import { Cancelled } from '../core/editor-target';
import { ProbeLensError } from '../core/errors';
import type { ProbeSpec } from '../core/probe-manager';
import type { KernelCatalogResult } from '../core/protocol';
import { Commands } from './command-ids';
import type { Ctx } from './ctx';
import { guarded } from './notify';
import { attachSpecs } from './probe-function';

interface KernelItem extends vscode.QuickPickItem {
  spec?: ProbeSpec;
}

/** Why kernel functions cannot be probed here, or undefined when they can. */
export function kernelFunctionsUnavailable(catalog: KernelCatalogResult): string | undefined {
  return catalog.functionMechanism === null ? (catalog.functionMechanismReason ?? 'the kernel allows neither fentry/fexit nor kprobes') : undefined;
}

export function kernelItems(catalog: KernelCatalogResult): KernelItem[] {
  const items: KernelItem[] = [];
  const mechanism = catalog.functionMechanism;
  if (mechanism !== null) {
    items.push({ label: `Kernel functions (${mechanism === 'fentry' ? 'fentry/fexit' : 'kprobe/kretprobe'})`, kind: vscode.QuickPickItemKind.Separator });
    for (const fn of catalog.functions) {
      items.push({
        label: fn.name,
        description: fn.signature,
        spec: { target: `kernel:${fn.name}`, functionName: fn.name, attach: { kernelFunction: fn.name }, notes: [] },
      });
    }
  }
  items.push({ label: 'Syscalls (sys_enter/sys_exit tracepoints)', kind: vscode.QuickPickItemKind.Separator });
  for (const name of catalog.syscalls) {
    items.push({ label: `syscall:${name}`, description: 'tracepoint', spec: { target: `syscall:${name}`, functionName: name, attach: { syscall: name }, notes: [] } });
  }
  if (catalog.tracepointsAvailable) {
    items.push({ label: 'Tracepoints', kind: vscode.QuickPickItemKind.Separator });
    for (const name of catalog.tracepoints) {
      items.push({ label: `tracepoint:${name}`, description: 'tracepoint', spec: { target: `tracepoint:${name}`, functionName: name, attach: { tracepoint: name }, notes: [] } });
    }
  }
  return items;
}

export async function probeKernelFunction(ctx: Ctx, name?: string): Promise<unknown> {
  const client = await ctx.helper.client();
  const catalog = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Probe Lens: reading the kernel catalog…' }, () => client.kernelCatalog({}));
  const unavailable = kernelFunctionsUnavailable(catalog);
  if (unavailable !== undefined) {
    const text = `Probe Lens: kernel functions cannot be probed on this kernel: ${unavailable}. Syscalls${catalog.tracepointsAvailable ? ' and tracepoints' : ''} still can.`;
    ctx.shownErrors.push(text);
    void vscode.window.showWarningMessage(text, 'Check System').then((chosen) => (chosen === undefined ? undefined : vscode.commands.executeCommand(Commands.checkSystem)));
  }
  const items = kernelItems(catalog);
  let picked: KernelItem | undefined;
  if (name !== undefined) {
    picked = items.find((item) => item.spec !== undefined && (item.label === name || item.spec.target === name));
    if (picked === undefined) throw new ProbeLensError('symbol-not-found', `${name} is not in this kernel's catalog${unavailable === undefined ? '' : ` (kernel functions: ${unavailable})`}`);
  } else {
    picked = await vscode.window.showQuickPick(items, {
      // The reason kernel functions are unavailable is in the warning beside it, and in Check System.
      title: unavailable === undefined ? `Probe a kernel function, syscall or tracepoint (${catalog.functionsTotal} functions)` : 'Probe a syscall or tracepoint (no kernel functions on this kernel)',
      matchOnDescription: true,
    });
  }
  if (picked?.spec === undefined) throw new Cancelled();
  return attachSpecs(ctx, [picked.spec]);
}

export function activate(ctx: Ctx): void {
  ctx.pushExtension(
    vscode.commands.registerCommand(
      Commands.probeKernelFunction,
      guarded(ctx, 'Probe Kernel Function', (name?: unknown) => probeKernelFunction(ctx, typeof name === 'string' ? name : undefined)),
    ),
  );
}
