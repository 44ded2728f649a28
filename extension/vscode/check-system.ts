// "Check System": starts the helper as probing would and shows its capability report — each
// probe kind available or not with the plain reason and the fix — as a markdown preview.

import * as vscode from 'vscode';
import { loadSymbolsAddon } from '../core/symbols-addon';
import { privilegeFixes } from '../core/privilege';
import { systemReportMarkdown } from '../core/system-report';
import { Commands } from './command-ids';
import type { Ctx } from './ctx';
import { guarded } from './notify';

const SCHEME = 'probe-lens-report';

export async function checkSystem(ctx: Ctx): Promise<string> {
  const session = await ctx.helper.start();
  const kernel = session.initializeResult.privileged ? await session.client.kernelCatalog({ limit: 0 }).catch(() => undefined) : undefined;
  const entryCosts = session.initializeResult.probeKinds.uprobe.available ? await session.client.entryCosts().catch(() => undefined) : undefined;
  let symbolsProblem: string | undefined;
  try {
    loadSymbolsAddon();
  } catch (error) {
    symbolsProblem = error instanceof Error ? error.message : String(error);
  }
  return systemReportMarkdown({
    helperPath: session.helperPath,
    launchVia: session.launch.via,
    launchWhy: session.launch.why,
    result: session.initializeResult,
    privilegeFixes: privilegeFixes(session.helperPath, ctx.helper.policyPath()),
    ...(kernel === undefined ? {} : { kernel }),
    ...(entryCosts === undefined ? {} : { entryCosts }),
    symbolsProblem,
  });
}

export function activate(ctx: Ctx): { lastReport: () => string | undefined } {
  let last: string | undefined;
  const changed = new vscode.EventEmitter<vscode.Uri>();
  const uri = vscode.Uri.from({ scheme: SCHEME, path: '/Probe Lens Check System.md' });
  ctx.pushExtension(
    changed,
    vscode.workspace.registerTextDocumentContentProvider(SCHEME, { onDidChange: changed.event, provideTextDocumentContent: () => last ?? '' }),
    vscode.commands.registerCommand(
      Commands.checkSystem,
      guarded(ctx, 'Check System', async () => {
        last = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Probe Lens: checking this system…' }, () => checkSystem(ctx));
        changed.fire(uri);
        const document = await vscode.workspace.openTextDocument(uri);
        await vscode.languages.setTextDocumentLanguage(document, 'markdown');
        await vscode.commands.executeCommand('markdown.showPreview', uri).then(undefined, () => vscode.window.showTextDocument(document));
        return last;
      }),
    ),
  );
  return { lastReport: () => last };
}
